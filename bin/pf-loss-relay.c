/*
 * pf-loss-relay.c -- `pf-loss relay`: a UDP forwarder that impairs
 * traffic the way a bad network would, without root or netem.  The
 * impairments are bin/channel.c's, the same that `pf-loss sweep` uses.
 *
 * Two pf_udp sockets: the listen socket, which learns (and then connects
 * to) the client from the first datagram it receives, and the upstream
 * socket, connected to --to.  Datagrams from the client go "to" the
 * target; replies come back "from" it.  Each impaired direction is one
 * lane of a channel: blackout, loss model, rate limit (a token bucket
 * that shapes, dropping what would wait more than RATE_BACKLOG_NS), delay
 * and jitter (order-preserving), reordering (a held-back datagram skips
 * the order), duplication.  Datagrams wait in the channel's queue of at
 * most --queue entries; the loop sleeps in ppoll() until the next
 * datagram is due or one arrives, so an idle relay uses no CPU.
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
#include "channel.h"
#include "pf-loss-relay.h"

/* Datagrams that would wait longer than this for the rate limit are
 * dropped, as a router's queue would. */
#define RATE_BACKLOG_NS 250000000ull
/* Burst a token bucket lets through at once: 10 ms at the rate, at
 * least the datagram at hand. */
#define RATE_BURST_NS 10000000ull
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

/* The channel lane of a direction. */
static unsigned lane_of(unsigned dir) { return dir == DIR_TO ? 0 : 1; }

static unsigned dir_of(unsigned lane) { return lane == 0 ? DIR_TO : DIR_FROM; }

/* ------------------------------------------------------------ forwarding */

static void send_now(struct relay *r, unsigned dir, const uint8_t *data,
                     size_t len) {
  struct dir_stats *d = &r->d[lane_of(dir)];
  int rv = pf_udp_send(dir == DIR_TO ? r->up : r->lsn, data, len);

  if (rv == 0) {
    d->forwarded++;
    d->bytes_forwarded += len;
  } else if (rv == -EAGAIN || rv == -ENOBUFS)
    d->send_dropped++;
  else
    d->send_errors++;
}

/* Sends |count| datagrams of |len| bytes each, back to back at |base|,
 * in as few kernel crossings as pf_udp_send_segments() manages (GSO
 * super-packets where the kernel has them).  A datagram the socket
 * refuses is dropped and counted, as a router would, and the rest still
 * go. */
static void send_run(struct relay *r, unsigned dir, const uint8_t *base,
                     size_t len, size_t count) {
  struct dir_stats *d = &r->d[lane_of(dir)];
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
      d->forwarded += (uint64_t)rv;
      d->bytes_forwarded += (uint64_t)rv * len;
      off += (size_t)rv;
      continue;
    }
    if (rv == -EAGAIN || rv == -ENOBUFS)
      d->send_dropped++;
    else
      d->send_errors++;
    off++;
  }
}


/* Forwards every datagram that is due.  Runs of due datagrams of one
 * direction and one size (what a stream sends) go out together: one by
 * one, the relay's own forwarding time for a 200-datagram frame was
 * about 1 ms, which is not the impairment asked for. */
static void flush_due(struct relay *r, uint64_t now) {
  const struct chan_dgram *next;

  while ((next = channel_peek(&r->ch)) && next->due <= now) {
    struct chan_dgram p = channel_pop(&r->ch);
    const unsigned dir = dir_of(p.lane);
    const uint8_t *base = p.data;
    size_t n = 1, i;

    relay_note_late(r, p.due, now);
    if (p.len == 0 || p.len > RUN_MAX_SEGMENT) {
      send_now(r, dir, p.data, p.len);
      channel_release(&r->ch, &p);
      continue;
    }
    r->runq[0] = p;
    while (n < RUN_MAX_DGRAMS && (next = channel_peek(&r->ch)) &&
           next->due <= now && next->lane == p.lane && next->len == p.len &&
           (n + 1) * p.len <= RUN_BYTES) {
      r->runq[n] = channel_pop(&r->ch);
      relay_note_late(r, r->runq[n].due, now);
      n++;
    }
    /* A batch that arrived together lies back to back in the channel's
     * ring and leaves from there; anything else is gathered into
     * r->run. */
    for (i = 1; i < n && r->runq[i].data == base + i * p.len; i++)
      ;
    if (i < n) {
      for (i = 0; i < n; i++)
        memcpy(r->run + i * p.len, r->runq[i].data, p.len);
      base = r->run;
    }
    send_run(r, dir, base, p.len, n);
    for (i = 0; i < n; i++)
      channel_release(&r->ch, &r->runq[i]);
  }
}

/* Sends a datagram of a direction that is not impaired at once (nothing
 * of it ever waits, so that keeps its order), or offers it to the
 * direction's channel lane. */
static void impair(struct relay *r, unsigned dir, const uint8_t *data,
                   size_t len, uint64_t now) {
  if (!(r->o->dir & dir))
    send_now(r, dir, data, len);
  else
    (void)channel_send(&r->ch, lane_of(dir), data, len, now);
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
      struct dir_stats *d = &r->d[lane_of(dir)];

      d->received++;
      d->bytes_received += dg[i].len;
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
        d->no_client++;
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

int loss_relay(const struct relay_opts *o) {
  struct relay r;
  pf_udp_config cfg;
  char local[PF_UDP_ADDRSTRLEN + 8];
  sigset_t block, orig;
  const char *why = "signal";
  struct chan_config cc;
  int rv, ret = CLI_EXIT_FAIL;
  unsigned i;

  memset(&r, 0, sizeof(r));
  r.o = o;
  memset(&cc, 0, sizeof(cc));
  cc.loss = o->model;
  cc.blackout_after_ns = o->blackout_after_ns;
  cc.blackout_for_ns = o->blackout ? o->blackout_for_ns : 0;
  cc.rate_bps = o->rate_bps;
  cc.rate_burst_ns = RATE_BURST_NS;
  cc.rate_backlog_ns = RATE_BACKLOG_NS;
  cc.delay_ns = o->delay_ns;
  cc.jitter_ns = o->jitter_ns;
  cc.keep_order = 1;
  cc.reorder = o->reorder;
  chan_config_reorder_delay(&cc, o->reorder_delay_ns);
  cc.duplicate = o->duplicate; /* the copy leaves with the original */
  cc.queue_max = o->queue;
  cc.ring_bytes = o->queue < RING_BYTES_MAX / RING_BYTES_PER_ENTRY
                      ? (size_t)o->queue * RING_BYTES_PER_ENTRY
                      : RING_BYTES_MAX;
  cc.ring_blocks = 2 * (size_t)o->queue;
  r.run = malloc(RUN_BYTES);
  r.runq = calloc(RUN_MAX_DGRAMS, sizeof(*r.runq));
  r.late = calloc(LATE_BUCKETS, sizeof(*r.late));
  if (!r.run || !r.runq || !r.late || channel_init(&r.ch, &cc) != 0) {
    free(r.run);
    free(r.runq);
    free(r.late);
    cli_error("relay: out of memory");
    return CLI_EXIT_FAIL;
  }
  for (i = 0; i < CHAN_LANES; i++)
    channel_seed(&r.ch, i, lm_seed_mix(o->seed, 1 + i),
                 lm_seed_mix(o->seed, 3 + i));
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
  channel_start(&r.ch, r.start);

  for (;;) {
    struct pollfd pfd[2];
    struct timespec ts;
    const struct chan_dgram *next;
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
    next = channel_peek(&r.ch);
    if (next && next->due - now <= o->wake_early_ns) {
      /* Due within --wake-early: yield the CPU until then rather than
       * sleep, and look at the sockets again on every turn.  A sleeping
       * vCPU wakes 70-400 us late here, and that lateness would be
       * added to every delay asked for (see late_us). */
      sched_yield();
      continue;
    }
    wake = now + 1000000000ull;
    if (next && next->due - o->wake_early_ns < wake)
      wake = next->due - o->wake_early_ns;
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
  for (i = 0; i < CHAN_LANES; i++)
    r.d[i].pending_at_exit = channel_held(&r.ch, i);
  if (relay_write_stats(&r, pf_clock_now_ns(), why) != 0)
    ret = CLI_EXIT_FAIL;
  if (!o->quiet)
    cli_error("relay: to: %" PRIu64 " received, %" PRIu64 " forwarded, %" PRIu64
              " lost, %" PRIu64 " blacked out; from: %" PRIu64
              " received, %" PRIu64 " forwarded, %" PRIu64 " lost",
              r.d[0].received, r.d[0].forwarded, channel_stats(&r.ch, 0)->lost,
              channel_stats(&r.ch, 0)->blackout, r.d[1].received,
              r.d[1].forwarded, channel_stats(&r.ch, 1)->lost);
out:
  channel_free(&r.ch);
  free(r.run);
  free(r.runq);
  free(r.late);
  pf_udp_del(r.lsn);
  pf_udp_del(r.up);
  return ret;
}
