/*
 * bench_dataplane.c -- the whole punktfunk/1 data plane in one process,
 * on one core: sender (packetize + FEC + seal: pf_sender_submit_frame +
 * pf_sender_next_batch) and receiver (open + replay + reassemble + FEC
 * recover: pf_receiver_read_datagram + next_frame + frame_done), for
 * frames of 64 KiB, 1 MiB and 4 MiB at 20 % GF8 FEC, AES-128-GCM sealed,
 * 1408-byte shards (the 1500-MTU size), K_max 200.
 *
 * Next to them, in the same run, the raw primitives on the same data:
 * AES-128-GCM through GnuTLS's own gnutls_aead_cipher_encrypt/decrypt on
 * datagrams of the same sizes and count, and pf_fec_encode/pf_fec_decode
 * on the same blocks.  The ratio (raw FEC + raw AEAD time) / (our path's
 * time) makes the cost of the glue visible; the target for the sender
 * is >= 70 % (PASS/MISS).  The receiver ratio is printed for information.
 *
 * Latency: time from submit to the frame being handed out by the
 * receiver, per frame, in-process (no network, no pacing), p50/p99, with
 * no loss and with 5 % loss (datagram n dropped when n % 20 == 0, so FEC
 * rebuilds shards).  Throughput is MB/s of AU payload (1 MB = 10^6 B)
 * per second of this thread's CPU time (so other load on the machine
 * does not count); latency is wall-clock time.
 * Not a test: run with `make bench`.  Bounded: about 3.5 s of CPU time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <punktfunk/punktfunk.h>

#include "dataplane/pf_sender.h"

#define SHARD 1408u
#define KMAX 200u
#define PCT 20u
#define DGRAM (24u + 40u + SHARD)
#define LOSS_PERIOD 20u    /* 5 % */
#define SLICE_NS 40000000u /* one slice: 0.04 s of CPU time */
#define ROUNDS 3           /* slices per measurement; the best counts */
#define MAX_SAMPLES 200000u

static const uint8_t key[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t salt[4] = {9, 8, 7, 6};

/* CPU time of this thread: throughput is measured in it, so that other
 * load on the machine (preemption) does not count. */
static uint64_t cpu_ns(void) {
  struct timespec ts;

  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void die(const char *what, int rv) {
  fprintf(stderr, "bench_dataplane: %s failed: %s\n", what,
          rv < 0 ? pf_strerror(rv) : "error");
  exit(1);
}

struct bench {
  size_t len;
  uint8_t *frame;
  pf_sender *sender;
  pf_receiver *receiver;
  uint64_t clock;   /* pts and sender clock, 60 fps */
  uint64_t dropctr; /* datagrams offered to the receiver */
  uint32_t loss;    /* 0 or LOSS_PERIOD */
  uint64_t *lat;    /* latency samples, ns */
  size_t nlat;
  uint64_t frames_in, frames_out;
  /* raw parts */
  pf_geometry g;
  gnutls_aead_cipher_hd_t gt;
  uint8_t *dg; /* g.total sealed datagrams (raw AEAD) */
  pf_fec *fec_full, *fec_last;
  const uint8_t **dptr;
  uint8_t **pptr, **sptr, *present;
  uint8_t *parity, *scratch;
  uint64_t seq;
};

/* One frame through sender and receiver.  |t_send|, |t_recv| add the
 * time of each half. */
static void run_frame(struct bench *b, uint64_t *t_send, uint64_t *t_recv) {
  pf_dgram_batch batch;
  pf_frame fr;
  uint64_t t0, t2, c0, c1, c2, rxnow;
  size_t i;
  int rv;

  t0 = pf_clock_now_ns();
  c0 = cpu_ns();
  rv = pf_sender_submit_frame(b->sender, b->frame, b->len, b->clock, 0,
                              b->clock);
  if (rv != 0)
    die("pf_sender_submit_frame", rv);
  rv = pf_sender_next_batch(b->sender, &batch, 0, PF_TIME_NONE);
  if (rv != 0)
    die("pf_sender_next_batch", rv);
  c1 = cpu_ns();
  rxnow = pf_clock_now_ns();
  for (i = 0; i < batch.count; i++) {
    if (b->loss != 0 && b->dropctr++ % b->loss == 0)
      continue;
    (void)pf_receiver_read_datagram(b->receiver, batch.data + i * batch.stride,
                                    batch.dgram_bytes, rxnow);
  }
  memset(&fr, 0, sizeof(fr));
  fr.struct_size = sizeof(fr);
  rv = pf_receiver_next_frame(b->receiver, &fr);
  c2 = cpu_ns();
  t2 = pf_clock_now_ns();
  if (rv == 0) {
    if (fr.len != b->len)
      die("frame length check", -1);
    (void)pf_receiver_frame_done(b->receiver, &fr);
    b->frames_out++;
    if (b->nlat < MAX_SAMPLES)
      b->lat[b->nlat++] = t2 - t0;
  }
  b->frames_in++;
  b->clock += 16666667u;
  *t_send += c1 - c0;
  *t_recv += c2 - c1;
}

/* One slice of the full path: ns per frame of the send and receive
 * halves. */
static void slice_path(struct bench *b, double *ns_send, double *ns_recv) {
  uint64_t ts = 0, tr = 0, start = cpu_ns(), n = 0;

  do {
    run_frame(b, &ts, &tr);
    n++;
  } while (cpu_ns() - start < SLICE_NS);
  *ns_send = (double)ts / (double)n;
  *ns_recv = (double)tr / (double)n;
}

/* Raw AES-128-GCM on g.total datagrams: seal (|open| 0) or open. */
static void raw_aead_frame(struct bench *b, int open) {
  uint8_t nonce[12];
  size_t i, n = b->g.total;

  memcpy(nonce, salt, 4);
  for (i = 0; i < n; i++) {
    uint8_t *d = b->dg + i * DGRAM;
    uint64_t seq = b->seq++;
    size_t outlen;
    int k, rv;

    if (open && b->loss != 0 && i % b->loss == 0)
      continue; /* a lost datagram is not opened */
    if (open) {
      memcpy(nonce + 4, d, 8); /* the clear seq, as a receiver reads it */
    } else {
      for (k = 0; k < 8; k++)
        nonce[4 + k] = (uint8_t)(seq >> (56 - 8 * k));
    }
    if (!open) {
      memcpy(d, nonce + 4, 8);
      outlen = 40 + SHARD + 16;
      /* In place, as the sender seals its datagram slots. */
      rv = gnutls_aead_cipher_encrypt(b->gt, nonce, 12, d, 8, 16, d + 8,
                                      40 + SHARD, d + 8, &outlen);
    } else {
      outlen = 40 + SHARD;
      rv = gnutls_aead_cipher_decrypt(b->gt, nonce, 12, d, 8, 16, d + 8,
                                      40 + SHARD + 16, b->scratch, &outlen);
    }
    if (rv < 0)
      die(open ? "gnutls_aead_cipher_decrypt" : "gnutls_aead_cipher_encrypt",
          -1);
  }
}

/* Raw FEC on the frame's blocks: encode, or (|decode|) rebuild the data
 * shards a LOSS_PERIOD pattern erases from each block. */
static void raw_fec_frame(struct bench *b, int decode) {
  size_t blk, i;

  for (blk = 0; blk < b->g.blocks; blk++) {
    int last = blk == b->g.blocks - 1;
    uint32_t k = last ? b->g.k_last : b->g.k_full;
    uint32_t m = last ? b->g.m_last : b->g.m_full;
    pf_fec *fec = last ? b->fec_last : b->fec_full;
    size_t lost = 0;
    int rv;

    if (m == 0)
      continue;
    for (i = 0; i < k; i++)
      b->dptr[i] = b->frame + (blk * KMAX + i) * SHARD;
    for (i = 0; i < m; i++)
      b->pptr[i] = b->parity + i * SHARD;
    if (!decode) {
      rv = pf_fec_encode(fec, b->dptr, b->pptr, SHARD);
      if (rv != 0)
        die("pf_fec_encode", rv);
      continue;
    }
    for (i = 0; i < k + m; i++) {
      int gone = i < k && i % LOSS_PERIOD == 0 && lost < m;

      lost += gone ? 1u : 0u;
      b->present[i] = gone ? 0 : 1;
      b->sptr[i] =
          gone ? b->scratch + (lost - 1) * SHARD
               : (i < k ? (uint8_t *)(uintptr_t)b->dptr[i] : b->pptr[i - k]);
    }
    rv = pf_fec_decode(fec, b->sptr, b->present, SHARD);
    if (rv < 0)
      die("pf_fec_decode", rv);
  }
}

typedef void (*raw_fn)(struct bench *b, int arg);

/* One slice of a raw primitive: ns per frame. */
static double slice_raw(struct bench *b, raw_fn fn, int arg) {
  uint64_t start = cpu_ns(), n = 0, t;

  do {
    fn(b, arg);
    n++;
    t = cpu_ns() - start;
  } while (t < SLICE_NS);
  return (double)t / (double)n;
}

static void keep_min(double *best, double v) {
  if (v < *best)
    *best = v;
}

static int make_fec(pf_fec **f, uint32_t k, uint32_t m) {
  pf_fec_config fc;

  pf_fec_config_default(&fc);
  fc.fec_scheme = PF_FEC_GF8;
  fc.data_shards = k;
  fc.parity_shards = m > 0 ? m : 1;
  return pf_fec_new(f, &fc, NULL);
}

static void setup(struct bench *b, size_t len) {
  pf_sender_config sc;
  pf_receiver_config rc;
  gnutls_datum_t kd;
  size_t i;
  int rv;

  memset(b, 0, sizeof(*b));
  b->len = len;
  b->frame = malloc(len + SHARD);
  b->lat = malloc(MAX_SAMPLES * sizeof(*b->lat));
  b->scratch = malloc((size_t)KMAX * SHARD + 40 + SHARD);
  b->dptr = calloc(KMAX, sizeof(*b->dptr));
  b->pptr = calloc(KMAX, sizeof(*b->pptr));
  b->sptr = calloc(2 * KMAX, sizeof(*b->sptr));
  b->present = calloc(2 * KMAX, 1);
  b->parity = malloc((size_t)KMAX * SHARD);
  if (!b->frame || !b->lat || !b->scratch || !b->dptr || !b->pptr || !b->sptr ||
      !b->present || !b->parity)
    die("malloc", -1);
  for (i = 0; i < len + SHARD; i++)
    b->frame[i] = (uint8_t)(i * 131 + 7);

  pf_sender_config_default(&sc);
  sc.shard_payload = SHARD;
  sc.max_data_per_block = KMAX;
  sc.fec_percent = PCT;
  sc.aead = PF_AEAD_AES128GCM;
  memcpy(sc.key, key, 16);
  sc.key_len = 16;
  memcpy(sc.salt, salt, 4);
  rv = pf_sender_new(&b->sender, &sc, NULL);
  if (rv != 0)
    die("pf_sender_new", rv);
  pf_receiver_config_default(&rc);
  rc.shard_payload = SHARD;
  rc.max_data_per_block = KMAX;
  rc.aead = PF_AEAD_AES128GCM;
  memcpy(rc.key, key, 16);
  rc.key_len = 16;
  memcpy(rc.salt, salt, 4);
  rv = pf_receiver_new(&b->receiver, &rc, NULL);
  if (rv != 0)
    die("pf_receiver_new", rv);

  b->g.struct_size = sizeof(b->g);
  rv = pf_geometry_for(&b->g, len, SHARD, KMAX, PCT, PF_FEC_GF8);
  if (rv != 0)
    die("pf_geometry_for", rv);
  if (b->g.blocks > 1 &&
      (rv = make_fec(&b->fec_full, b->g.k_full, b->g.m_full)) != 0)
    die("pf_fec_new", rv);
  if ((rv = make_fec(&b->fec_last, b->g.k_last, b->g.m_last)) != 0)
    die("pf_fec_new", rv);
  b->dg = malloc(b->g.total * DGRAM);
  if (b->dg == NULL)
    die("malloc", -1);
  memset(b->dg, 0x33, b->g.total * DGRAM);
  kd.data = (unsigned char *)(uintptr_t)key;
  kd.size = 16;
  if (gnutls_aead_cipher_init(&b->gt, GNUTLS_CIPHER_AES_128_GCM, &kd) < 0)
    die("gnutls_aead_cipher_init", -1);
  /* Datagrams for the raw open. */
  raw_aead_frame(b, 0);
}

static void teardown(struct bench *b) {
  pf_sender_del(b->sender);
  pf_receiver_del(b->receiver);
  pf_fec_del(b->fec_full);
  pf_fec_del(b->fec_last);
  gnutls_aead_cipher_deinit(b->gt);
  free(b->frame);
  free(b->lat);
  free(b->scratch);
  free(b->dptr);
  free(b->pptr);
  free(b->sptr);
  free(b->present);
  free(b->parity);
  free(b->dg);
}

static void percentiles(struct bench *b, double *p50, double *p99) {
  if (b->nlat == 0) {
    *p50 = *p99 = 0;
    return;
  }
  qsort(b->lat, b->nlat, sizeof(b->lat[0]), cmp_u64);
  *p50 = (double)b->lat[b->nlat / 2] / 1e3;
  *p99 = (double)b->lat[(b->nlat * 99) / 100] / 1e3;
}

int main(void) {
  static const size_t sizes[] = {64u * 1024u, 1024u * 1024u,
                                 4u * 1024u * 1024u};
  static const char *const names[] = {"64 KiB", "1 MiB", "4 MiB"};
  double worst = 1e300;
  uint64_t t_start = pf_clock_now_ns();
  size_t si;
  int all_ok = 1;

  printf("bench_dataplane: GF8 %u%% FEC, K_max %u, shard %u B (sealed "
         "datagram %u B), AES-128-GCM, one core, in-process\n",
         PCT, KMAX, SHARD, DGRAM);
  printf("raw AEAD = gnutls_aead_cipher_encrypt/decrypt, raw FEC = "
         "pf_fec_encode/decode; MB/s of frame payload; latency = submit "
         "-> frame handed out\n\n");
  printf("%-7s %-5s %6s | %9s %9s %9s %9s %6s | %9s %9s %6s | %8s %8s\n",
         "frame", "loss", "dgrams", "send", "aead-enc", "fec-enc", "fec+aead",
         "ratio", "recv", "raw-rx", "ratio", "p50 us", "p99 us");
  for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
    struct bench b;
    double ts, tr, t_enc, t_fenc, t_dec, t_fdec, mbs, p50, p99, raw_rx;
    int loss;

    setup(&b, sizes[si]);
    mbs = (double)b.len * 1e3; /* bytes/frame * 1e9 ns/s / 1e6 B/MB */
    /* Warm up: buffers grown, coders made. */
    {
      uint64_t a = 0, c = 0;
      int w;
      for (w = 0; w < 3; w++)
        run_frame(&b, &a, &c);
    }
    for (loss = 0; loss < 2; loss++) {
      int r;

      b.loss = loss ? LOSS_PERIOD : 0;
      b.nlat = 0;
      b.frames_in = b.frames_out = 0;
      ts = tr = t_enc = t_fenc = t_dec = t_fdec = 1e300;
      /* Interleaved rounds, best of each: a change of machine load hits
       * every measurement alike. */
      for (r = 0; r < ROUNDS; r++) {
        double a, c;

        slice_path(&b, &a, &c);
        keep_min(&ts, a);
        keep_min(&tr, c);
        keep_min(&t_enc, slice_raw(&b, raw_aead_frame, 0));
        keep_min(&t_fenc, slice_raw(&b, raw_fec_frame, 0));
        keep_min(&t_dec, slice_raw(&b, raw_aead_frame, 1));
        if (loss)
          keep_min(&t_fdec, slice_raw(&b, raw_fec_frame, 1));
      }
      if (!loss)
        t_fdec = 0;
      raw_rx = t_dec + t_fdec;
      percentiles(&b, &p50, &p99);
      printf("%-7s %4s%% %6zu | %9.0f %9.0f %9.0f %9.0f %5.0f%% | %9.0f "
             "%9.0f %5.0f%% | %8.1f %8.1f\n",
             names[si], loss ? "5" : "0", b.g.total, mbs / ts, mbs / t_enc,
             mbs / t_fenc, mbs / (t_enc + t_fenc),
             100.0 * (t_enc + t_fenc) / ts, mbs / tr, mbs / raw_rx,
             100.0 * raw_rx / tr, p50, p99);
      if ((t_enc + t_fenc) / ts < worst)
        worst = (t_enc + t_fenc) / ts;
      if (b.frames_out != b.frames_in) {
        printf("  !! %llu of %llu frames not delivered\n",
               (unsigned long long)(b.frames_in - b.frames_out),
               (unsigned long long)b.frames_in);
        all_ok = 0;
      }
    }
    if (si == 0)
      printf("(FEC kernel: %s)\n", pf_fec_impl_name(b.fec_last));
    teardown(&b);
  }
  printf("\nsender path vs (FEC + AEAD alone): worst %.0f%%, target >= 70%%: "
         "%s\n",
         100.0 * worst, worst >= 0.70 ? "PASS" : "MISS");
  printf("every frame delivered: %s; total run time %.1f s\n",
         all_ok ? "yes" : "NO", (double)(pf_clock_now_ns() - t_start) / 1e9);
  return all_ok ? 0 : 1;
}
