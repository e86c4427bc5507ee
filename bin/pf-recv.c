/*
 * pf-recv.c -- receive a punktfunk/1 stream sent by pf-send and write its
 * frames to standard output (or a file) in the chosen framing.
 *
 * pf_udp_recv() batches -> pf_receiver_read_datagram() -> finished frames
 * (borrowed views) -> framing writer -> pf_receiver_frame_done().  The
 * stream's START and END descriptors (doc/wire-format.md section 11) arrive as probe
 * AUs: START checks that both sides agree on the parameters, END says how
 * many frames were sent, so pf-recv can exit as soon as all of them are
 * written (or a short grace period later, with exit status 3 when some
 * were lost beyond what FEC could repair).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "framing.h"

#define DEFAULT_SHARD 1388u
#define DEFAULT_K 200u
#define DEFAULT_MAX_FRAME (64u * 1024u * 1024u)
#define RECV_BATCH 64
#define GRACE_NS 300000000u /* wait this long after END for stragglers */
#define DIAG_AFTER 32u      /* datagrams all dropped before diagnosing */
#define EXIT_LOST 3
#define HOLD_MAX 16           /* frames held back waiting for a gap */
#define HOLD_NS 200000000u    /* longest wait for a missing frame */
/* pf-send numbers its AUs from 0; its two START copies come first. */
#define FIRST_DATA_INDEX 2u

enum {
  LONG_FEC = 256,
  LONG_FEC_PERCENT,
  LONG_MAX_K,
  LONG_SHARD,
  LONG_MTU,
  LONG_KEY_FILE,
  LONG_NO_ENCRYPT,
  LONG_AEAD,
  LONG_IO,
  LONG_PEER,
  LONG_IDLE,
  LONG_STATS_JSON,
  LONG_STATS_INTERVAL,
  LONG_CODEC,
  LONG_MAX_FRAME,
};

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"output", required_argument, NULL, 'o'},
    {"framing", required_argument, NULL, 'f'},
    {"codec", required_argument, NULL, LONG_CODEC},
    {"fec", required_argument, NULL, LONG_FEC},
    {"fec-percent", required_argument, NULL, LONG_FEC_PERCENT},
    {"max-data-per-block", required_argument, NULL, LONG_MAX_K},
    {"shard-size", required_argument, NULL, LONG_SHARD},
    {"mtu", required_argument, NULL, LONG_MTU},
    {"max-frame-size", required_argument, NULL, LONG_MAX_FRAME},
    {"key-file", required_argument, NULL, LONG_KEY_FILE},
    {"no-encrypt", no_argument, NULL, LONG_NO_ENCRYPT},
    {"aead", required_argument, NULL, LONG_AEAD},
    {"io", required_argument, NULL, LONG_IO},
    {"peer", required_argument, NULL, LONG_PEER},
    {"idle-timeout", required_argument, NULL, LONG_IDLE},
    {"stats-json", required_argument, NULL, LONG_STATS_JSON},
    {"stats-interval", required_argument, NULL, LONG_STATS_INTERVAL},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {NULL, 0, NULL, 0},
};

struct opts {
  const char *output, *key_file, *stats_json, *peer, *local;
  struct fr_spec framing;
  uint32_t fec, fec_percent, k, shard, mtu, backend, aead;
  int aead_given, no_encrypt, quiet, verbose;
  uint64_t idle_ns, stats_interval_ns, max_frame;
  int max_frame_given;
};

struct held {
  pf_frame f;
  uint64_t since;
  int used;
};

struct state {
  struct held hold[HOLD_MAX];
  size_t nheld;
  uint32_t next_idx; /* frame_index of the next data frame to write */
  uint64_t late;
  int failed;
  uint64_t t0, last_rx, end_at, last_stats_ns, last_stats_bytes;
  uint64_t frames, bytes_out, skipped, lost_reported, accepted, ctl_frames;
  uint64_t raw_datagrams;
  int got_start, got_end, diagnosed, connected, tty, quiet;
  struct fr_ctl start, end;
  FILE *json;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void usage(FILE *f) {
  fprintf(f,
          "Usage: %s [options] [ADDR:]PORT\n"
          "Receive a punktfunk/1 stream from pf-send and write its frames "
          "to standard output.\n\n"
          "Options:\n"
          "  -o, --output FILE           write FILE instead of standard "
          "output\n"
          "  -f, --framing MODE          length (default), fixed:N, raw, "
          "annexb, ivf\n"
          "      --codec h264|h265       annexb: the codec (default h264)\n"
          "      --fec gf8|gf16|none     erasure code (default gf8)\n"
          "      --fec-percent P         largest parity share accepted "
          "(default 90)\n"
          "      --max-data-per-block K  data shards per FEC block (default "
          "%u)\n"
          "      --shard-size N          bytes per shard, even (default "
          "%u)\n"
          "      --mtu N                 derive --shard-size from a link "
          "MTU\n"
          "      --max-frame-size SIZE   largest frame (default 64M)\n"
          "      --key-file FILE         key file (or env PF_KEY_FILE)\n"
          "      --no-encrypt            accept unsealed datagrams\n"
          "      --aead NAME             aes128gcm or chacha20poly1305\n"
          "      --io uring|mmsg         socket backend (default uring)\n"
          "      --peer HOST:PORT        accept datagrams only from this "
          "sender\n"
          "      --idle-timeout S        exit after S seconds without "
          "datagrams (default 10; 0 = never)\n"
          "      --stats-json FILE|-     JSON-lines statistics ('-' needs "
          "--output)\n"
          "      --stats-interval S      seconds between statistics "
          "(default 1)\n"
          "  -q, --quiet                 no summary line\n"
          "  -v, --verbose               library diagnostics\n"
          "  -h, --help                  show this help\n"
          "  -V, --version               show the version\n"
          "\nExit status: 0 all frames written, 3 frames lost, 1 failure, "
          "2 usage.  See pf-recv(1).\n",
          cli_prog, DEFAULT_K, DEFAULT_SHARD);
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

static const char *fec_name(uint32_t fec) {
  return fec == PF_FEC_GF16 ? "gf16" : fec == PF_FEC_GF8 ? "gf8" : "none";
}

static int parse_args(int argc, char **argv, struct opts *o, int *done) {
  static char local[PF_UDP_ADDRSTRLEN + 2];
  const char *a;
  int c, r;
  uint64_t v;

  while ((c = getopt_long(argc, argv, "hVo:f:qv", long_options, NULL)) !=
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
    case 'o':
      o->output = optarg;
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
    case LONG_PEER:
      o->peer = optarg;
      break;
    case LONG_IDLE:
      r = cli_parse_seconds(optarg, 86400, "idle timeout", &o->idle_ns);
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
  if (o->stats_json && strcmp(o->stats_json, "-") == 0 &&
      (!o->output || strcmp(o->output, "-") == 0)) {
    cli_error("--stats-json - needs --output FILE (standard output carries "
              "the frames)");
    return usage_error();
  }
  return CLI_EXIT_OK;
}

static int load_key(const struct opts *o, struct cli_key *key) {
  const char *kf = o->key_file;

  memset(key, 0, sizeof(*key));
  if (o->no_encrypt) {
    if (o->key_file) {
      cli_error("--no-encrypt and --key-file exclude each other");
      usage(stderr);
      return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
  }
  if (!kf) {
    const char *env = getenv("PF_KEY_FILE");
    if (env && *env)
      kf = env;
  }
  if (!kf) {
    cli_error("no key: give --key-file FILE (or set PF_KEY_FILE), or "
              "--no-encrypt to accept unsealed datagrams");
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

/* ------------------------------------------------------------ stats */

static void get_rstats(const pf_receiver *r, pf_receiver_stats *rs) {
  memset(rs, 0, sizeof(*rs));
  rs->struct_size = sizeof(*rs);
  if (pf_receiver_get_stats(r, rs) != 0)
    memset(rs, 0, sizeof(*rs));
}

static uint64_t geometry_drops(const pf_receiver_stats *rs) {
  return rs->drop_too_short + rs->drop_too_long + rs->drop_geometry +
         rs->drop_limits + rs->drop_bad_magic;
}

/* Explains why nothing was usable; returns 1 if it printed something. */
static int diagnose(const pf_receiver_stats *rs) {
  uint64_t geo = geometry_drops(rs);

  if (rs->packets_dropped == 0)
    return 0;
  if (rs->drop_auth >= geo && rs->drop_auth > 0) {
    cli_error("all %" PRIu64 " datagrams failed authentication: check "
              "--key-file (and --no-encrypt) on both sides",
              rs->packets_dropped);
    return 1;
  }
  if (geo > 0) {
    cli_error("all %" PRIu64 " datagrams dropped for geometry mismatch "
              "(%" PRIu64 " geometry, %" PRIu64 " too short, %" PRIu64
              " too long, %" PRIu64 " over limits, %" PRIu64
              " bad magic): check --shard-size/--mtu/--max-data-per-block/"
              "--fec/--fec-percent/--no-encrypt on both sides",
              rs->packets_dropped, rs->drop_geometry, rs->drop_too_short,
              rs->drop_too_long, rs->drop_limits, rs->drop_bad_magic);
    return 1;
  }
  cli_error("all %" PRIu64 " datagrams were dropped (replay %" PRIu64
            ", budget %" PRIu64 ", stale %" PRIu64 ")",
            rs->packets_dropped, rs->drop_replay, rs->drop_budget,
            rs->drop_stale);
  return 1;
}

static uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint64_t frames_missing(const struct state *s) {
  if (!s->got_end)
    return s->lost_reported + s->skipped;
  return s->end.frames > s->frames ? s->end.frames - s->frames : 0;
}

static void stats_emit(struct state *s, const pf_receiver *r, pf_udp *u,
                       int final) {
  pf_receiver_stats rs;
  pf_udp_stats us;
  uint64_t now = pf_clock_now_ns();
  double el = (double)(now - s->t0) / 1e9, rate, inst;
  char rb[32];

  get_rstats(r, &rs);
  memset(&us, 0, sizeof(us));
  us.struct_size = sizeof(us);
  if (pf_udp_stats_get(u, &us) != 0)
    memset(&us, 0, sizeof(us));
  rate = el > 0 ? (double)rs.bytes_received * 8 / el : 0;
  inst = now > s->last_stats_ns
             ? (double)(rs.bytes_received - s->last_stats_bytes) * 8 /
                   ((double)(now - s->last_stats_ns) / 1e9)
             : 0;
  s->last_stats_ns = now;
  s->last_stats_bytes = rs.bytes_received;
  if (s->json) {
    fprintf(s->json,
            "{\"ts\":%.3f,\"tool\":\"pf-recv\",\"final\":%s,"
            "\"elapsed_s\":%.3f,\"frames\":%" PRIu64 ",\"bytes_out\":%" PRIu64
            ",\"frames_expected\":%" PRId64 ",\"frames_lost\":%" PRIu64
            ",\"end_seen\":%s,\"datagrams\":%" PRIu64 ",\"accepted\":%" PRIu64
            ",\"bytes_received\":%" PRIu64 ",\"rate_bps\":%.0f"
            ",\"fec_recovered\":%" PRIu64 ",\"fec_late\":%" PRIu64
            ",\"late_frames\":%" PRIu64
            ",\"dropped\":%" PRIu64 ",\"drops\":{\"too_short\":%" PRIu64
            ",\"too_long\":%" PRIu64 ",\"bad_magic\":%" PRIu64
            ",\"geometry\":%" PRIu64 ",\"limits\":%" PRIu64
            ",\"stale\":%" PRIu64 ",\"duplicate\":%" PRIu64 ",\"late\":%" PRIu64
            ",\"replay\":%" PRIu64 ",\"auth\":%" PRIu64 ",\"budget\":%" PRIu64
            ",\"fec\":%" PRIu64 ",\"nomem\":%" PRIu64
            "},\"rx_truncated\":%" PRIu64 ",\"backend\":\"%s\"}\n",
            cli_wallclock(), final ? "true" : "false", el, s->frames,
            s->bytes_out, s->got_end ? (int64_t)s->end.frames : (int64_t)-1,
            frames_missing(s), s->got_end ? "true" : "false",
            s->raw_datagrams, s->accepted, rs.bytes_received,
            final ? rate : inst, rs.fec_recovered_shards, rs.fec_late_shards,
            s->late, rs.packets_dropped, rs.drop_too_short, rs.drop_too_long,
            rs.drop_bad_magic, rs.drop_geometry, rs.drop_limits,
            rs.drop_stale, rs.drop_duplicate, rs.drop_late, rs.drop_replay,
            rs.drop_auth, rs.drop_budget, rs.drop_fec, rs.drop_nomem,
            us.rx_truncated, us.backend ? us.backend : "?");
    fflush(s->json);
  }
  if (final && !s->quiet) {
    cli_format_rate(rate, rb, sizeof(rb));
    if (s->tty)
      fputs("\r\033[K", stderr);
    fprintf(stderr,
            "%s: wrote %" PRIu64 " frames, %" PRIu64 " bytes in %.2f s (%s)"
            "; %s%" PRIu64 " lost; %" PRIu64 " datagrams (%" PRIu64
            " late or unneeded parity), %" PRIu64
            " shards recovered by FEC, %" PRIu64 " dropped (auth %" PRIu64
            ", geometry %" PRIu64 ", duplicate %" PRIu64 ", other %" PRIu64
            ")\n",
            cli_prog, s->frames, s->bytes_out, el, rb,
            s->got_end ? "" : "end of stream not seen, ", frames_missing(s),
            s->raw_datagrams, rs.drop_late,
            rs.fec_recovered_shards - rs.fec_late_shards,
            rs.packets_dropped - rs.drop_late, rs.drop_auth,
            geometry_drops(&rs), rs.drop_duplicate,
            rs.packets_dropped - rs.drop_auth - geometry_drops(&rs) -
                rs.drop_late - rs.drop_duplicate);
  } else if (!final && s->tty) {
    cli_format_rate(inst, rb, sizeof(rb));
    fprintf(stderr,
            "\r\033[K%s: %s  frames %" PRIu64 "  lost %" PRIu64
            "  fec %" PRIu64 "  drops %" PRIu64 " (auth %" PRIu64
            " geometry %" PRIu64 ")",
            cli_prog, rb, s->frames, frames_missing(s),
            rs.fec_recovered_shards - rs.fec_late_shards,
            rs.packets_dropped - rs.drop_late, rs.drop_auth,
            geometry_drops(&rs));
  }
}

/* ------------------------------------------------------------ frames */

/* A START/END descriptor: check it against our parameters.  Returns 0,
 * or -1 after an error message (a mismatch). */
static int handle_ctl(struct state *s, const struct opts *o,
                      struct fr_writer *w, const struct fr_ctl *c,
                      uint64_t now) {
  const struct fr_ctl *first = s->got_start ? &s->start
                               : s->got_end ? &s->end
                                            : NULL;
  uint32_t arg = o->framing.mode == FR_FIXED    ? o->framing.fixed
                 : o->framing.mode == FR_ANNEXB ? (uint32_t)o->framing.codec
                                                : 0;

  if (first && first->stream_id != c->stream_id)
    return 0; /* another run of pf-send: not ours */
  s->ctl_frames++;
  if (!first) {
    if (c->fec != o->fec && c->fec != FR_CTL_FEC_NONE &&
        o->fec != FR_CTL_FEC_NONE) {
      cli_error("fec mismatch: the sender uses --fec %s, this side --fec %s",
                fec_name(c->fec), fec_name(o->fec));
      return -1;
    }
    if (c->framing != (uint32_t)o->framing.mode || c->framing_arg != arg) {
      cli_error("framing mismatch: the sender uses --framing %s%s, this side "
                "--framing %s%s (check --framing/--codec on both sides)",
                fr_mode_name((int)c->framing),
                c->framing == FR_ANNEXB ? (c->framing_arg ? " --codec h265"
                                                          : " --codec h264")
                                        : "",
                fr_mode_name(o->framing.mode),
                o->framing.mode == FR_ANNEXB
                    ? (arg ? " --codec h265" : " --codec h264")
                    : "");
      return -1;
    }
    if (c->shard_payload != o->shard || c->max_data_per_block != o->k) {
      cli_error("geometry mismatch: the sender uses --shard-size %u "
                "--max-data-per-block %u, this side %u and %u",
                c->shard_payload, c->max_data_per_block, o->shard, o->k);
      return -1;
    }
    if (o->framing.mode == FR_IVF)
      fr_writer_set_ivf_header(w, c->ivf_header);
  }
  if (c->type == FR_CTL_START && !s->got_start) {
    s->start = *c;
    s->got_start = 1;
  } else if (c->type == FR_CTL_END && !s->got_end) {
    s->end = *c;
    s->got_end = 1;
    s->end_at = now;
  }
  return 0;
}

/* Writes one data frame and gives it back; returns 0 or -1. */
static int write_frame(struct state *s, const struct opts *o, pf_receiver *r,
                       struct fr_writer *w, const pf_frame *f) {
  uint64_t pts = 0;
  int wr, rv = 0;

  if (o->framing.mode == FR_IVF && w->have_ivf_header)
    pts = fr_ivf_ns_to_pts(f->pts_ns, get_le32(w->ivf_header + 20),
                           get_le32(w->ivf_header + 16));
  wr = s->failed ? 0 : fr_writer_write(w, f->data, f->len, pts);
  if (wr < 0) {
    cli_error("cannot write output: %s", strerror(errno));
    s->failed = 1;
    rv = -1;
  } else if (wr == 1) {
    s->skipped++;
  } else if (!s->failed) {
    s->frames++;
    s->bytes_out += f->len;
  }
  (void)pf_receiver_frame_done(r, f);
  return rv;
}

/* Writes the held frames that are next in line. */
static int flush_held(struct state *s, const struct opts *o, pf_receiver *r,
                      struct fr_writer *w) {
  size_t i;
  int again = 1, rv = 0;

  while (again && s->nheld > 0) {
    again = 0;
    for (i = 0; i < HOLD_MAX; i++) {
      if (!s->hold[i].used || s->hold[i].f.frame_index != s->next_idx)
        continue;
      s->hold[i].used = 0;
      s->nheld--;
      s->next_idx++;
      if (write_frame(s, o, r, w, &s->hold[i].f) != 0)
        rv = -1;
      again = 1;
    }
  }
  return rv;
}

/* Gives up waiting for the frames before the oldest held one. */
static int skip_gap(struct state *s, const struct opts *o, pf_receiver *r,
                    struct fr_writer *w) {
  size_t i;
  int32_t best = INT32_MAX;

  for (i = 0; i < HOLD_MAX; i++) {
    int32_t d = (int32_t)(s->hold[i].f.frame_index - s->next_idx);
    if (s->hold[i].used && d < best)
      best = d;
  }
  if (best == INT32_MAX)
    return 0;
  s->next_idx += (uint32_t)best;
  return flush_held(s, o, r, w);
}

/*
 * Writes |f| if it is the next data frame, else holds it (borrowed) until
 * the frames before it arrive, are reported lost, or HOLD_NS pass.  A
 * frame older than the next one expected was given up already: dropped.
 */
static int deliver(struct state *s, const struct opts *o, pf_receiver *r,
                   struct fr_writer *w, const pf_frame *f, uint64_t now) {
  int32_t d = (int32_t)(f->frame_index - s->next_idx);
  size_t i;

  if (d < 0) {
    s->late++;
    (void)pf_receiver_frame_done(r, f);
    return 0;
  }
  if (d == 0) {
    s->next_idx++;
    if (write_frame(s, o, r, w, f) != 0)
      return -1;
    return flush_held(s, o, r, w);
  }
  if (s->nheld == HOLD_MAX && skip_gap(s, o, r, w) != 0)
    return -1;
  if ((int32_t)(f->frame_index - s->next_idx) == 0)
    return deliver(s, o, r, w, f, now);
  for (i = 0; i < HOLD_MAX; i++)
    if (!s->hold[i].used) {
      s->hold[i].used = 1;
      s->hold[i].f = *f;
      s->hold[i].since = now;
      s->nheld++;
      return 0;
    }
  return write_frame(s, o, r, w, f); /* not reached: a slot was freed */
}

/* Skips gaps that held frames have waited on for longer than HOLD_NS. */
static int expire_held(struct state *s, const struct opts *o, pf_receiver *r,
                       struct fr_writer *w, uint64_t now) {
  size_t i;

  for (i = 0; i < HOLD_MAX; i++)
    if (s->hold[i].used && now >= s->hold[i].since + HOLD_NS)
      return skip_gap(s, o, r, w);
  return 0;
}

/* Writes every finished frame in index order; returns 0, or -1 (error
 * printed). */
static int drain_frames(struct state *s, const struct opts *o,
                        pf_receiver *r, struct fr_writer *w, uint64_t now) {
  pf_frame f;
  pf_frame_loss l;
  int rv = 0;

  for (;;) {
    memset(&f, 0, sizeof(f));
    f.struct_size = sizeof(f);
    if (pf_receiver_next_frame(r, &f) != 0)
      break;
    if (f.flags & PF_USER_FLAG_PROBE) {
      struct fr_ctl c;
      if ((f.flags & FR_USER_FLAG_CTL) &&
          fr_ctl_decode(&c, f.data, f.len) == 0 &&
          handle_ctl(s, o, w, &c, now) != 0)
        rv = -1;
      (void)pf_receiver_frame_done(r, &f);
    } else if (deliver(s, o, r, w, &f, now) != 0) {
      rv = -1;
    }
  }
  for (;;) {
    memset(&l, 0, sizeof(l));
    l.struct_size = sizeof(l);
    if (pf_receiver_next_loss(r, &l) != 0)
      break;
    if (l.flags & PF_USER_FLAG_PROBE)
      continue;
    s->lost_reported++;
    if (l.frame_index == s->next_idx) {
      s->next_idx++;
      if (flush_held(s, o, r, w) != 0)
        rv = -1;
    }
  }
  if (expire_held(s, o, r, w, now) != 0)
    rv = -1;
  return rv || s->failed ? -1 : 0;
}

/* Writes everything still held, skipping the gaps. */
static int flush_all(struct state *s, const struct opts *o, pf_receiver *r,
                     struct fr_writer *w) {
  int rv = 0;

  while (s->nheld > 0)
    if (skip_gap(s, o, r, w) != 0)
      rv = -1;
  return rv;
}

static int run(const struct opts *o) {
  struct cli_key key;
  struct state s;
  struct fr_writer w;
  pf_receiver_config rc;
  pf_udp_config uc;
  pf_receiver *r = NULL;
  pf_udp *u = NULL;
  pf_udp_datagram dg[RECV_BATCH];
  pf_receiver_stats rs;
  uint64_t next_stats;
  int fd = STDOUT_FILENO, rv, ret = CLI_EXIT_FAIL, i, n;
  struct sigaction sa;

  memset(&s, 0, sizeof(s));
  rv = load_key(o, &key);
  if (rv != CLI_EXIT_OK)
    return rv;
  if (o->output && strcmp(o->output, "-") != 0) {
    fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
      cli_error("cannot open '%s': %s", o->output, strerror(errno));
      goto out;
    }
  } else if (cli_refuse_tty(STDOUT_FILENO, "received frames") != 0) {
    goto out;
  }
  if (o->stats_json) {
    if (strcmp(o->stats_json, "-") == 0)
      s.json = stdout;
    else if (!(s.json = fopen(o->stats_json, "we"))) {
      cli_error("cannot open '%s': %s", o->stats_json, strerror(errno));
      goto out;
    }
  }
  s.quiet = o->quiet;
  s.tty = !o->quiet && isatty(STDERR_FILENO);
  fr_writer_init(&w, &o->framing, fd);

  pf_receiver_config_default(&rc);
  rc.fec_scheme = o->fec == PF_FEC_GF16 ? PF_FEC_GF16 : PF_FEC_GF8;
  rc.shard_payload = o->shard;
  rc.max_data_per_block = o->k;
  rc.max_fec_percent = o->fec_percent;
  rc.max_frame_bytes = o->max_frame < FR_CTL_BYTES ? FR_CTL_BYTES
                                                   : o->max_frame;
  rc.peer_direction = PF_DIR_HOST;
  if (!o->no_encrypt) {
    rc.aead = key.aead;
    memcpy(rc.key, key.key, key.key_len);
    rc.key_len = key.key_len;
    memcpy(rc.salt, key.salt, sizeof(rc.salt));
  }
  rv = pf_receiver_new(&r, &rc, NULL);
  cli_wipe(&rc, sizeof(rc));
  cli_wipe(&key, sizeof(key));
  if (rv != 0) {
    cli_error("cannot set up the receiver (shard size %u, %u data shards "
              "per block, fec %s): %s",
              o->shard, o->k, fec_name(o->fec), pf_strerror(rv));
    ret = rv == PF_ERR_INVALID_ARGUMENT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    goto out;
  }

  pf_udp_config_default(&uc);
  uc.backend = o->backend;
  uc.max_datagram = PF_PKT_MAX_DATAGRAM;
  rv = pf_udp_open(&u, &uc, o->local, o->peer, NULL);
  if (rv == -ENOPROTOOPT) {
    cli_error("warning: no UDP GRO in this kernel; receiving datagram by "
              "datagram");
    uc.gso = uc.gro = 0;
    rv = pf_udp_open(&u, &uc, o->local, o->peer, NULL);
  }
  if (rv != 0) {
    if (rv == PF_ERR_INVALID_ARGUMENT) {
      cli_error("invalid address '%s'%s%s%s: expected [ADDR:]PORT, "
                "[V6ADDR]:PORT, HOST:PORT",
                o->local, o->peer ? " or peer '" : "", o->peer ? o->peer : "",
                o->peer ? "'" : "");
      ret = CLI_EXIT_USAGE;
    } else if (cli_uring_hint(o->backend, rv)) {
      cli_error("cannot use io_uring: %s; try --io=mmsg", pf_strerror(rv));
    } else {
      cli_error("cannot bind %s: %s", o->local, pf_strerror(rv));
    }
    goto out;
  }
  s.connected = o->peer != NULL;
  if (!o->quiet) {
    fprintf(stderr, "%s: listening on port %u\n", cli_prog,
            (unsigned)pf_udp_local_port(u));
    fflush(stderr);
  }

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);

  s.next_idx = FIRST_DATA_INDEX;
  s.t0 = s.last_rx = s.last_stats_ns = pf_clock_now_ns();
  next_stats = s.t0 + o->stats_interval_ns;
  for (;;) {
    uint64_t now = pf_clock_now_ns(), deadline = next_stats;
    int timeout_ms;

    if (s.got_end && s.frames + s.skipped >= s.end.frames)
      break;
    if (s.got_end && now >= s.end_at + GRACE_NS)
      break;
    if (o->idle_ns && now >= s.last_rx + o->idle_ns)
      break;
    if (stop_requested)
      break;
    if (s.got_end && s.end_at + GRACE_NS < deadline)
      deadline = s.end_at + GRACE_NS;
    if (o->idle_ns && s.last_rx + o->idle_ns < deadline)
      deadline = s.last_rx + o->idle_ns;
    for (i = 0; i < HOLD_MAX; i++)
      if (s.hold[i].used && s.hold[i].since + HOLD_NS < deadline)
        deadline = s.hold[i].since + HOLD_NS;
    timeout_ms = deadline > now ? (int)((deadline - now) / 1000000u) + 1 : 0;
    if (timeout_ms > 1000)
      timeout_ms = 1000;
    n = pf_udp_recv(u, dg, RECV_BATCH, timeout_ms);
    now = pf_clock_now_ns();
    if (n < 0) {
      if (n == -EINTR || n == -ECONNREFUSED || n == -EAGAIN)
        continue;
      cli_error("cannot receive: %s", pf_strerror(n));
      goto out;
    }
    for (i = 0; i < n; i++) {
      rv = pf_receiver_read_datagram(r, dg[i].data, dg[i].len, now);
      s.raw_datagrams++;
      if (rv != 0)
        continue;
      s.accepted++;
      if (!s.connected) {
        int c = pf_udp_connect_addr(u, &dg[i].from);
        s.connected = 1;
        if (c != 0)
          cli_error("warning: cannot lock onto the sender: %s",
                    pf_strerror(c));
      }
    }
    if (n > 0)
      s.last_rx = now;
    /* Also runs on a timeout: held frames may have waited long enough. */
    if (drain_frames(&s, o, r, &w, now) != 0)
      goto out;
    if (s.got_end && s.frames + s.skipped + s.nheld >= s.end.frames &&
        flush_all(&s, o, r, &w) != 0)
      goto out;
    if (!s.diagnosed && s.accepted == 0 && s.raw_datagrams >= DIAG_AFTER) {
      get_rstats(r, &rs);
      s.diagnosed = diagnose(&rs);
    }
    if (now >= next_stats) {
      if (s.json || s.tty)
        stats_emit(&s, r, u, 0);
      next_stats = now + o->stats_interval_ns;
    }
  }
  if (flush_all(&s, o, r, &w) != 0)
    goto out;
  if (fr_writer_finish(&w) != 0) {
    cli_error("cannot write output: %s", strerror(errno));
    goto out;
  }
  get_rstats(r, &rs);
  if (s.accepted == 0) {
    if (!s.diagnosed && !diagnose(&rs))
      cli_error("no datagrams received%s",
                stop_requested ? "" : " before the idle timeout");
    ret = CLI_EXIT_FAIL;
  } else if (!s.got_end) {
    cli_error("the end of the stream was not seen (%s); %" PRIu64
              " frames written, %" PRIu64 " known lost",
              stop_requested ? "interrupted" : "idle timeout", s.frames,
              s.lost_reported + s.skipped);
    ret = EXIT_LOST;
  } else if (s.frames < s.end.frames) {
    cli_error("%" PRIu64 " of %" PRIu64 " frames lost beyond FEC repair",
              s.end.frames - s.frames, s.end.frames);
    ret = EXIT_LOST;
  } else {
    ret = CLI_EXIT_OK;
  }
out:
  if (r && u)
    stats_emit(&s, r, u, 1);
  if (s.json && s.json != stdout)
    fclose(s.json);
  pf_udp_close(u);
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
  o.framing.mode = FR_LENGTH;
  o.fec = PF_FEC_GF8;
  o.fec_percent = PF_FEC_PERCENT_MAX;
  o.k = DEFAULT_K;
  o.shard = DEFAULT_SHARD;
  o.backend = PF_UDP_IO_URING;
  o.aead = PF_AEAD_AES128GCM;
  o.idle_ns = 10000000000ull;
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
  return run(&o);
}
