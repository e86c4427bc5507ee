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
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "framing.h"
#include "stream_opts.h"

#define RECV_BATCH 64
#define GRACE_NS 300000000u /* wait this long after END for stragglers */
#define DIAG_AFTER 32u      /* datagrams all dropped before diagnosing */
#define EXIT_LOST 3
#define HOLD_MAX 16           /* frames held back waiting for a gap */
#define HOLD_NS 200000000u    /* longest wait for a missing frame */
/* pf-send numbers its AUs from 0; its two START copies come first. */
#define FIRST_DATA_INDEX 2u

/* The shared stream options are CLI_SO_* (stream_opts.h). */
enum {
  LONG_PEER = CLI_SO_TOOL,
  LONG_IDLE,
};

static const struct option long_options[] = {
    CLI_STREAM_LONGOPTS,
    {"output", required_argument, NULL, 'o'},
    {"peer", required_argument, NULL, LONG_PEER},
    {"idle-timeout", required_argument, NULL, LONG_IDLE},
    {NULL, 0, NULL, 0},
};

struct opts {
  struct cli_stream_opts so; /* the options pf-send shares */
  const char *output, *peer, *local;
  uint64_t idle_ns;
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
  struct cli_meter m;
  uint64_t last_rx, end_at;
  uint64_t frames, bytes_out, skipped, lost_reported, accepted, ctl_frames;
  uint64_t raw_datagrams;
  int got_start, got_end, diagnosed, connected;
  struct fr_ctl start, end;
};

static void usage(FILE *f) {
  fprintf(f,
          "Usage: %s [options] [ADDR:]PORT\n"
          "Receive a punktfunk/1 stream from pf-send and write its frames "
          "to standard output.\n\n"
          "Options:\n"
          "  -o, --output FILE           write FILE instead of standard "
          "output\n"
          CLI_STREAM_HELP_FRAMING
          "      --fec-percent P         largest parity share accepted "
          "(default 90)\n"
          CLI_STREAM_HELP_GEOMETRY
          CLI_STREAM_HELP_KEY
          "      --no-encrypt            accept unsealed datagrams\n"
          CLI_STREAM_HELP_AEAD
          CLI_STREAM_HELP_IO
          "      --peer HOST:PORT        accept datagrams only from this "
          "sender\n"
          "      --idle-timeout S        exit after S seconds without "
          "datagrams (default 10; 0 = never)\n"
          "      --stats-json FILE|-     JSON-lines statistics ('-' needs "
          "--output)\n"
          CLI_STREAM_HELP_TAIL
          "\nExit status: 0 all frames written, 3 frames lost, 1 failure, "
          "2 usage.  See pf-recv(1).\n",
          cli_prog, CLI_STREAM_DEFAULT_K, CLI_STREAM_DEFAULT_SHARD);
}

static int usage_error(void) {
  usage(stderr);
  return CLI_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct opts *o, int *done) {
  static char local[PF_UDP_ADDRSTRLEN + 2];
  const char *a;
  int c, status;

  while ((c = cli_stream_getopt(argc, argv, "hVo:" CLI_STREAM_SHORTOPTS,
                                long_options, &o->so, usage, &status)) !=
         -1) {
    switch (c) {
    case 'o':
      o->output = optarg;
      break;
    case LONG_PEER:
      o->peer = optarg;
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
  double el, rate, inst;
  char rb[32];

  get_rstats(r, &rs);
  memset(&us, 0, sizeof(us));
  us.struct_size = sizeof(us);
  if (pf_udp_get_stats(u, &us) != 0)
    memset(&us, 0, sizeof(us));
  cli_meter_rates(&s->m, now, rs.bytes_received, &el, &rate, &inst);
  if (s->m.json) {
    fprintf(s->m.json,
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
    fflush(s->m.json);
  }
  if (final && !s->m.quiet) {
    cli_format_rate(rate, rb, sizeof(rb));
    if (s->m.tty)
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
  } else if (!final && s->m.tty) {
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
  uint32_t arg = cli_stream_framing_arg(&o->so);

  if (first && first->stream_id != c->stream_id)
    return 0; /* another run of pf-send: not ours */
  s->ctl_frames++;
  if (!first) {
    if (c->fec != o->so.fec && c->fec != FR_CTL_FEC_NONE &&
        o->so.fec != FR_CTL_FEC_NONE) {
      cli_error("fec mismatch: the sender uses --fec %s, this side --fec %s",
                cli_stream_fec_name(c->fec),
                cli_stream_fec_name(o->so.fec));
      return -1;
    }
    if (c->framing != (uint32_t)o->so.framing.mode ||
        c->framing_arg != arg) {
      cli_error("framing mismatch: the sender uses --framing %s%s, this side "
                "--framing %s%s (check --framing/--codec on both sides)",
                fr_mode_name((int)c->framing),
                c->framing == FR_ANNEXB ? (c->framing_arg ? " --codec h265"
                                                          : " --codec h264")
                                        : "",
                fr_mode_name(o->so.framing.mode),
                o->so.framing.mode == FR_ANNEXB
                    ? (arg ? " --codec h265" : " --codec h264")
                    : "");
      return -1;
    }
    if (c->shard_payload != o->so.shard ||
        c->max_data_per_block != o->so.k) {
      cli_error("geometry mismatch: the sender uses --shard-size %u "
                "--max-data-per-block %u, this side %u and %u",
                c->shard_payload, c->max_data_per_block, o->so.shard,
                o->so.k);
      return -1;
    }
    if (o->so.framing.mode == FR_IVF)
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

  if (o->so.framing.mode == FR_IVF && w->have_ivf_header)
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
          handle_ctl(s, o, w, &c, now) != 0) {
        /* A mismatch: frames that completed in the same batch must not
         * be written either (they were cut for other parameters). */
        s->failed = 1;
        rv = -1;
      }
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

  memset(&s, 0, sizeof(s));
  rv = cli_stream_load_key(&o->so, &key, "accept unsealed datagrams", usage,
                           1);
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
  if (cli_meter_open(&s.m, &o->so) != 0)
    goto out;
  cli_pipe_grow(fd, PIPE_BYTES);
  fr_writer_init(&w, &o->so.framing, fd);

  pf_receiver_config_default(&rc);
  rc.fec_scheme = cli_stream_fec_scheme(&o->so);
  rc.shard_payload = o->so.shard;
  rc.max_data_per_block = o->so.k;
  rc.max_fec_percent = o->so.fec_percent;
  rc.max_frame_bytes = cli_stream_max_frame_bytes(&o->so);
  rc.peer_direction = PF_DIR_HOST;
  if (!o->so.no_encrypt)
    cli_stream_key_copy(&key, &rc.aead, rc.key, &rc.key_len, rc.salt);
  rv = pf_receiver_new(&r, &rc, NULL);
  cli_wipe(&rc, sizeof(rc));
  cli_wipe(&key, sizeof(key));
  if (rv != 0) {
    cli_error("cannot set up the receiver (shard size %u, %u data shards "
              "per block, fec %s): %s",
              o->so.shard, o->so.k, cli_stream_fec_name(o->so.fec),
              pf_strerror(rv));
    ret = rv == PF_ERR_INVALID_ARGUMENT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    goto out;
  }

  rv = cli_stream_udp_open(&u, &uc, &o->so, PF_PKT_MAX_DATAGRAM, o->local,
                           o->peer,
                           "warning: no UDP GRO in this kernel; receiving "
                           "datagram by datagram");
  if (rv != 0) {
    if (rv == PF_ERR_INVALID_ARGUMENT) {
      cli_error("invalid address '%s'%s%s%s: expected [ADDR:]PORT, "
                "[V6ADDR]:PORT, HOST:PORT",
                o->local, o->peer ? " or peer '" : "", o->peer ? o->peer : "",
                o->peer ? "'" : "");
      ret = CLI_EXIT_USAGE;
    } else if (cli_uring_hint(o->so.backend, rv)) {
      cli_error("cannot use io_uring: %s; try --io=mmsg", pf_strerror(rv));
    } else {
      cli_error("cannot bind %s: %s", o->local, pf_strerror(rv));
    }
    goto out;
  }
  s.connected = o->peer != NULL;
  if (!o->so.quiet) {
    fprintf(stderr, "%s: listening on port %u\n", cli_prog,
            (unsigned)pf_udp_local_port(u));
    fflush(stderr);
  }

  cli_catch_stop_signals();

  s.next_idx = FIRST_DATA_INDEX;
  s.m.t0 = s.last_rx = s.m.last_ns = pf_clock_now_ns();
  next_stats = s.m.t0 + o->so.stats_interval_ns;
  for (;;) {
    uint64_t now = pf_clock_now_ns(), deadline = next_stats;
    int timeout_ms;

    if (s.got_end && s.frames + s.skipped >= s.end.frames)
      break;
    if (s.got_end && now >= s.end_at + GRACE_NS)
      break;
    if (o->idle_ns && now >= s.last_rx + o->idle_ns)
      break;
    if (cli_stop_requested)
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
      if (s.m.json || s.m.tty)
        stats_emit(&s, r, u, 0);
      next_stats = now + o->so.stats_interval_ns;
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
                cli_stop_requested ? "" : " before the idle timeout");
    ret = CLI_EXIT_FAIL;
  } else if (!s.got_end) {
    cli_error("the end of the stream was not seen (%s); %" PRIu64
              " frames written, %" PRIu64 " known lost",
              cli_stop_requested ? "interrupted" : "idle timeout", s.frames,
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
  rv = parse_args(argc, argv, &o, &done);
  if (rv != CLI_EXIT_OK || done)
    return rv;
  if (cli_stream_opts_finish(&o.so) != 0)
    return usage_error();
  return run(&o);
}
