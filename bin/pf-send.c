/*
 * pf-send.c -- send frames read from standard input (or a file) as a
 * punktfunk/1 stream over UDP: framing (framing.c) cuts the input into
 * frames, pf_sender packetizes, adds FEC, seals and paces them, and
 * pf_udp sends the datagrams with UDP GSO.  The stream starts with a
 * START descriptor and ends with END descriptors (doc/wire-format.md section 11) so
 * pf-recv knows when everything has arrived.
 *
 * Hot path: one frame at a time; pf_sender_next_batch() hands out runs of
 * due datagrams that go to pf_udp_send_segments() as they are; -EAGAIN
 * waits for the socket (pf_udp_wait_writable()) and retries, so nothing
 * is dropped on this side.  No allocation per frame once warm.
 */
#include <errno.h>
#include <getopt.h> /* optind, optarg */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "framing.h"
#include "stream_opts.h"

#define DEFAULT_FEC_PERCENT 15 /* pf-recv accepts up to the maximum */
/* Datagrams per pf_udp_send_segments(): one GSO super-packet of the
 * default 1452-byte datagrams.  pf_sender seals datagrams as it hands
 * them out, so a frame goes out super-packet by super-packet while the
 * rest is still being sealed, and pf-recv starts on the first ones:
 * ~0.1 ms less latency for a 200 kB frame than one run of 1024, at the
 * same throughput. */
#define SEND_RUN_MAX 44u
#define END_GAP_NS 2000000u           /* 2 ms between END copies */
#define WRITABLE_WAIT_MS 10000        /* give up after 10 s without room */
/* Paced chunks (and frames held back by --rate) leave up to this early:
 * like the original host, which does not sleep when the next chunk is
 * due less than 500 us ahead.  No spinning, and at most one wake-up per
 * 500 us: a sleeping vCPU here wakes 100-300 us late, so shorter sleeps
 * cost rate (--rate 7000M gave 3.4-3.7 Gb/s of goodput with 200 us,
 * 5.3-5.5 with 500 us or with spinning). */
#define PACE_AHEAD_NS 500000u
/* --rate: lateness of up to this much is made up by later frames. */
#define RATE_CREDIT_NS 1000000u

/* The shared stream options are CLI_SO_* (stream_opts.h). */
enum {
  LONG_RATE = CLI_SO_TOOL,
  LONG_GEN_KEY,
  OPT_INPUT = 'i',
};

/* Every option in --help order; doc/man/pf-send.1 lists the same. */
static const struct cli_opt options[] = {
    {"input", 'i', "FILE", CLI_CMD_ALL, "read FILE instead of standard input",
     OPT_INPUT},
    CLI_STREAM_OPTS_FRAMING,
    {"fec-percent", 0, "P", CLI_CMD_ALL,
     "parity per block in percent, 0..90 (default " CLI_STR(
         DEFAULT_FEC_PERCENT) ")",
     CLI_SO_FEC_PERCENT},
    CLI_STREAM_OPTS_GEOMETRY,
    {"rate", 0, "R", CLI_CMD_ALL,
     "pacing rate in bits/s, suffix k/M/G (default 0: unpaced)", LONG_RATE},
    CLI_STREAM_OPTS_KEY,
    {"no-encrypt", 0, NULL, CLI_CMD_ALL, "send unsealed datagrams",
     CLI_SO_NO_ENCRYPT},
    CLI_STREAM_OPTS_AEAD,
    {"gen-key", 0, "FILE", CLI_CMD_ALL, "write a fresh key file and exit",
     LONG_GEN_KEY},
    CLI_STREAM_OPTS_IO,
    {"stats-json", 0, "FILE|-", CLI_CMD_ALL, "JSON-lines statistics",
     CLI_SO_STATS_JSON},
    CLI_STREAM_OPTS_TAIL,
};

static struct cli_opts optset;

struct opts {
  struct cli_stream_opts so; /* the options pf-recv shares */
  const char *input, *gen_key, *peer;
  uint64_t rate;
};

struct stats {
  struct cli_meter m;
  uint64_t frames, bytes_in;
  uint64_t eagain_waits, refused;
};

static void usage(FILE *f) {
  fprintf(f,
          "Usage: %s [options] HOST:PORT\n"
          "       %s --gen-key FILE [--aead NAME]\n"
          "Send frames from standard input as a punktfunk/1 stream to "
          "pf-recv.\n\n"
          "Options:\n",
          cli_prog, cli_prog);
  cli_opts_help(f, &optset, CLI_CMD_ALL);
  fprintf(f, "\nSee pf-send(1).\n");
}

static int usage_error(void) {
  usage(stderr);
  return CLI_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct opts *o, int *done) {
  int c, status;

  if (cli_opts_init(&optset, options) != 0) {
    cli_error("internal error: option table too large");
    *done = 1;
    return CLI_EXIT_FAIL;
  }
  while ((c = cli_stream_getopt(&optset, argc, argv, &o->so, usage,
                                &status)) != -1) {
    switch (c) {
    case OPT_INPUT:
      o->input = optarg;
      break;
    case LONG_RATE:
      if (cli_parse_rate(optarg, "rate", &o->rate) != 0)
        return usage_error();
      break;
    case LONG_GEN_KEY:
      o->gen_key = optarg;
      break;
    default:
      return usage_error();
    }
  }
  if (status >= 0) {
    *done = 1;
    return status;
  }
  if (o->gen_key) {
    if (optind != argc) {
      cli_error("--gen-key takes no HOST:PORT");
      return usage_error();
    }
    return CLI_EXIT_OK;
  }
  if (optind + 1 != argc) {
    cli_error(optind == argc ? "no HOST:PORT given"
                             : "too many arguments");
    return usage_error();
  }
  o->peer = argv[optind];
  return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ stats */

static void stats_emit(struct stats *st, pf_sender *s, pf_udp *u, int final) {
  pf_sender_stats ss;
  pf_udp_stats us;
  uint64_t now = pf_clock_now_ns();
  double el, rate, inst;
  char rb[32];

  memset(&ss, 0, sizeof(ss));
  ss.struct_size = sizeof(ss);
  memset(&us, 0, sizeof(us));
  us.struct_size = sizeof(us);
  if (pf_sender_get_stats(s, &ss) != 0 || pf_udp_get_stats(u, &us) != 0)
    return;
  cli_meter_rates(&st->m, now, ss.bytes_sent, &el, &rate, &inst);
  if (st->m.json) {
    fprintf(st->m.json,
            "{\"ts\":%.3f,\"tool\":\"pf-send\",\"final\":%s,"
            "\"elapsed_s\":%.3f,\"frames\":%" PRIu64 ",\"bytes_in\":%" PRIu64
            ",\"datagrams\":%" PRIu64 ",\"data_datagrams\":%" PRIu64
            ",\"parity_datagrams\":%" PRIu64 ",\"bytes_sent\":%" PRIu64
            ",\"rate_bps\":%.0f,\"fec_percent\":%u,\"eagain_waits\":%" PRIu64
            ",\"refused\":%" PRIu64 ",\"tx_calls\":%" PRIu64
            ",\"backend\":\"%s\",\"gso\":%u}\n",
            cli_wallclock(), final ? "true" : "false", el, st->frames,
            st->bytes_in, ss.packets_sent, ss.data_packets, ss.parity_packets,
            ss.bytes_sent, final ? rate : inst, ss.fec_percent,
            st->eagain_waits, st->refused, us.tx_calls,
            us.backend ? us.backend : "?", us.gso);
    fflush(st->m.json);
  }
  if (final && !st->m.quiet) {
    cli_format_rate(rate, rb, sizeof(rb));
    if (st->m.tty)
      fputs("\r\033[K", stderr);
    fprintf(stderr,
            "%s: sent %" PRIu64 " frames, %" PRIu64 " bytes in %.2f s (%s): "
            "%" PRIu64 " datagrams (%" PRIu64 " parity), %" PRIu64
            " waits for socket buffer, %" PRIu64 " refused\n",
            cli_prog, st->frames, st->bytes_in, el, rb, ss.packets_sent,
            ss.parity_packets, st->eagain_waits, st->refused);
  } else if (st->m.tty) {
    cli_format_rate(inst, rb, sizeof(rb));
    fprintf(stderr,
            "\r\033[K%s: %s  frames %" PRIu64 "  datagrams %" PRIu64
            " (parity %" PRIu64 ")  waits %" PRIu64,
            cli_prog, rb, st->frames, ss.packets_sent, ss.parity_packets,
            st->eagain_waits);
  }
}

/* ------------------------------------------------------------ sending */

/*
 * Sends |count| datagrams of |seg| bytes at |p|; waits on a full socket
 * buffer.  Returns 0 or -1 after an error message.
 */
static int send_all(pf_udp *u, const uint8_t *p, size_t seg, size_t count,
                    struct stats *st) {
  int refused_in_row = 0;

  while (count > 0) {
    int n = pf_udp_send_segments(u, p, seg, count);
    if (n > 0) {
      p += (size_t)n * seg;
      count -= (size_t)n;
      refused_in_row = 0;
      continue;
    }
    if (n == -EAGAIN || n == -ENOBUFS || n == 0) {
      int w = pf_udp_wait_writable(u, WRITABLE_WAIT_MS);
      st->eagain_waits++;
      if (w == 0) {
        cli_error("socket stayed full for %d s; giving up",
                  WRITABLE_WAIT_MS / 1000);
        return -1;
      }
      if (w < 0 && w != -EINTR) {
        cli_error("cannot wait for the socket: %s", pf_strerror(w));
        return -1;
      }
      continue;
    }
    if (n == -ECONNREFUSED) {
      /* An ICMP error of an earlier datagram: nothing listens (yet).
       * The datagrams of this call were not sent; send them again. */
      if (st->refused++ == 0)
        cli_error("warning: the receiver refused datagrams (is pf-recv "
                  "running?)");
      if (++refused_in_row > 1000) {
        cli_error("cannot send: %s", pf_strerror(n));
        return -1;
      }
      continue;
    }
    if (n == -EINTR)
      continue;
    cli_error("cannot send: %s", pf_strerror(n));
    return -1;
  }
  return 0;
}

/* Sleeps until |due_ns| (CLOCK_MONOTONIC) without spinning: the chunks
 * go PACE_AHEAD_NS early instead, so a paced sender does not burn a
 * core in pause loops between chunks that are tens of us apart. */
static void pace_sleep_until(uint64_t due_ns) {
  struct timespec ts;
  int guard;

  if (pf_clock_now_ns() >= due_ns)
    return;
  ts.tv_sec = (time_t)(due_ns / 1000000000u);
  ts.tv_nsec = (long)(due_ns % 1000000000u);
  for (guard = 0; guard < 1000; guard++)
    if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != EINTR)
      break;
}

/* Hands out and sends every queued datagram, honouring the pacing
 * schedule (up to PACE_AHEAD_NS early).  Returns 0 or -1. */
static int drain(pf_sender *s, pf_udp *u, struct stats *st, size_t max_count) {
  pf_dgram_batch b;
  uint64_t now = pf_clock_now_ns() + PACE_AHEAD_NS;

  for (;;) {
    if (pf_sender_next_batch(s, &b, max_count, now) != 0) {
      cli_error("internal error: next_batch failed");
      return -1;
    }
    if (b.count > 0) {
      if (send_all(u, b.data, b.dgram_bytes, b.count, st) != 0)
        return -1;
      continue;
    }
    if (b.next_due_ns == PF_TIME_NONE)
      return 0;
    pace_sleep_until(b.next_due_ns - PACE_AHEAD_NS);
    now = pf_clock_now_ns() + PACE_AHEAD_NS;
  }
}

static int submit(pf_sender *s, const uint8_t *data, size_t len,
                  uint64_t pts, uint32_t flags) {
  int rv = pf_sender_submit_frame(s, data, len, pts, flags, pf_clock_now_ns());
  if (rv != 0) {
    cli_error("cannot packetize a %zu-byte frame: %s", len, pf_strerror(rv));
    return -1;
  }
  return 0;
}

static int send_ctl(pf_sender *s, pf_udp *u, struct stats *st,
                    const pf_stream_desc *c, unsigned copies,
                    size_t max_count) {
  uint8_t rec[PF_STREAM_DESC_BYTES];
  unsigned i;

  if (pf_stream_desc_encode(rec, sizeof(rec), c) < 0) {
    cli_error("internal error: cannot encode the stream descriptor");
    return -1;
  }
  for (i = 0; i < copies; i++) {
    if (i > 0)
      pf_clock_sleep_until(pf_clock_now_ns() + END_GAP_NS);
    if (submit(s, rec, sizeof(rec), pf_clock_now_ns(),
               PF_USER_FLAG_PROBE | PF_USER_FLAG_STREAM_DESC) != 0 ||
        drain(s, u, st, max_count) != 0)
      return -1;
  }
  return 0;
}

static int run(struct opts *o) {
  struct cli_key key;
  struct fr_reader rd;
  pf_stream_desc ctl;
  pf_sender_stats ss0;
  struct stats st;
  pf_sender_config sc;
  pf_udp_config uc;
  pf_sender *s = NULL;
  pf_udp *u = NULL;
  const uint8_t *data;
  size_t len, max_count;
  uint64_t pts = 0, next_stats, rate_next_ns = 0, rate_bytes = 0;
  int fd = STDIN_FILENO, rv, ret = CLI_EXIT_FAIL;

  rv = cli_stream_load_key(&o->so, &key, "send in the clear", usage, 0);
  if (rv != CLI_EXIT_OK)
    return rv;
  memset(&st, 0, sizeof(st));
  memset(&rd, 0, sizeof(rd));
  if (o->input && strcmp(o->input, "-") != 0) {
    fd = open(o->input, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      cli_error("cannot open '%s': %s", o->input, strerror(errno));
      goto out;
    }
  }
  if (cli_meter_open(&st.m, &o->so) != 0)
    goto out;
  cli_pipe_grow(fd, PIPE_BYTES);
  if (fr_reader_init(&rd, &o->so.framing, fd, (size_t)o->so.max_frame) != 0)
    goto out;

  pf_sender_config_default(&sc);
  sc.fec_scheme = cli_stream_fec_scheme(&o->so);
  sc.fec_percent = o->so.fec == PF_STREAM_DESC_FEC_NONE ? 0 : o->so.fec_percent;
  sc.max_data_per_block = o->so.k;
  sc.shard_payload = o->so.shard;
  sc.max_frame_bytes = cli_stream_max_frame_bytes(&o->so);
  sc.pacing_rate_bps = o->rate;
  sc.direction = PF_DIR_HOST;
  if (!o->so.no_encrypt)
    cli_stream_key_copy(&key, &sc.aead, sc.key, &sc.key_len, sc.salt);
  rv = pf_sender_new(&s, &sc, NULL);
  cli_wipe(&sc, sizeof(sc));
  cli_wipe(&key, sizeof(key));
  if (rv != 0) {
    cli_error("cannot set up the sender (fec %s, %u%% parity, %u data shards "
              "per block, shard size %u): %s",
              cli_stream_fec_name(o->so.fec), o->so.fec_percent, o->so.k,
              o->so.shard, pf_strerror(rv));
    ret = rv == PF_ERR_INVALID_ARGUMENT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    goto out;
  }

  rv = cli_stream_udp_open(&u, &uc, &o->so, 0, ":0", o->peer,
                           "warning: no UDP GSO/GRO in this kernel; sending "
                           "datagram by datagram");
  if (rv != 0) {
    if (cli_uring_hint(o->so.backend, rv))
      cli_error("cannot use io_uring: %s; try --io=mmsg", pf_strerror(rv));
    else
      cli_error("cannot open a UDP socket to '%s': %s", o->peer,
                pf_strerror(rv));
    ret = rv == PF_ERR_INVALID_ARGUMENT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    goto out;
  }
  /* pf_udp_send_segments() cuts runs into GSO super-packets and batches
   * them into as few kernel crossings as it can: hand it long runs. */
  max_count = SEND_RUN_MAX;

  cli_catch_stop_signals();

  memset(&ctl, 0, sizeof(ctl));
  ctl.type = PF_STREAM_DESC_START;
  ctl.fec = o->so.fec;
  ctl.framing = (uint32_t)o->so.framing.mode;
  ctl.framing_arg = cli_stream_framing_arg(&o->so);
  ctl.shard_payload = o->so.shard;
  ctl.max_data_per_block = o->so.k;
  ctl.fec_percent = o->so.fec_percent;
  if (getrandom(&ctl.stream_id, sizeof(ctl.stream_id), GRND_NONBLOCK) !=
      (ssize_t)sizeof(ctl.stream_id))
    ctl.stream_id = pf_clock_now_ns();
  if (o->so.framing.mode == FR_IVF)
    memcpy(ctl.app, rd.ivf_header, FR_IVF_FILE_HEADER);
  /* The run's first seq: pf-recv locks onto the run it announces. */
  memset(&ss0, 0, sizeof(ss0));
  ss0.struct_size = sizeof(ss0);
  if (!o->so.no_encrypt && pf_sender_get_stats(s, &ss0) == 0)
    ctl.first_seq = ss0.next_seq;

  st.m.t0 = st.m.last_ns = pf_clock_now_ns();
  next_stats = st.m.t0 + o->so.stats_interval_ns;
  if (send_ctl(s, u, &st, &ctl, PF_STREAM_DESC_START_COPIES, max_count) != 0)
    goto out;
  while (!cli_stop_requested) {
    uint64_t ipts = 0, now;
    rv = fr_reader_next(&rd, &data, &len, &ipts);
    if (rv < 0)
      goto out;
    if (rv == 0)
      break;
    now = pf_clock_now_ns();
    if (o->rate && now < rate_next_ns) {
      /* The library paces within a frame; this keeps the average over
       * frames at --rate as well (a frame that fits its burst would
       * otherwise leave unpaced). */
      pace_sleep_until(rate_next_ns - PACE_AHEAD_NS);
      now = pf_clock_now_ns();
    }
    pts = o->so.framing.mode == FR_IVF
              ? fr_ivf_pts_to_ns(ipts, rd.ivf_num, rd.ivf_den)
              : now;
    if (submit(s, data, len, pts, 0) != 0 ||
        drain(s, u, &st, max_count) != 0)
      goto out;
    st.frames++;
    st.bytes_in += len;
    if (o->rate) {
      pf_sender_stats ss;
      memset(&ss, 0, sizeof(ss));
      ss.struct_size = sizeof(ss);
      if (pf_sender_get_stats(s, &ss) == 0) {
        /* Up to RATE_CREDIT_NS of lateness (reading the frame,
         * scheduling) is made up: the average stays at --rate. */
        uint64_t start = now > rate_next_ns + RATE_CREDIT_NS
                             ? now - RATE_CREDIT_NS
                             : rate_next_ns;
        rate_next_ns = start + (uint64_t)((double)(ss.bytes_sent -
                                                   rate_bytes) *
                                          8e9 / (double)o->rate);
        rate_bytes = ss.bytes_sent;
      }
    }
    now = pf_clock_now_ns();
    if (now >= next_stats && (st.m.json || st.m.tty)) {
      stats_emit(&st, s, u, 0);
      next_stats = now + o->so.stats_interval_ns;
    }
  }
  ctl.type = PF_STREAM_DESC_END;
  ctl.frames = st.frames;
  ctl.bytes = st.bytes_in;
  if (send_ctl(s, u, &st, &ctl, PF_STREAM_DESC_END_COPIES, max_count) != 0)
    goto out;
  ret = cli_stop_requested ? CLI_EXIT_FAIL : CLI_EXIT_OK;
  if (cli_stop_requested)
    cli_error("interrupted; sent the end of stream after %" PRIu64 " frames",
              st.frames);
out:
  if (s && u)
    stats_emit(&st, s, u, 1);
  cli_meter_close(&st.m);
  fr_reader_free(&rd);
  pf_udp_del(u);
  pf_sender_del(s);
  if (fd > STDIN_FILENO)
    close(fd);
  cli_wipe(&key, sizeof(key));
  return ret;
}

int main(int argc, char **argv) {
  struct opts o;
  int rv, done = 0;

  cli_init("pf-send");
  memset(&o, 0, sizeof(o));
  cli_stream_opts_default(&o.so, DEFAULT_FEC_PERCENT);
  rv = parse_args(argc, argv, &o, &done);
  if (rv != CLI_EXIT_OK || done)
    return rv;
  if (cli_stream_opts_finish(&o.so) != 0)
    return usage_error();
  if (o.gen_key)
    return cli_key_generate(o.gen_key, o.so.aead) == 0 ? CLI_EXIT_OK
                                                       : CLI_EXIT_FAIL;
  return run(&o);
}
