/*
 * recv_output.c -- pf-recv's output queue and writer thread (see
 * recv_output.h).
 *
 * The ring is one preallocated byte buffer; each record is a 24-byte
 * header (type, length, pts) and the data, padded to 8 bytes.  A record
 * never wraps: when it does not fit before the end, the rest of the
 * buffer is skipped (a WRAP record, or nothing when fewer than 24 bytes
 * are left) and it starts at offset 0.  The producer (network thread)
 * owns |head|, the writer owns |tail|; |used| (bytes between them,
 * skipped ends included) is shared under the mutex, and the data copy
 * happens outside it.  One lock round per frame, none per datagram; no
 * allocation after ro_open().
 */
#include "recv_output.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { REC_FRAME = 1, REC_IVF_HEADER = 2, REC_WRAP = 3 };

struct rec {
  uint32_t type, pad;
  uint64_t len, pts;
};

struct recv_output {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  struct fr_writer *w;
  uint8_t *buf;
  uint64_t cap;
  uint64_t head, tail, used; /* head: producer; tail: writer */
  int closing, drain;
  struct ro_stats st;
};

static uint64_t now_ns(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rec_bytes(uint64_t len) {
  return sizeof(struct rec) + ((len + 7u) & ~(uint64_t)7u);
}

static void *writer_main(void *arg) {
  struct recv_output *o = arg;

  pthread_mutex_lock(&o->mu);
  for (;;) {
    struct rec h;
    uint64_t skip, t0, dt;
    int rv = 0;

    while (o->used == 0 && !o->closing)
      pthread_cond_wait(&o->cv, &o->mu);
    if (o->used == 0 || (o->closing && !o->drain) || o->st.failed)
      break;
    pthread_mutex_unlock(&o->mu);
    /* Only this thread moves tail; the record is complete (used covers
     * it), so it is read without the lock. */
    skip = 0;
    if (o->cap - o->tail < sizeof(h)) {
      skip = o->cap - o->tail;
    } else {
      memcpy(&h, o->buf + o->tail, sizeof(h));
      if (h.type == REC_WRAP) {
        skip = o->cap - o->tail;
      } else {
        t0 = now_ns();
        if (h.type == REC_IVF_HEADER)
          fr_writer_set_ivf_header(o->w, o->buf + o->tail + sizeof(h));
        else
          rv = fr_writer_write(o->w, o->buf + o->tail + sizeof(h),
                               (size_t)h.len, h.pts);
        dt = now_ns() - t0;
        skip = rec_bytes(h.len);
        pthread_mutex_lock(&o->mu);
        if (rv < 0) {
          o->st.failed = 1;
          o->st.err = errno;
        } else if (h.type == REC_FRAME) {
          o->st.frames++;
          o->st.bytes += h.len;
        }
        if (h.type == REC_FRAME) {
          o->st.queued_frames--;
          o->st.queued_bytes -= h.len;
        }
        if (dt >= RO_STALL_NS) {
          o->st.stalls++;
          o->st.stall_ns += dt;
        }
        pthread_mutex_unlock(&o->mu);
      }
    }
    pthread_mutex_lock(&o->mu);
    o->tail = (o->tail + skip) % o->cap;
    o->used -= skip;
    pthread_cond_broadcast(&o->cv);
  }
  pthread_mutex_unlock(&o->mu);
  return NULL;
}

int ro_open(struct recv_output **po, struct fr_writer *w,
            uint64_t buffer_bytes) {
  struct recv_output *o;
  int e;

  *po = NULL;
  o = calloc(1, sizeof(*o));
  if (!o) {
    cli_error("cannot allocate the output queue: %s", strerror(errno));
    return -1;
  }
  o->cap = buffer_bytes & ~(uint64_t)7u;
  o->buf = o->cap >= 64 ? malloc((size_t)o->cap) : NULL;
  if (!o->buf) {
    cli_error("cannot allocate a %" PRIu64 "-byte output buffer (--buffer): "
              "%s",
              buffer_bytes, strerror(errno));
    free(o);
    return -1;
  }
  o->w = w;
  o->st.buffer_bytes = o->cap;
  pthread_mutex_init(&o->mu, NULL);
  pthread_cond_init(&o->cv, NULL);
  e = pthread_create(&o->thread, NULL, writer_main, o);
  if (e != 0) {
    cli_error("cannot start the output thread: %s", strerror(e));
    pthread_cond_destroy(&o->cv);
    pthread_mutex_destroy(&o->mu);
    free(o->buf);
    free(o);
    return -1;
  }
  *po = o;
  return 0;
}

/* Reserves a record of |len| data bytes; returns its offset, or -1 when
 * it does not fit.  Called with the lock held. */
static int64_t reserve(struct recv_output *o, uint64_t len) {
  uint64_t need = rec_bytes(len), waste = 0;

  if (need > o->cap)
    return -1;
  if (o->cap - o->head < need)
    waste = o->cap - o->head;
  if (o->used + waste + need > o->cap)
    return -1;
  if (waste > 0) {
    if (waste >= sizeof(struct rec)) {
      struct rec h = {REC_WRAP, 0, 0, 0};
      memcpy(o->buf + o->head, &h, sizeof(h));
    }
    /* The writer cannot see the skipped end before |used| grows. */
    o->used += waste;
    o->head = 0;
  }
  return (int64_t)o->head;
}

static int push(struct recv_output *o, uint32_t type, const uint8_t *data,
                size_t len, uint64_t pts) {
  struct rec h = {type, 0, len, pts};
  int64_t at;

  pthread_mutex_lock(&o->mu);
  if (o->st.failed) {
    pthread_mutex_unlock(&o->mu);
    return -1;
  }
  at = reserve(o, len);
  if (at < 0) {
    o->st.overrun_frames++;
    o->st.overrun_bytes += len;
    pthread_mutex_unlock(&o->mu);
    return 1;
  }
  pthread_mutex_unlock(&o->mu);
  memcpy(o->buf + at, &h, sizeof(h));
  if (len > 0)
    memcpy(o->buf + at + sizeof(h), data, len);
  pthread_mutex_lock(&o->mu);
  o->head = (o->head + rec_bytes(len)) % o->cap;
  o->used += rec_bytes(len);
  if (o->used > o->st.peak_bytes)
    o->st.peak_bytes = o->used;
  if (type == REC_FRAME) {
    o->st.queued_frames++;
    o->st.queued_bytes += len;
  }
  pthread_cond_broadcast(&o->cv);
  pthread_mutex_unlock(&o->mu);
  return 0;
}

int ro_push(struct recv_output *o, const uint8_t *data, size_t len,
            uint64_t pts) {
  return push(o, REC_FRAME, data, len, pts);
}

int ro_push_ivf_header(struct recv_output *o,
                       const uint8_t hdr[FR_IVF_FILE_HEADER]) {
  return push(o, REC_IVF_HEADER, hdr, FR_IVF_FILE_HEADER, 0);
}

void ro_get_stats(struct recv_output *o, struct ro_stats *st) {
  pthread_mutex_lock(&o->mu);
  *st = o->st;
  pthread_mutex_unlock(&o->mu);
}

void ro_close(struct recv_output *o, int drain, struct ro_stats *st) {
  if (!o)
    return;
  pthread_mutex_lock(&o->mu);
  o->closing = 1;
  o->drain = drain;
  pthread_cond_broadcast(&o->cv);
  pthread_mutex_unlock(&o->mu);
  pthread_join(o->thread, NULL);
  if (st)
    *st = o->st;
  pthread_cond_destroy(&o->cv);
  pthread_mutex_destroy(&o->mu);
  free(o->buf);
  free(o);
}
