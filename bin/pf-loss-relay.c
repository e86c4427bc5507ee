/*
 * pf-loss-relay.c -- `pf-loss relay`: a UDP forwarder that impairs
 * traffic the way a bad network would, without root or netem.
 *
 * Two pf_udp sockets: the listen socket, which learns (and then connects
 * to) the client from the first datagram it receives, and the upstream
 * socket, connected to --to.  Datagrams from the client go "to" the
 * target; replies come back "from" it.  Each impaired direction applies,
 * in this order: blackout, loss model, rate limit (a token bucket that
 * shapes, dropping what would wait more than RATE_BACKLOG_NS), delay and
 * jitter (order-preserving), reordering (a held-back datagram skips the
 * order), duplication.  Datagrams wait in one timer heap of at most
 * --queue entries; the loop sleeps in ppoll() until the next datagram is
 * due or one arrives, so an idle relay uses no CPU.
 */
#define _GNU_SOURCE /* ppoll */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "dgram_ring.h"
#include "pf-loss.h"

/* Datagrams that would wait longer than this for the rate limit are
 * dropped, as a router's queue would. */
#define RATE_BACKLOG_NS 250000000ull
/* Burst a token bucket lets through at once: 10 ms at the rate, at
 * least the datagram at hand. */
#define RATE_BURST_NS 10000000ull
/* A reordered datagram is held back by 1..2 ms more than its delay. */
#define REORDER_NS 1000000ull
#define RECV_BATCH 64
/* Due datagrams forwarded together: at most RUN_BYTES, each at most
 * RUN_MAX_SEGMENT bytes (the largest GSO segment pf_udp takes). */
#define RUN_BYTES (512u * 1024)
#define RUN_MAX_SEGMENT 65487u
#define RUN_MAX_DGRAMS 1024u
/* The ring of held datagrams: 2 KiB per --queue entry, at most 64 MiB
 * (beyond that, or while it is full, datagrams are malloc()ed). */
#define RING_BYTES_PER_ENTRY 2048u
#define RING_BYTES_MAX (64u * 1024 * 1024)

struct dir_stats {
  uint64_t received, bytes_received;
  uint64_t forwarded, bytes_forwarded;
  uint64_t lost, blackout, duplicated, reordered, delayed;
  uint64_t rate_dropped, queue_dropped, send_dropped, send_errors;
  uint64_t no_client, pending_at_exit;
};

struct dir_state {
  lm_state loss;
  lm_rng rng;
  uint64_t last_due; /* order-preserving delay */
  uint64_t tat;      /* token bucket: theoretical arrival time, ns */
  struct dir_stats st;
};

struct pending {
  uint64_t due, order;
  unsigned dir;
  size_t len;
  uint8_t *data;
  long ring_id; /* block in the relay's ring, or -1: malloc()ed */
};

/* Lateness histogram: 1 us buckets up to 20 ms. */
#define LATE_BUCKETS 20001u

struct relay {
  const struct loss_opts *o;
  pf_udp *lsn, *up;
  int have_client;
  char client[PF_UDP_ADDRSTRLEN];
  struct dir_state d[2]; /* [0] towards --to, [1] back from it */
  struct pending *q;
  size_t nq;
  uint8_t *run; /* RUN_BYTES: a run of due datagrams, back to back */
  struct pending *runq; /* [RUN_MAX_DGRAMS]: the run being sent */
  struct dgram_ring ring; /* where queued datagrams are kept */
  uint64_t order;
  uint64_t start;
  /* How late datagrams left against their due time, in us (the last
   * bucket holds everything from LATE_BUCKETS - 1 up), and the maximum. */
  uint64_t *late; /* [LATE_BUCKETS] */
  uint64_t late_n, late_max_ns;
};

/* Library diagnostics (pf_log) as "pf-loss: warning: ..." lines. */
static void log_to_stderr(int level, const char *msg, void *user_data) {
  (void)user_data;
  cli_error("%s%s", level <= PF_LOG_WARN ? "warning: " : "", msg);
}

/* An error of pf_udp_open() that means io_uring cannot be used here. */
static int uring_refused(uint32_t backend, int rv) {
  return backend == PF_UDP_IO_URING &&
         (rv == -ENOSYS || rv == -EPERM || rv == -EINVAL ||
          rv == -EOPNOTSUPP || rv == -ENOMEM);
}

static struct dir_state *dstate(struct relay *r, unsigned dir) {
  return &r->d[dir == DIR_TO ? 0 : 1];
}

/* ------------------------------------------------------------ the heap */

static int pend_less(const struct pending *a, const struct pending *b) {
  return a->due < b->due || (a->due == b->due && a->order < b->order);
}

static int queue_push(struct relay *r, unsigned dir, uint64_t due,
                      const uint8_t *data, size_t len) {
  struct pending p;
  size_t i;

  if (r->nq >= r->o->queue)
    return -1;
  p.ring_id = dgram_ring_alloc(&r->ring, len, &p.data);
  if (p.ring_id < 0) {
    p.data = malloc(len ? len : 1);
    if (!p.data)
      return -1;
  }
  memcpy(p.data, data, len);
  p.len = len;
  p.due = due;
  p.dir = dir;
  p.order = r->order++;
  for (i = r->nq++; i > 0; i = (i - 1) / 2) {
    if (!pend_less(&p, &r->q[(i - 1) / 2]))
      break;
    r->q[i] = r->q[(i - 1) / 2];
  }
  r->q[i] = p;
  return 0;
}

static void pend_free(struct relay *r, struct pending *p) {
  if (p->ring_id >= 0)
    dgram_ring_release(&r->ring, p->ring_id);
  else
    free(p->data);
  p->data = NULL;
}

static struct pending queue_pop(struct relay *r) {
  struct pending top = r->q[0], last = r->q[--r->nq];
  size_t i = 0, c;

  while ((c = 2 * i + 1) < r->nq) {
    if (c + 1 < r->nq && pend_less(&r->q[c + 1], &r->q[c]))
      c++;
    if (!pend_less(&r->q[c], &last))
      break;
    r->q[i] = r->q[c];
    i = c;
  }
  if (r->nq > 0)
    r->q[i] = last;
  return top;
}

/* ------------------------------------------------------------ forwarding */

static void send_now(struct relay *r, unsigned dir, const uint8_t *data,
                     size_t len) {
  struct dir_state *d = dstate(r, dir);
  int rv = pf_udp_send(dir == DIR_TO ? r->up : r->lsn, data, len);

  if (rv == 0) {
    d->st.forwarded++;
    d->st.bytes_forwarded += len;
  } else if (rv == -EAGAIN || rv == -ENOBUFS)
    d->st.send_dropped++;
  else
    d->st.send_errors++;
}

/* Sends |count| datagrams of |len| bytes each, back to back at |base|,
 * in as few kernel crossings as pf_udp_send_segments() manages (GSO
 * super-packets where the kernel has them).  A datagram the socket
 * refuses is dropped and counted, as a router would, and the rest still
 * go. */
static void send_run(struct relay *r, unsigned dir, const uint8_t *base,
                     size_t len, size_t count) {
  struct dir_state *d = dstate(r, dir);
  pf_udp *u = dir == DIR_TO ? r->up : r->lsn;
  size_t off = 0;

  if (count == 1 || len > RUN_MAX_SEGMENT) {
    for (off = 0; off < count; off++)
      send_now(r, dir, base + off * len, len);
    return;
  }
  while (off < count) {
    int rv = pf_udp_send_segments(u, base + off * len, len, count - off);
    if (rv > 0) {
      d->st.forwarded += (uint64_t)rv;
      d->st.bytes_forwarded += (uint64_t)rv * len;
      off += (size_t)rv;
      continue;
    }
    if (rv == -EAGAIN || rv == -ENOBUFS)
      d->st.send_dropped++;
    else
      d->st.send_errors++;
    off++;
  }
}

/* Counts how late a datagram leaves against its due time. */
static void note_late(struct relay *r, uint64_t due, uint64_t now) {
  uint64_t ns = now - due, us = ns / 1000u;

  r->late[us < LATE_BUCKETS - 1 ? us : LATE_BUCKETS - 1]++;
  r->late_n++;
  if (ns > r->late_max_ns)
    r->late_max_ns = ns;
}

/* Forwards every datagram that is due.  Runs of due datagrams of one
 * direction and one size (what a stream sends) go out together: one by
 * one, the relay's own forwarding time for a 200-datagram frame was
 * about 1 ms, which is not the impairment asked for. */
static void flush_due(struct relay *r, uint64_t now) {
  while (r->nq > 0 && r->q[0].due <= now) {
    struct pending p = queue_pop(r);
    const uint8_t *base = p.data;
    size_t n = 1, i;

    note_late(r, p.due, now);
    if (p.len == 0 || p.len > RUN_MAX_SEGMENT) {
      send_now(r, p.dir, p.data, p.len);
      pend_free(r, &p);
      continue;
    }
    r->runq[0] = p;
    while (n < RUN_MAX_DGRAMS && r->nq > 0 && r->q[0].due <= now &&
           r->q[0].dir == p.dir && r->q[0].len == p.len &&
           (n + 1) * p.len <= RUN_BYTES) {
      r->runq[n] = queue_pop(r);
      note_late(r, r->runq[n].due, now);
      n++;
    }
    /* A batch that arrived together lies back to back in the ring and
     * leaves from there; anything else is gathered into r->run. */
    for (i = 1; i < n && r->runq[i].data == base + i * p.len; i++)
      ;
    if (i < n) {
      for (i = 0; i < n; i++)
        memcpy(r->run + i * p.len, r->runq[i].data, p.len);
      base = r->run;
    }
    send_run(r, p.dir, base, p.len, n);
    for (i = 0; i < n; i++)
      pend_free(r, &r->runq[i]);
  }
}

static int in_blackout(const struct relay *r, uint64_t now) {
  const struct loss_opts *o = r->o;
  uint64_t t = now - r->start;

  return o->blackout && t >= o->blackout_after_ns &&
         t - o->blackout_after_ns < o->blackout_for_ns;
}

static void impair(struct relay *r, unsigned dir, const uint8_t *data,
                   size_t len, uint64_t now) {
  const struct loss_opts *o = r->o;
  struct dir_state *d = dstate(r, dir);
  uint64_t due = now;
  int reorder;

  if (!(o->dir & dir)) {
    /* Not impaired: nothing of this direction ever waits, so sending at
     * once keeps its order. */
    send_now(r, dir, data, len);
    return;
  }
  if (in_blackout(r, now)) {
    d->st.blackout++;
    return;
  }
  if (o->model.kind != LM_NONE && lm_drop(&o->model, &d->loss)) {
    d->st.lost++;
    return;
  }
  if (o->rate_bps > 0) {
    /* Token bucket as virtual scheduling (GCRA): tat advances by each
     * datagram's transmission time; a datagram may leave |burst| ahead
     * of it. */
    uint64_t cost = (uint64_t)((double)len * 8e9 / (double)o->rate_bps);
    uint64_t burst = RATE_BURST_NS, tat = d->tat > now ? d->tat : now;
    if (burst < cost)
      burst = cost;
    due = tat > now + burst ? tat - burst : now;
    if (due - now > RATE_BACKLOG_NS) {
      d->st.rate_dropped++;
      return;
    }
    d->tat = tat + cost;
  }
  if (o->delay_ns > 0 || o->jitter_ns > 0) {
    double j = o->jitter_ns > 0
                   ? (2 * lm_rng_unit(&d->rng) - 1) * (double)o->jitter_ns
                   : 0;
    double t = (double)o->delay_ns + j;
    due += t > 0 ? (uint64_t)t : 0;
    d->st.delayed++;
  }
  reorder = o->reorder > 0 && lm_rng_unit(&d->rng) < o->reorder;
  if (reorder) {
    due += REORDER_NS + lm_rng_below(&d->rng, REORDER_NS);
    d->st.reordered++;
  } else {
    /* Jitter alone does not reorder: keep the direction's order. */
    if (due < d->last_due)
      due = d->last_due;
    d->last_due = due;
  }
  if (queue_push(r, dir, due, data, len) != 0) {
    d->st.queue_dropped++;
    return;
  }
  if (o->duplicate > 0 && lm_rng_unit(&d->rng) < o->duplicate) {
    if (queue_push(r, dir, due, data, len) != 0)
      d->st.queue_dropped++;
    else
      d->st.duplicated++;
  }
}

/* Receives what is waiting on |u| (at most a few batches) and impairs
 * it.  Returns the number of datagrams, or -1 on a fatal error. */
static int pump(struct relay *r, unsigned dir) {
  pf_udp *u = dir == DIR_TO ? r->lsn : r->up;
  pf_udp_datagram dg[RECV_BATCH];
  int n, i, total = 0, round;

  for (round = 0; round < 8; round++) {
    uint64_t now;

    n = pf_udp_recv(u, dg, RECV_BATCH, 0);
    if (n == 0 || n == -EINTR)
      break;
    if (n == -ECONNREFUSED) /* ICMP from a peer not (yet) listening */
      continue;
    if (n < 0) {
      cli_error("relay: cannot receive: %s", pf_strerror(n));
      return -1;
    }
    now = pf_clock_now_ns();
    for (i = 0; i < n; i++) {
      struct dir_state *d = dstate(r, dir);

      d->st.received++;
      d->st.bytes_received += dg[i].len;
      if (dir == DIR_TO && !r->have_client) {
        int rv = pf_udp_connect_addr(r->lsn, &dg[i].from);
        if (rv != 0) {
          cli_error("relay: cannot connect to the client: %s",
                    pf_strerror(rv));
          return -1;
        }
        r->have_client = 1;
        if (pf_udp_addr_format(&dg[i].from, r->client, sizeof(r->client)) <
            0)
          snprintf(r->client, sizeof(r->client), "?");
        if (!r->o->quiet)
          cli_error("relay: client is %s", r->client);
      }
      if (dir == DIR_FROM && !r->have_client) {
        d->st.no_client++;
        continue;
      }
      impair(r, dir, dg[i].data, dg[i].len, now);
    }
    total += n;
    if (n < RECV_BATCH)
      break;
  }
  return total;
}

/* --------------------------------------------------------------- stats */

static void dir_json(FILE *f, const char *name, const struct dir_stats *s,
                     int impaired) {
  fprintf(f,
          "\"%s\":{\"impaired\":%s,\"received\":%" PRIu64
          ",\"bytes_received\":%" PRIu64 ",\"forwarded\":%" PRIu64
          ",\"bytes_forwarded\":%" PRIu64 ",\"lost\":%" PRIu64
          ",\"blackout\":%" PRIu64 ",\"duplicated\":%" PRIu64
          ",\"reordered\":%" PRIu64 ",\"delayed\":%" PRIu64
          ",\"rate_dropped\":%" PRIu64 ",\"queue_dropped\":%" PRIu64
          ",\"send_dropped\":%" PRIu64 ",\"send_errors\":%" PRIu64
          ",\"no_client\":%" PRIu64 ",\"pending_at_exit\":%" PRIu64 "}",
          name, impaired ? "true" : "false", s->received, s->bytes_received,
          s->forwarded, s->bytes_forwarded, s->lost, s->blackout,
          s->duplicated, s->reordered, s->delayed, s->rate_dropped,
          s->queue_dropped, s->send_dropped, s->send_errors, s->no_client,
          s->pending_at_exit);
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fputc('\\', f);
    if ((unsigned char)*s < 0x20)
      fprintf(f, "\\u%04x", *s);
    else
      fputc(*s, f);
  }
  fputc('"', f);
}

/* The smallest whole us that at least |q| of the datagrams were not later
 * than (0 when nothing was forwarded from the queue). */
static uint64_t late_quantile(const struct relay *r, double q) {
  uint64_t want = (uint64_t)((double)r->late_n * q), acc = 0;
  size_t i;

  if (r->late_n == 0)
    return 0;
  if (want >= r->late_n)
    want = r->late_n - 1;
  for (i = 0; i < LATE_BUCKETS; i++) {
    acc += r->late[i];
    if (acc > want)
      return i + 1;
  }
  return LATE_BUCKETS;
}

static int write_stats(const struct relay *r, uint64_t end, const char *why) {
  const struct loss_opts *o = r->o;
  FILE *f = stdout;

  if (o->stats_json) {
    f = fopen(o->stats_json, "w");
    if (!f) {
      cli_error("relay: cannot create '%s': %s", o->stats_json,
                strerror(errno));
      return -1;
    }
  }
  fprintf(f, "{\"tool\":\"pf-loss relay\",\"version\":\"%s\",\"seed\":%" PRIu64
             ",\"listen\":",
          pf_version(), o->seed);
  json_str(f, o->listen);
  fputs(",\"target\":", f);
  json_str(f, o->to);
  fputs(",\"client\":", f);
  if (r->have_client)
    json_str(f, r->client);
  else
    fputs("null", f);
  fprintf(f,
          ",\"model\":\"%s\",\"loss\":%g,\"burst\":%g,\"period\":%u,"
          "\"delay_ms\":%g,\"jitter_ms\":%g,\"reorder\":%g,\"duplicate\":%g,"
          "\"rate_bps\":%" PRIu64 ",\"wake_early_us\":%" PRIu64
          ",\"elapsed_s\":%.3f,\"stopped_by\":\"%s\",",
          lm_kind_name(o->model.kind), o->model.p, o->model.burst,
          o->model.period, (double)o->delay_ns / 1e6,
          (double)o->jitter_ns / 1e6, o->reorder, o->duplicate, o->rate_bps,
          o->wake_early_ns / 1000u, (double)(end - r->start) / 1e9, why);
  dir_json(f, "to", &r->d[0].st, !!(o->dir & DIR_TO));
  fputc(',', f);
  dir_json(f, "from", &r->d[1].st, !!(o->dir & DIR_FROM));
  fprintf(f,
          ",\"late_us\":{\"forwarded\":%" PRIu64 ",\"p50\":%" PRIu64
          ",\"p99\":%" PRIu64 ",\"p999\":%" PRIu64 ",\"max\":%.1f}}\n",
          r->late_n, late_quantile(r, 0.5), late_quantile(r, 0.99),
          late_quantile(r, 0.999), (double)r->late_max_ns / 1e3);
  if (f != stdout) {
    if (fclose(f) != 0) {
      cli_error("relay: cannot write '%s': %s", o->stats_json,
                strerror(errno));
      return -1;
    }
  } else if (fflush(f) != 0) {
    cli_error("relay: cannot write standard output: %s", strerror(errno));
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------ main loop */

/* pf_udp_open() with GSO and GRO, or without them where the kernel has
 * neither (the relay works either way, only slower). */
static int relay_open(pf_udp **u, pf_udp_config *cfg, const char *local,
                      const char *peer) {
  int rv = pf_udp_open(u, cfg, local, peer, NULL);
  if (rv != 0 && (cfg->gso || cfg->gro)) {
    pf_udp_config plain = *cfg;
    plain.gso = 0;
    plain.gro = 0;
    if (pf_udp_open(u, &plain, local, peer, NULL) == 0)
      return 0;
  }
  return rv;
}

int loss_relay(const struct loss_opts *o) {
  struct relay r;
  pf_udp_config cfg;
  char local[PF_UDP_ADDRSTRLEN + 8];
  sigset_t block, orig;
  const char *why = "signal";
  int rv, ret = CLI_EXIT_FAIL;
  size_t i;

  memset(&r, 0, sizeof(r));
  r.o = o;
  lm_state_init(&r.d[0].loss, lm_seed_mix(o->seed, 1));
  lm_state_init(&r.d[1].loss, lm_seed_mix(o->seed, 2));
  lm_rng_seed(&r.d[0].rng, lm_seed_mix(o->seed, 3));
  lm_rng_seed(&r.d[1].rng, lm_seed_mix(o->seed, 4));
  r.q = calloc(o->queue, sizeof(*r.q));
  r.run = malloc(RUN_BYTES);
  r.runq = calloc(RUN_MAX_DGRAMS, sizeof(*r.runq));
  r.late = calloc(LATE_BUCKETS, sizeof(*r.late));
  if (!r.q || !r.run || !r.runq || !r.late ||
      dgram_ring_init(&r.ring,
                      o->queue < RING_BYTES_MAX / RING_BYTES_PER_ENTRY
                          ? (size_t)o->queue * RING_BYTES_PER_ENTRY
                          : RING_BYTES_MAX,
                      2 * (size_t)o->queue) != 0) {
    free(r.q);
    free(r.run);
    free(r.runq);
    free(r.late);
    cli_error("relay: out of memory");
    return CLI_EXIT_FAIL;
  }
  /* "PORT" alone listens on every IPv4 address. */
  if (strspn(o->listen, "0123456789") == strlen(o->listen))
    snprintf(local, sizeof(local), ":%s", o->listen);
  else
    snprintf(local, sizeof(local), "%s", o->listen);

  pf_log_set_callback(log_to_stderr, PF_LOG_WARN, NULL);
  pf_udp_config_default(&cfg);
  cfg.backend = o->io;
  /* GSO and GRO: runs leave as super-packets, and what arrives as one
   * is split back into its datagrams before impairment. */
  cfg.gso = 1;
  cfg.gro = 1;
  cfg.dscp = 0;
  cfg.max_datagram = 65535;
  cfg.recv_batch = RECV_BATCH;
  cfg.sndbuf = 4u * 1024 * 1024;
  cfg.rcvbuf = 4u * 1024 * 1024;
  rv = relay_open(&r.lsn, &cfg, local, NULL);
  if (rv != 0) {
    cli_error("relay: cannot listen on %s: %s%s", local, pf_strerror(rv),
              uring_refused(o->io, rv) ? " (try --io=mmsg)" : "");
    goto out;
  }
  rv = relay_open(&r.up, &cfg, o->to[0] == '[' ? "[::]:0" : "0.0.0.0:0",
                  o->to);
  if (rv != 0) {
    cli_error("relay: cannot open a socket to %s: %s%s", o->to,
              pf_strerror(rv),
              uring_refused(o->io, rv) ? " (try --io=mmsg)" : "");
    goto out;
  }

  cli_catch_stop_signals();
  /* Signals are only taken inside ppoll(): no lost wake-up. */
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, &orig);

  /* The port line is printed even with -q: scripts read it. */
  fprintf(stderr, "%s: listening on port %u\n", cli_prog,
          (unsigned)pf_udp_local_port(r.lsn));
  if (!o->quiet)
    cli_error("relay: forwarding to %s, impairing %s; seed %" PRIu64, o->to,
              o->dir == (DIR_TO | DIR_FROM) ? "both directions"
              : o->dir == DIR_TO            ? "towards --to"
                                            : "replies from --to",
              o->seed);
  /* Wake when a datagram is due, not up to 50 us later (the default
   * timer slack): the relay should add the delay asked for, no more. */
  (void)prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
  r.start = pf_clock_now_ns();

  for (;;) {
    struct pollfd pfd[2];
    struct timespec ts;
    uint64_t now, wake;
    int a, b;

    if (cli_stop_requested)
      break;
    a = pump(&r, DIR_TO);
    b = pump(&r, DIR_FROM);
    if (a < 0 || b < 0)
      goto out_stats;
    now = pf_clock_now_ns();
    flush_due(&r, now);
    if (o->duration_ns && now - r.start >= o->duration_ns) {
      why = "duration";
      break;
    }
    if (a > 0 || b > 0)
      continue; /* more may be waiting; poll only when drained */
    if (r.nq > 0 && r.q[0].due - now <= o->wake_early_ns) {
      /* Due within --wake-early: yield the CPU until then rather than
       * sleep, and look at the sockets again on every turn.  A sleeping
       * vCPU wakes 70-400 us late here, and that lateness would be
       * added to every delay asked for (see late_us). */
      sched_yield();
      continue;
    }
    wake = now + 1000000000ull;
    if (r.nq > 0 && r.q[0].due - o->wake_early_ns < wake)
      wake = r.q[0].due - o->wake_early_ns;
    if (o->duration_ns && r.start + o->duration_ns < wake)
      wake = r.start + o->duration_ns;
    ts.tv_sec = (time_t)((wake - now) / 1000000000ull);
    ts.tv_nsec = (long)((wake - now) % 1000000000ull);
    pfd[0].fd = pf_udp_fd(r.lsn);
    pfd[0].events = POLLIN;
    pfd[1].fd = pf_udp_fd(r.up);
    pfd[1].events = POLLIN;
    if (ppoll(pfd, 2, &ts, &orig) < 0 && errno != EINTR) {
      cli_error("relay: poll failed: %s", strerror(errno));
      goto out_stats;
    }
  }
  ret = CLI_EXIT_OK;
out_stats:
  for (i = 0; i < r.nq; i++)
    dstate(&r, r.q[i].dir)->st.pending_at_exit++;
  if (write_stats(&r, pf_clock_now_ns(), why) != 0)
    ret = CLI_EXIT_FAIL;
  if (!o->quiet)
    cli_error("relay: to: %" PRIu64 " received, %" PRIu64 " forwarded, %" PRIu64
              " lost, %" PRIu64 " blacked out; from: %" PRIu64
              " received, %" PRIu64 " forwarded, %" PRIu64 " lost",
              r.d[0].st.received, r.d[0].st.forwarded, r.d[0].st.lost,
              r.d[0].st.blackout, r.d[1].st.received, r.d[1].st.forwarded,
              r.d[1].st.lost);
out:
  for (i = 0; i < r.nq; i++)
    pend_free(&r, &r.q[i]);
  dgram_ring_free(&r.ring);
  free(r.q);
  free(r.run);
  free(r.runq);
  free(r.late);
  pf_udp_del(r.lsn);
  pf_udp_del(r.up);
  return ret;
}
