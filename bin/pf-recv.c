/*
 * pf-recv.c -- receive a punktfunk/1 stream sent by pf-send and write its
 * frames to standard output (or a file) in the chosen framing.
 *
 * pf_udp_recv() batches -> pf_receiver_read_datagram() -> finished frames
 * in index order (the receiver's in-order delivery) -> copied into the
 * output queue (recv_output.c) -> pf_receiver_frame_done(); a writer
 * thread drains the queue through the framing writer, so the network
 * loop never waits for the consumer of the output.  The stream's START
 * and END descriptors (pf_stream_desc, doc/wire-format.md section 11)
 * arrive as probe AUs: START checks that both sides agree on the
 * parameters and names the run to lock onto, END says how many frames
 * were sent, so pf-recv can exit as soon as all of them are queued (or
 * a short grace period later, with exit status 3 when some were lost).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h> /* optind, optarg */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "pf-recv.h"

#define RECV_BATCH 64
#define GRACE_NS 300000000u /* wait this long after END for stragglers */
#define DIAG_AFTER 32u      /* datagrams all dropped before diagnosing */
#define EXIT_LOST 3
#define HOLD_NS 200000000u    /* longest wait for a missing frame */
/* Frames that may be assembling besides the ones held in order. */
#define ASSEMBLING_FRAMES 32u

/* The shared stream options are CLI_SO_* (stream_opts.h). */
enum {
  LONG_PEER = CLI_SO_TOOL,
  LONG_IDLE,
  LONG_BUFFER,
  OPT_OUTPUT = 'o',
};

/* Every option in --help order; doc/man/pf-recv.1 lists the same. */
static const struct cli_opt options[] = {
    {"output", 'o', "FILE", CLI_CMD_ALL,
     "write FILE instead of standard output", OPT_OUTPUT},
    CLI_STREAM_OPTS_FRAMING,
    {"fec-percent", 0, "P", CLI_CMD_ALL,
     "largest parity share accepted (default 90)",
     CLI_SO_FEC_PERCENT},
    CLI_STREAM_OPTS_GEOMETRY,
    CLI_STREAM_OPTS_KEY,
    {"no-encrypt", 0, NULL, CLI_CMD_ALL, "accept unsealed datagrams",
     CLI_SO_NO_ENCRYPT},
    CLI_STREAM_OPTS_AEAD,
    CLI_STREAM_OPTS_IO,
    {"peer", 0, "HOST:PORT", CLI_CMD_ALL,
     "accept datagrams only from this sender", LONG_PEER},
    {"idle-timeout", 0, "S", CLI_CMD_ALL,
     "exit after S seconds without datagrams (default 10; 0 = never)",
     LONG_IDLE},
    {"buffer", 0, "SIZE", CLI_CMD_ALL,
     "output queue for a slow consumer, suffix K/M/G (default 128M)",
     LONG_BUFFER},
    {"stats-json", 0, "FILE|-", CLI_CMD_ALL,
     "JSON-lines statistics ('-' needs --output)", CLI_SO_STATS_JSON},
    CLI_STREAM_OPTS_TAIL,
};

static struct cli_opts optset;

static void usage(FILE *f) {
  fprintf(f,
          "Usage: %s [options] [ADDR:]PORT\n"
          "Receive a punktfunk/1 stream from pf-send and write its frames "
          "to standard output.\n\n"
          "Options:\n",
          cli_prog);
  cli_opts_help(f, &optset, CLI_CMD_ALL);
  fprintf(f, "\nExit status: 0 all frames written, 3 frames lost, 1 failure, "
             "2 usage.  See pf-recv(1).\n");
}

static int usage_error(void) {
  usage(stderr);
  return CLI_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct opts *o, int *done) {
  static char local[PF_UDP_ADDRSTRLEN + 2];
  const char *a;
  int c, status;

  if (cli_opts_init(&optset, options) != 0) {
    cli_error("internal error: option table too large");
    *done = 1;
    return CLI_EXIT_FAIL;
  }
  while ((c = cli_stream_getopt(&optset, argc, argv, &o->so, usage,
                                &status)) != -1) {
    switch (c) {
    case OPT_OUTPUT:
      o->output = optarg;
      break;
    case LONG_PEER:
      /* The --no-encrypt rule looks at every address pf-recv uses. */
      o->peer = o->so.peer = optarg;
      break;
    case LONG_BUFFER:
      if (cli_parse_size(optarg, 4096, (uint64_t)SIZE_MAX / 2, "buffer size",
                         &o->buffer) != 0)
        return usage_error();
      o->buffer_given = 1;
      break;
    case LONG_IDLE:
      if (cli_parse_seconds(optarg, 0, 86400, "idle timeout", &o->idle_ns) !=
          0)
        return usage_error();
      break;
    default:
      return usage_error();
    }
  }
  if (status >= 0) {
    *done = 1;
    return status;
  }
  if (optind + 1 != argc) {
    cli_error(optind == argc ? "no [ADDR:]PORT given" : "too many arguments");
    return usage_error();
  }
  a = argv[optind];
  if (strspn(a, "0123456789") == strlen(a)) {
    snprintf(local, sizeof(local), ":%s", a);
    a = local;
  }
  o->local = a;
  if (o->so.stats_json && strcmp(o->so.stats_json, "-") == 0 &&
      (!o->output || strcmp(o->output, "-") == 0)) {
    cli_error("--stats-json - needs --output FILE (standard output carries "
              "the frames)");
    return usage_error();
  }
  return CLI_EXIT_OK;
}

static uint64_t held_frames(const pf_receiver *r) {
  pf_receiver_stats rs;

  recv_rstats(r, &rs);
  return rs.order_held_frames;
}

/* All frames END announced are accounted for (queued, dropped by
 * overrun, or unwritable). */
static int all_done(const struct recv_state *s) {
  return s->got_end && s->queued + s->overrun + s->skipped >= s->end.frames;
}

static int open_output(const struct opts *o, int *fd) {
  *fd = STDOUT_FILENO;
  if (o->output && strcmp(o->output, "-") != 0) {
    *fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (*fd < 0) {
      cli_error("cannot open '%s': %s", o->output, strerror(errno));
      return -1;
    }
  } else if (cli_refuse_tty(STDOUT_FILENO, "received frames") != 0) {
    return -1;
  }
  return 0;
}

static int open_receiver(const struct opts *o, struct cli_key *key,
                         pf_receiver **r) {
  pf_receiver_config rc;
  int rv;

  pf_receiver_config_default(&rc);
  rc.fec_scheme = cli_stream_fec_scheme(&o->so);
  rc.shard_payload = o->so.shard;
  rc.max_data_per_block = o->so.k;
  rc.max_fec_percent = o->so.fec_percent;
  rc.max_frame_bytes = cli_stream_max_frame_bytes(&o->so);
  rc.peer_direction = PF_DIR_HOST;
  /* Frames in index order; pf-send's data frames follow its START
   * copies.  The hold covers the reassembler's index window (one more
   * than loss_window_frames), so a full hold never gives up a frame the
   * reassembler would still complete: by the time the hold is full the
   * missing frame is out of the window (reported lost, or its datagrams
   * stale).  A smaller hold lost frames that were merely reordered
   * behind a few ms of small frames (doc/internals/reassembly.md,
   * "In-order delivery"). */
  rc.order_hold_frames = rc.loss_window_frames + 1;
  rc.max_inflight_frames = rc.order_hold_frames + ASSEMBLING_FRAMES;
  rc.order_hold_ns = HOLD_NS;
  rc.order_first_index = PF_STREAM_DESC_START_COPIES;
  if (!o->so.no_encrypt) {
    cli_stream_key_copy(key, &rc.aead, rc.key, &rc.key_len, rc.salt);
    rc.run_lock = 1;
  }
  rv = pf_receiver_new(r, &rc, NULL);
  cli_wipe(&rc, sizeof(rc));
  cli_wipe(key, sizeof(*key));
  if (rv != 0) {
    cli_error("cannot set up the receiver (shard size %u, %u data shards "
              "per block, fec %s): %s",
              o->so.shard, o->so.k, cli_stream_fec_name(o->so.fec),
              pf_strerror(rv));
    return rv == PF_ERR_INVALID_ARGUMENT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
  }
  return CLI_EXIT_OK;
}

static int open_socket(const struct opts *o, pf_udp **u) {
  pf_udp_config uc;
  int rv = cli_stream_udp_open(u, &uc, &o->so, PF_PKT_MAX_DATAGRAM, o->local,
                               o->peer,
                               "warning: no UDP GRO in this kernel; "
                               "receiving datagram by datagram");
  if (rv == 0)
    return CLI_EXIT_OK;
  if (rv == PF_ERR_INVALID_ARGUMENT) {
    cli_error("invalid address '%s'%s%s%s: expected [ADDR:]PORT, "
              "[V6ADDR]:PORT, HOST:PORT",
              o->local, o->peer ? " or peer '" : "", o->peer ? o->peer : "",
              o->peer ? "'" : "");
    return CLI_EXIT_USAGE;
  }
  if (cli_uring_hint(o->so.backend, rv))
    cli_error("cannot use io_uring: %s; try --io=mmsg", pf_strerror(rv));
  else
    cli_error("cannot bind %s: %s", o->local, pf_strerror(rv));
  return CLI_EXIT_FAIL;
}

/* Receives until the stream is complete, the grace period after END
 * ends, the idle timeout or a stop signal.  Returns 0 or -1 (error
 * printed). */
static int receive_loop(struct recv_state *s, const struct opts *o,
                        pf_receiver *r, pf_udp *u) {
  pf_udp_datagram dg[RECV_BATCH];
  pf_receiver_stats rs;
  uint64_t next_stats = s->m.t0 + o->so.stats_interval_ns;
  int i, n, rv;

  for (;;) {
    uint64_t now = pf_clock_now_ns(), deadline = next_stats, held;
    int timeout_ms;

    if (all_done(s))
      break;
    if (s->got_end && now >= s->end_at + GRACE_NS)
      break;
    if (o->idle_ns && now >= s->last_rx + o->idle_ns)
      break;
    if (cli_stop_requested)
      break;
    if (s->got_end && s->end_at + GRACE_NS < deadline)
      deadline = s->end_at + GRACE_NS;
    if (o->idle_ns && s->last_rx + o->idle_ns < deadline)
      deadline = s->last_rx + o->idle_ns;
    held = pf_receiver_next_deadline(r);
    if (held < deadline)
      deadline = held;
    timeout_ms = deadline > now ? (int)((deadline - now) / 1000000u) + 1 : 0;
    if (timeout_ms > 1000)
      timeout_ms = 1000;
    n = pf_udp_recv(u, dg, RECV_BATCH, timeout_ms);
    now = pf_clock_now_ns();
    if (n < 0) {
      if (n == -EINTR || n == -ECONNREFUSED || n == -EAGAIN)
        continue;
      cli_error("cannot receive: %s", pf_strerror(n));
      return -1;
    }
    for (i = 0; i < n; i++) {
      rv = pf_receiver_read_datagram(r, dg[i].data, dg[i].len, now);
      s->raw_datagrams++;
      if (rv != 0)
        continue;
      s->accepted++;
      if (!s->connected) {
        int c = pf_udp_connect_addr(u, &dg[i].from);
        s->connected = 1;
        if (c != 0)
          cli_error("warning: cannot lock onto the sender: %s",
                    pf_strerror(c));
      }
    }
    if (n > 0)
      s->last_rx = now;
    /* Also on a timeout: held frames may have waited long enough. */
    pf_receiver_tick(r, now);
    if (s->got_end &&
        s->queued + s->overrun + s->skipped + held_frames(r) >= s->end.frames)
      pf_receiver_release_held(r);
    if (recv_drain_frames(s, o, r, now) != 0)
      return -1;
    if (!s->diagnosed && s->accepted == 0 && s->raw_datagrams >= DIAG_AFTER) {
      recv_rstats(r, &rs);
      s->diagnosed = recv_diagnose(&rs);
    }
    if (now >= next_stats) {
      if (s->m.json || s->m.tty)
        recv_stats_emit(s, r, u, 0);
      next_stats = now + o->so.stats_interval_ns;
    }
  }
  /* Whatever is still held goes out, the gaps skipped. */
  pf_receiver_release_held(r);
  return recv_drain_frames(s, o, r, pf_clock_now_ns());
}

/* The exit status once everything is written. */
static int verdict(struct recv_state *s, const pf_receiver *r) {
  pf_receiver_stats rs;
  struct ro_stats os;

  recv_rstats(r, &rs);
  recv_out_stats(s, &os);
  if (s->accepted == 0) {
    if (!s->diagnosed && !recv_diagnose(&rs))
      cli_error("no datagrams received%s",
                cli_stop_requested ? "" : " before the idle timeout");
    return CLI_EXIT_FAIL;
  }
  if (os.overrun_frames > 0)
    cli_error("%" PRIu64 " frames (%" PRIu64 " bytes) dropped by output "
              "overrun: the consumer of the output did not keep up and the "
              "%" PRIu64 "-byte output queue was full; use a larger "
              "--buffer, a faster consumer, or a lower pf-send --rate",
              os.overrun_frames, os.overrun_bytes, os.buffer_bytes);
  if (!s->got_end) {
    cli_error("the end of the stream was not seen (%s); %" PRIu64
              " frames written, %" PRIu64 " known lost",
              cli_stop_requested ? "interrupted" : "idle timeout", os.frames,
              s->lost_reported + s->skipped);
    return EXIT_LOST;
  }
  if (os.frames + os.overrun_frames < s->end.frames)
    cli_error("%" PRIu64 " of %" PRIu64 " frames lost beyond FEC repair",
              s->end.frames - os.frames - os.overrun_frames, s->end.frames);
  return os.frames < s->end.frames ? EXIT_LOST : CLI_EXIT_OK;
}

static int run(const struct opts *o) {
  struct cli_key key;
  struct recv_state s;
  struct fr_writer w;
  pf_receiver *r = NULL;
  pf_udp *u = NULL;
  uint64_t buffer = o->buffer;
  int fd = -1, rv, ret = CLI_EXIT_FAIL;

  memset(&s, 0, sizeof(s));
  rv = cli_stream_load_key(&o->so, &key, "accept unsealed datagrams", usage,
                           1);
  if (rv != CLI_EXIT_OK)
    return rv;
  /* The queue must hold the largest frame. */
  if (buffer < cli_stream_max_frame_bytes(&o->so) + RO_RECORD_OVERHEAD + 8) {
    if (o->buffer_given) {
      cli_error("--buffer %" PRIu64 " cannot hold one frame of "
                "--max-frame-size %" PRIu64,
                buffer, cli_stream_max_frame_bytes(&o->so));
      cli_wipe(&key, sizeof(key));
      return usage_error();
    }
    buffer = cli_stream_max_frame_bytes(&o->so) + RO_RECORD_OVERHEAD + 8;
  }
  if (open_output(o, &fd) != 0 || cli_meter_open(&s.m, &o->so) != 0)
    goto out;
  cli_pipe_grow(fd, PIPE_BYTES);
  fr_writer_init(&w, &o->so.framing, fd);
  ret = open_receiver(o, &key, &r);
  if (ret != CLI_EXIT_OK)
    goto out;
  ret = open_socket(o, &u);
  if (ret != CLI_EXIT_OK)
    goto out;
  ret = CLI_EXIT_FAIL;
  if (ro_open(&s.out, &w, buffer) != 0)
    goto out;
  s.connected = o->peer != NULL;
  if (!o->so.quiet) {
    fprintf(stderr, "%s: listening on port %u\n", cli_prog,
            (unsigned)pf_udp_local_port(u));
    fflush(stderr);
  }
  cli_catch_stop_signals();
  s.m.t0 = s.last_rx = s.m.last_ns = pf_clock_now_ns();
  rv = receive_loop(&s, o, r, u);
  /* Let the writer finish what is queued (nothing more after an
   * error). */
  ro_close(s.out, rv == 0, &s.out_final);
  s.out_closed = 1;
  if (rv != 0)
    goto out;
  if (s.out_final.failed) {
    cli_error("cannot write output: %s", strerror(s.out_final.err));
    goto out;
  }
  if (fr_writer_finish(&w) != 0) {
    cli_error("cannot write output: %s", strerror(errno));
    goto out;
  }
  ret = verdict(&s, r);
out:
  if (!s.out_closed && s.out) {
    ro_close(s.out, 0, &s.out_final);
    s.out_closed = 1;
  }
  if (r && u)
    recv_stats_emit(&s, r, u, 1);
  cli_meter_close(&s.m);
  pf_udp_del(u);
  pf_receiver_del(r);
  if (fd > STDOUT_FILENO && close(fd) != 0 && ret == CLI_EXIT_OK) {
    cli_error("cannot write output: %s", strerror(errno));
    ret = CLI_EXIT_FAIL;
  }
  cli_wipe(&key, sizeof(key));
  return ret;
}

int main(int argc, char **argv) {
  struct opts o;
  int rv, done = 0;

  cli_init("pf-recv");
  memset(&o, 0, sizeof(o));
  cli_stream_opts_default(&o.so, PF_FEC_PERCENT_MAX);
  o.idle_ns = 10000000000ull;
  o.buffer = RO_DEFAULT_BUFFER;
  rv = parse_args(argc, argv, &o, &done);
  if (rv != CLI_EXIT_OK || done)
    return rv;
  if (cli_stream_opts_finish(&o.so) != 0)
    return usage_error();
  return run(&o);
}
