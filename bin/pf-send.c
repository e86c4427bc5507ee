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
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <fcntl.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "framing.h"

#define DEFAULT_SHARD 1388u
#define DEFAULT_K 200u
#define DEFAULT_FEC_PERCENT 15u
#define DEFAULT_MAX_FRAME (64u * 1024u * 1024u)
#define SEND_RUN_MAX 1024u /* datagrams per pf_udp_send_segments() */
#define START_COPIES 2
#define END_COPIES 3
#define END_GAP_NS 2000000u           /* 2 ms between END copies */
#define WRITABLE_WAIT_MS 10000        /* give up after 10 s without room */

enum {
  LONG_FEC = 256,
  LONG_FEC_PERCENT,
  LONG_MAX_K,
  LONG_SHARD,
  LONG_MTU,
  LONG_RATE,
  LONG_KEY_FILE,
  LONG_NO_ENCRYPT,
  LONG_AEAD,
  LONG_GEN_KEY,
  LONG_IO,
  LONG_STATS_JSON,
  LONG_STATS_INTERVAL,
  LONG_CODEC,
  LONG_MAX_FRAME,
};

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"input", required_argument, NULL, 'i'},
    {"framing", required_argument, NULL, 'f'},
    {"codec", required_argument, NULL, LONG_CODEC},
    {"fec", required_argument, NULL, LONG_FEC},
    {"fec-percent", required_argument, NULL, LONG_FEC_PERCENT},
    {"max-data-per-block", required_argument, NULL, LONG_MAX_K},
    {"shard-size", required_argument, NULL, LONG_SHARD},
    {"mtu", required_argument, NULL, LONG_MTU},
    {"rate", required_argument, NULL, LONG_RATE},
    {"max-frame-size", required_argument, NULL, LONG_MAX_FRAME},
    {"key-file", required_argument, NULL, LONG_KEY_FILE},
    {"no-encrypt", no_argument, NULL, LONG_NO_ENCRYPT},
    {"aead", required_argument, NULL, LONG_AEAD},
    {"gen-key", required_argument, NULL, LONG_GEN_KEY},
    {"io", required_argument, NULL, LONG_IO},
    {"stats-json", required_argument, NULL, LONG_STATS_JSON},
    {"stats-interval", required_argument, NULL, LONG_STATS_INTERVAL},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {NULL, 0, NULL, 0},
};

struct opts {
  const char *input, *key_file, *gen_key, *stats_json, *peer;
  struct fr_spec framing;
  uint32_t fec, fec_percent, k, shard, mtu, backend, aead;
  int aead_given, no_encrypt, quiet, verbose, fec_percent_given;
  uint64_t rate, stats_interval_ns, max_frame;
  int max_frame_given;
};

struct stats {
  uint64_t t0;
  uint64_t frames, bytes_in;
  uint64_t eagain_waits, refused;
  uint64_t last_ns, last_bytes;
  FILE *json;
  int tty, quiet;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void usage(FILE *f) {
  fprintf(f,
          "Usage: %s [options] HOST:PORT\n"
          "       %s --gen-key FILE [--aead NAME]\n"
          "Send frames from standard input as a punktfunk/1 stream to "
          "pf-recv.\n\n"
          "Options:\n"
          "  -i, --input FILE            read FILE instead of standard "
          "input\n"
          "  -f, --framing MODE          length (default), fixed:N, raw, "
          "annexb, ivf\n"
          "      --codec h264|h265       annexb: the codec (default h264)\n"
          "      --fec gf8|gf16|none     erasure code (default gf8)\n"
          "      --fec-percent P         parity per block in percent, "
          "0..90 (default %u)\n"
          "      --max-data-per-block K  data shards per FEC block (default "
          "%u)\n"
          "      --shard-size N          bytes per shard, even (default "
          "%u)\n"
          "      --mtu N                 derive --shard-size from a link "
          "MTU\n"
          "      --rate R                pacing rate in bits/s, suffix "
          "k/M/G (default 0: unpaced)\n"
          "      --max-frame-size SIZE   largest frame (default 64M)\n"
          "      --key-file FILE         key file (or env PF_KEY_FILE)\n"
          "      --no-encrypt            send unsealed datagrams\n"
          "      --aead NAME             aes128gcm or chacha20poly1305\n"
          "      --gen-key FILE          write a fresh key file and exit\n"
          "      --io uring|mmsg         socket backend (default uring)\n"
          "      --stats-json FILE|-     JSON-lines statistics\n"
          "      --stats-interval S      seconds between statistics "
          "(default 1)\n"
          "  -q, --quiet                 no summary line\n"
          "  -v, --verbose               library diagnostics\n"
          "  -h, --help                  show this help\n"
          "  -V, --version               show the version\n"
          "\nSee pf-send(1).\n",
          cli_prog, cli_prog, DEFAULT_FEC_PERCENT, DEFAULT_K, DEFAULT_SHARD);
}

static int usage_error(void) {
  usage(stderr);
  return CLI_EXIT_USAGE;
}

static int parse_fec(const char *s, uint32_t *fec) {
  if (strcmp(s, "gf8") == 0)
    *fec = PF_FEC_GF8;
  else if (strcmp(s, "gf16") == 0)
    *fec = PF_FEC_GF16;
  else if (strcmp(s, "none") == 0)
    *fec = FR_CTL_FEC_NONE;
  else {
    cli_error("invalid fec '%s': expected gf8, gf16 or none", s);
    return -1;
  }
  return 0;
}

static int parse_args(int argc, char **argv, struct opts *o, int *done) {
  int c, r;
  uint64_t v;

  while ((c = getopt_long(argc, argv, "hVi:f:qv", long_options, NULL)) !=
         -1) {
    r = 0;
    switch (c) {
    case 'h':
      usage(stdout);
      *done = 1;
      return CLI_EXIT_OK;
    case 'V':
      cli_print_version();
      *done = 1;
      return CLI_EXIT_OK;
    case 'i':
      o->input = optarg;
      break;
    case 'f':
      r = fr_parse(optarg, &o->framing);
      break;
    case LONG_CODEC:
      r = fr_parse_codec(optarg, &o->framing.codec);
      break;
    case LONG_FEC:
      r = parse_fec(optarg, &o->fec);
      break;
    case LONG_FEC_PERCENT:
      r = cli_parse_u32(optarg, 0, PF_FEC_PERCENT_MAX, "fec percent",
                        &o->fec_percent);
      o->fec_percent_given = 1;
      break;
    case LONG_MAX_K:
      r = cli_parse_u32(optarg, 1, 65535, "max data per block", &o->k);
      break;
    case LONG_SHARD:
      r = cli_parse_u32(optarg, 2, PF_PKT_MAX_SHARD_PAYLOAD, "shard size",
                        &o->shard);
      if (r == 0 && (o->shard & 1)) {
        cli_error("invalid shard size '%s': must be even", optarg);
        r = -1;
      }
      break;
    case LONG_MTU:
      r = cli_parse_u32(optarg, 576, 65535, "mtu", &o->mtu);
      break;
    case LONG_RATE:
      r = cli_parse_rate(optarg, "rate", &o->rate);
      break;
    case LONG_MAX_FRAME:
      r = cli_parse_size(optarg, 1, UINT32_MAX, "max frame size", &v);
      o->max_frame = v;
      o->max_frame_given = 1;
      break;
    case LONG_KEY_FILE:
      o->key_file = optarg;
      break;
    case LONG_NO_ENCRYPT:
      o->no_encrypt = 1;
      break;
    case LONG_AEAD:
      r = cli_parse_aead(optarg, &o->aead);
      o->aead_given = 1;
      break;
    case LONG_GEN_KEY:
      o->gen_key = optarg;
      break;
    case LONG_IO:
      r = pf_udp_backend_parse(optarg);
      if (r < 0) {
        cli_error("invalid io backend '%s': expected uring or mmsg", optarg);
        r = -1;
      } else {
        o->backend = (uint32_t)r;
        r = 0;
      }
      break;
    case LONG_STATS_JSON:
      o->stats_json = optarg;
      break;
    case LONG_STATS_INTERVAL:
      r = cli_parse_seconds(optarg, 3600, "stats interval",
                            &o->stats_interval_ns);
      if (r == 0 && o->stats_interval_ns < 10000000u) {
        cli_error("invalid stats interval '%s': at least 0.01 s", optarg);
        r = -1;
      }
      break;
    case 'q':
      o->quiet = 1;
      break;
    case 'v':
      o->verbose = 1;
      break;
    default:
      return usage_error();
    }
    if (r != 0)
      return usage_error();
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
  double el = (double)(now - st->t0) / 1e9, rate, inst;
  char rb[32];

  memset(&ss, 0, sizeof(ss));
  ss.struct_size = sizeof(ss);
  memset(&us, 0, sizeof(us));
  us.struct_size = sizeof(us);
  if (pf_sender_get_stats(s, &ss) != 0 || pf_udp_stats_get(u, &us) != 0)
    return;
  rate = el > 0 ? (double)ss.bytes_sent * 8 / el : 0;
  inst = now > st->last_ns
             ? (double)(ss.bytes_sent - st->last_bytes) * 8 /
                   ((double)(now - st->last_ns) / 1e9)
             : 0;
  st->last_ns = now;
  st->last_bytes = ss.bytes_sent;
  if (st->json) {
    fprintf(st->json,
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
    fflush(st->json);
  }
  if (final && !st->quiet) {
    cli_format_rate(rate, rb, sizeof(rb));
    if (st->tty)
      fputs("\r\033[K", stderr);
    fprintf(stderr,
            "%s: sent %" PRIu64 " frames, %" PRIu64 " bytes in %.2f s (%s): "
            "%" PRIu64 " datagrams (%" PRIu64 " parity), %" PRIu64
            " waits for socket buffer, %" PRIu64 " refused\n",
            cli_prog, st->frames, st->bytes_in, el, rb, ss.packets_sent,
            ss.parity_packets, st->eagain_waits, st->refused);
  } else if (st->tty) {
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

/* Hands out and sends every queued datagram, honouring the pacing
 * schedule.  Returns 0 or -1. */
static int drain(pf_sender *s, pf_udp *u, struct stats *st, size_t max_count) {
  pf_dgram_batch b;
  uint64_t now = pf_clock_now_ns();

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
    pf_udp_sleep_until(b.next_due_ns);
    now = pf_clock_now_ns();
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
                    const struct fr_ctl *c, int copies, size_t max_count) {
  uint8_t rec[FR_CTL_BYTES];
  int i;

  fr_ctl_encode(rec, c);
  for (i = 0; i < copies; i++) {
    if (i > 0)
      pf_udp_sleep_until(pf_clock_now_ns() + END_GAP_NS);
    if (submit(s, rec, sizeof(rec), pf_clock_now_ns(),
               PF_USER_FLAG_PROBE | FR_USER_FLAG_CTL) != 0 ||
        drain(s, u, st, max_count) != 0)
      return -1;
  }
  return 0;
}

static int load_key(struct opts *o, struct cli_key *key) {
  const char *kf = o->key_file;

  memset(key, 0, sizeof(*key));
  if (!kf && !o->no_encrypt) {
    const char *env = getenv("PF_KEY_FILE");
    if (env && *env)
      kf = env;
  }
  if (o->no_encrypt) {
    if (o->key_file) {
      cli_error("--no-encrypt and --key-file exclude each other");
      return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
  }
  if (!kf) {
    cli_error("no key: give --key-file FILE (or set PF_KEY_FILE), or "
              "--no-encrypt to send in the clear");
    usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (cli_key_read(kf, key) != 0)
    return CLI_EXIT_FAIL;
  if (o->aead_given && o->aead != key->aead) {
    cli_error("--aead %s does not match the key file's %s",
              cli_aead_name(o->aead), cli_aead_name(key->aead));
    cli_wipe(key, sizeof(*key));
    return CLI_EXIT_USAGE;
  }
  return CLI_EXIT_OK;
}

static int run(struct opts *o) {
  struct cli_key key;
  struct fr_reader rd;
  struct fr_ctl ctl;
  struct stats st;
  pf_sender_config sc;
  pf_udp_config uc;
  pf_sender *s = NULL;
  pf_udp *u = NULL;
  const uint8_t *data;
  size_t len, max_count;
  uint64_t pts = 0, next_stats, rate_next_ns = 0, rate_bytes = 0;
  int fd = STDIN_FILENO, rv, ret = CLI_EXIT_FAIL;
  struct sigaction sa;

  rv = load_key(o, &key);
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
  if (o->stats_json) {
    if (strcmp(o->stats_json, "-") == 0)
      st.json = stdout;
    else if (!(st.json = fopen(o->stats_json, "we"))) {
      cli_error("cannot open '%s': %s", o->stats_json, strerror(errno));
      goto out;
    }
  }
  st.quiet = o->quiet;
  st.tty = !o->quiet && isatty(STDERR_FILENO);
  if (fr_reader_init(&rd, &o->framing, fd, (size_t)o->max_frame) != 0)
    goto out;

  pf_sender_config_default(&sc);
  sc.fec_scheme = o->fec == PF_FEC_GF16 ? PF_FEC_GF16 : PF_FEC_GF8;
  sc.fec_percent = o->fec == FR_CTL_FEC_NONE ? 0 : o->fec_percent;
  sc.max_data_per_block = o->k;
  sc.shard_payload = o->shard;
  sc.max_frame_bytes = o->max_frame < FR_CTL_BYTES ? FR_CTL_BYTES : o->max_frame;
  sc.pacing_rate_bps = o->rate;
  sc.direction = PF_DIR_HOST;
  if (!o->no_encrypt) {
    sc.aead = key.aead;
    memcpy(sc.key, key.key, key.key_len);
    sc.key_len = key.key_len;
    memcpy(sc.salt, key.salt, sizeof(sc.salt));
  }
  rv = pf_sender_new(&s, &sc, NULL);
  cli_wipe(&sc, sizeof(sc));
  cli_wipe(&key, sizeof(key));
  if (rv != 0) {
    cli_error("cannot set up the sender (fec %s, %u%% parity, %u data shards "
              "per block, shard size %u): %s",
              o->fec == PF_FEC_GF16 ? "gf16" : o->fec == FR_CTL_FEC_NONE
                                                   ? "none" : "gf8",
              o->fec_percent, o->k, o->shard, pf_strerror(rv));
    ret = rv == PF_ERR_INVALID_ARGUMENT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    goto out;
  }

  pf_udp_config_default(&uc);
  uc.backend = o->backend;
  rv = pf_udp_open(&u, &uc, ":0", o->peer, NULL);
  if (rv == -ENOPROTOOPT) {
    cli_error("warning: no UDP GSO/GRO in this kernel; sending datagram by "
              "datagram");
    uc.gso = uc.gro = 0;
    rv = pf_udp_open(&u, &uc, ":0", o->peer, NULL);
  }
  if (rv != 0) {
    if (cli_uring_hint(o->backend, rv))
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

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);

  memset(&ctl, 0, sizeof(ctl));
  ctl.type = FR_CTL_START;
  ctl.fec = o->fec;
  ctl.framing = (uint32_t)o->framing.mode;
  ctl.framing_arg = o->framing.mode == FR_FIXED ? o->framing.fixed
                    : o->framing.mode == FR_ANNEXB ? (uint32_t)o->framing.codec
                                                   : 0;
  ctl.shard_payload = o->shard;
  ctl.max_data_per_block = o->k;
  ctl.fec_percent = o->fec_percent;
  if (getrandom(&ctl.stream_id, sizeof(ctl.stream_id), GRND_NONBLOCK) !=
      (ssize_t)sizeof(ctl.stream_id))
    ctl.stream_id = pf_clock_now_ns();
  if (o->framing.mode == FR_IVF)
    memcpy(ctl.ivf_header, rd.ivf_header, FR_IVF_FILE_HEADER);

  st.t0 = st.last_ns = pf_clock_now_ns();
  next_stats = st.t0 + o->stats_interval_ns;
  if (send_ctl(s, u, &st, &ctl, START_COPIES, max_count) != 0)
    goto out;
  while (!stop_requested) {
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
      pf_udp_sleep_until(rate_next_ns);
      now = pf_clock_now_ns();
    }
    pts = o->framing.mode == FR_IVF
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
        uint64_t start = rate_next_ns > now ? rate_next_ns : now;
        rate_next_ns = start + (uint64_t)((double)(ss.bytes_sent -
                                                   rate_bytes) *
                                          8e9 / (double)o->rate);
        rate_bytes = ss.bytes_sent;
      }
    }
    now = pf_clock_now_ns();
    if (now >= next_stats && (st.json || st.tty)) {
      stats_emit(&st, s, u, 0);
      next_stats = now + o->stats_interval_ns;
    }
  }
  ctl.type = FR_CTL_END;
  ctl.frames = st.frames;
  ctl.bytes = st.bytes_in;
  if (send_ctl(s, u, &st, &ctl, END_COPIES, max_count) != 0)
    goto out;
  ret = stop_requested ? CLI_EXIT_FAIL : CLI_EXIT_OK;
  if (stop_requested)
    cli_error("interrupted; sent the end of stream after %" PRIu64 " frames",
              st.frames);
out:
  if (s && u)
    stats_emit(&st, s, u, 1);
  if (st.json && st.json != stdout)
    fclose(st.json);
  fr_reader_free(&rd);
  pf_udp_close(u);
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
  o.framing.mode = FR_LENGTH;
  o.fec = PF_FEC_GF8;
  o.fec_percent = DEFAULT_FEC_PERCENT;
  o.k = DEFAULT_K;
  o.shard = DEFAULT_SHARD;
  o.backend = PF_UDP_IO_URING;
  o.aead = PF_AEAD_AES128GCM;
  o.stats_interval_ns = 1000000000u;
  o.max_frame = DEFAULT_MAX_FRAME;
  rv = parse_args(argc, argv, &o, &done);
  if (rv != CLI_EXIT_OK || done)
    return rv;
  if (o.mtu) {
    o.shard = pf_shard_payload_for_mtu(o.mtu, 1);
    if (o.shard < 2) {
      cli_error("invalid mtu %u: no room for a shard", o.mtu);
      return usage_error();
    }
  }
  /* A frame may span at most 65535 blocks: with small blocks the
   * default largest frame shrinks to fit (the same on both sides). */
  if (!o.max_frame_given && 65535ull * o.k * o.shard < o.max_frame)
    o.max_frame = 65535ull * o.k * o.shard;
  cli_log_to_stderr(o.verbose ? PF_LOG_INFO : PF_LOG_WARN);
  if (o.gen_key)
    return cli_key_generate(o.gen_key, o.aead) == 0 ? CLI_EXIT_OK
                                                    : CLI_EXIT_FAIL;
  return run(&o);
}
