/*
 * pf-loss.c -- loss-resilience sweeps, a live UDP impairment relay, and
 * an offline record dropper for shard streams (issue #8).
 *
 *   pf-loss sweep   runs the library's sender and receiver in process
 *                   through a seeded lossy channel (pf-loss-sweep.c)
 *   pf-loss relay   forwards UDP both ways and impairs it
 *                   (pf-loss-relay.c)
 *   pf-loss drop    deletes records of a pf-fec shard stream (here)
 *
 * This file parses the command line for all three (one option table,
 * so the man-page test sees every option) and implements drop.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-loss.h"

/* Options; each command accepts a subset (struct command.allowed). */
enum {
  OPT_MODEL = 1u << 0,
  OPT_PERIOD = 1u << 1,
  OPT_LOSS = 1u << 2,
  OPT_BURST = 1u << 3,
  OPT_PER_BLOCK = 1u << 4,
  OPT_FEC = 1u << 5,
  OPT_K = 1u << 6,
  OPT_CODE = 1u << 7,
  OPT_FRAME_SIZE = 1u << 8,
  OPT_FRAMES = 1u << 9,
  OPT_SHARD = 1u << 10,
  OPT_REORDER = 1u << 11,
  OPT_DUP = 1u << 12,
  OPT_SEED = 1u << 13,
  OPT_FORMAT = 1u << 14,
  OPT_PLOT = 1u << 15,
  OPT_MDS = 1u << 16,
  OPT_AEAD = 1u << 17,
  OPT_QUIET = 1u << 18,
  OPT_LISTEN = 1u << 19,
  OPT_TO = 1u << 20,
  OPT_DIR = 1u << 21,
  OPT_DELAY = 1u << 22,
  OPT_JITTER = 1u << 23,
  OPT_RATE = 1u << 24,
  OPT_BO_AFTER = 1u << 25,
  OPT_BO_FOR = 1u << 26,
  OPT_DURATION = 1u << 27,
  OPT_STATS = 1u << 28,
  OPT_IO = 1u << 29,
  OPT_QUEUE = 1u << 30,
};
/* Past the enum: 1u << 31 is no int. */
#define OPT_WAKE_EARLY (1u << 31)

enum {
  LONG_MODEL = 256,
  LONG_PERIOD,
  LONG_LOSS,
  LONG_BURST,
  LONG_PER_BLOCK,
  LONG_FEC,
  LONG_CODE,
  LONG_FRAME_SIZE,
  LONG_FRAMES,
  LONG_SHARD,
  LONG_REORDER,
  LONG_DUP,
  LONG_SEED,
  LONG_FORMAT,
  LONG_PLOT,
  LONG_MDS,
  LONG_AEAD,
  LONG_LISTEN,
  LONG_TO,
  LONG_DIR,
  LONG_DELAY,
  LONG_JITTER,
  LONG_RATE,
  LONG_BO_AFTER,
  LONG_BO_FOR,
  LONG_DURATION,
  LONG_STATS,
  LONG_IO,
  LONG_QUEUE,
  LONG_WAKE_EARLY,
};

/* One table for every command, so the man-page test sees all options. */
static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"quiet", no_argument, NULL, 'q'},
    {"model", required_argument, NULL, LONG_MODEL},
    {"period", required_argument, NULL, LONG_PERIOD},
    {"loss", required_argument, NULL, LONG_LOSS},
    {"rate", required_argument, NULL, LONG_RATE},
    {"burst", required_argument, NULL, LONG_BURST},
    {"per-block", required_argument, NULL, LONG_PER_BLOCK},
    {"fec-percent", required_argument, NULL, LONG_FEC},
    {"data-shards", required_argument, NULL, 'k'},
    {"code", required_argument, NULL, LONG_CODE},
    {"frame-size", required_argument, NULL, LONG_FRAME_SIZE},
    {"frames", required_argument, NULL, LONG_FRAMES},
    {"shard-size", required_argument, NULL, LONG_SHARD},
    {"reorder", required_argument, NULL, LONG_REORDER},
    {"duplicate", required_argument, NULL, LONG_DUP},
    {"seed", required_argument, NULL, LONG_SEED},
    {"format", required_argument, NULL, LONG_FORMAT},
    {"plot", required_argument, NULL, LONG_PLOT},
    {"expect-mds", no_argument, NULL, LONG_MDS},
    {"aead", required_argument, NULL, LONG_AEAD},
    {"listen", required_argument, NULL, LONG_LISTEN},
    {"to", required_argument, NULL, LONG_TO},
    {"dir", required_argument, NULL, LONG_DIR},
    {"delay", required_argument, NULL, LONG_DELAY},
    {"jitter", required_argument, NULL, LONG_JITTER},
    {"blackout-after", required_argument, NULL, LONG_BO_AFTER},
    {"for", required_argument, NULL, LONG_BO_FOR},
    {"duration", required_argument, NULL, LONG_DURATION},
    {"stats-json", required_argument, NULL, LONG_STATS},
    {"io", required_argument, NULL, LONG_IO},
    {"queue", required_argument, NULL, LONG_QUEUE},
    {"wake-early", required_argument, NULL, LONG_WAKE_EARLY},
    {NULL, 0, NULL, 0},
};

struct command {
  const char *name;
  int (*run)(const struct loss_opts *o);
  unsigned allowed;
  const char *synopsis;
  const char *summary;
};

static int cmd_sweep(const struct loss_opts *o) { return loss_sweep(o); }
static int cmd_relay(const struct loss_opts *o) { return loss_relay(o); }
static int cmd_drop(const struct loss_opts *o);

static const struct command commands[] = {
    {"sweep", cmd_sweep,
     OPT_MODEL | OPT_PERIOD | OPT_LOSS | OPT_BURST | OPT_PER_BLOCK | OPT_FEC |
         OPT_K | OPT_CODE | OPT_FRAME_SIZE | OPT_FRAMES | OPT_SHARD |
         OPT_REORDER | OPT_DUP | OPT_SEED | OPT_FORMAT | OPT_PLOT | OPT_MDS |
         OPT_AEAD | OPT_QUIET,
     "[--model periodic|bernoulli|gilbert|per-block] [--period N,...]\n"
     "         [--loss P,...] [--burst L,...] [--per-block N,...]\n"
     "         [--fec-percent PCT,...] [-k K,...] [--code gf8,gf16]\n"
     "         [--frame-size BYTES,...] [--frames N] [--shard-size N]\n"
     "         [--reorder P] [--duplicate P] [--aead NAME|none] [--seed N]\n"
     "         [--format table|csv|json] [--plot FILE.svg] [--expect-mds] "
     "[-q]",
     "sweep loss against FEC through the real sender and receiver"},
    {"relay", cmd_relay,
     OPT_LISTEN | OPT_TO | OPT_DIR | OPT_LOSS | OPT_BURST | OPT_PERIOD |
         OPT_DELAY | OPT_JITTER | OPT_REORDER | OPT_DUP | OPT_RATE |
         OPT_BO_AFTER | OPT_BO_FOR | OPT_SEED | OPT_DURATION | OPT_STATS |
         OPT_IO | OPT_QUEUE | OPT_WAKE_EARLY | OPT_QUIET,
     "--listen [ADDR:]PORT --to HOST:PORT [--dir to|from|both]\n"
     "         [--loss P [--burst L] | --period N] [--delay T] [--jitter T]\n"
     "         [--reorder P] [--duplicate P] [--rate BITS]\n"
     "         [--blackout-after T --for T] [--seed N] [--duration T]\n"
     "         [--stats-json FILE] [--io mmsg|uring] [--queue N]\n"
     "         [--wake-early T] [-q]",
     "forward UDP both ways, impairing one or both directions"},
    {"drop", cmd_drop,
     OPT_RATE | OPT_LOSS | OPT_BURST | OPT_PERIOD | OPT_PER_BLOCK |
         OPT_SEED | OPT_QUIET,
     "--rate P [--burst L] | --period N | --per-block N [--seed N] [-q]",
     "drop records of a pf-fec shard stream (stdin to stdout)"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f) {
  size_t i;

  fprintf(f, "Usage: %s <command> [options]\n\n", cli_prog);
  fprintf(f, "Commands:\n");
  for (i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-6s %s\n", commands[i].name, commands[i].summary);
  fprintf(f,
          "\nCommon options:\n"
          "  --seed N      seed of every random choice (printed; default "
          "random)\n"
          "  -q, --quiet   no progress or informational messages\n"
          "  -h, --help    show this help\n"
          "  -V, --version show the version\n"
          "\nRun '%s <command> --help' for one command's options; see "
          "pf-loss(1).\n",
          cli_prog);
}

static unsigned option_bit(int c);

static struct cli_command_ctx command_ctx(const struct command *c) {
  struct cli_command_ctx ctx = {c->name, c->synopsis, c->summary, c->allowed,
                                option_bit};
  return ctx;
}

static void command_usage(FILE *f, const struct command *c) {
  struct cli_command_ctx ctx = command_ctx(c);
  cli_command_usage(f, &ctx);
}

static unsigned option_bit(int c) {
  switch (c) {
  case 'q':
    return OPT_QUIET;
  case 'k':
    return OPT_K;
  case LONG_MODEL:
    return OPT_MODEL;
  case LONG_PERIOD:
    return OPT_PERIOD;
  case LONG_LOSS:
    return OPT_LOSS;
  case LONG_BURST:
    return OPT_BURST;
  case LONG_PER_BLOCK:
    return OPT_PER_BLOCK;
  case LONG_FEC:
    return OPT_FEC;
  case LONG_CODE:
    return OPT_CODE;
  case LONG_FRAME_SIZE:
    return OPT_FRAME_SIZE;
  case LONG_FRAMES:
    return OPT_FRAMES;
  case LONG_SHARD:
    return OPT_SHARD;
  case LONG_REORDER:
    return OPT_REORDER;
  case LONG_DUP:
    return OPT_DUP;
  case LONG_SEED:
    return OPT_SEED;
  case LONG_FORMAT:
    return OPT_FORMAT;
  case LONG_PLOT:
    return OPT_PLOT;
  case LONG_MDS:
    return OPT_MDS;
  case LONG_AEAD:
    return OPT_AEAD;
  case LONG_LISTEN:
    return OPT_LISTEN;
  case LONG_TO:
    return OPT_TO;
  case LONG_DIR:
    return OPT_DIR;
  case LONG_DELAY:
    return OPT_DELAY;
  case LONG_JITTER:
    return OPT_JITTER;
  case LONG_RATE:
    return OPT_RATE;
  case LONG_BO_AFTER:
    return OPT_BO_AFTER;
  case LONG_BO_FOR:
    return OPT_BO_FOR;
  case LONG_DURATION:
    return OPT_DURATION;
  case LONG_STATS:
    return OPT_STATS;
  case LONG_IO:
    return OPT_IO;
  case LONG_QUEUE:
    return OPT_QUEUE;
  case LONG_WAKE_EARLY:
    return OPT_WAKE_EARLY;
  default:
    return 0;
  }
}

/* ---------------------------------------------------------- list parsing */

enum item_kind { ITEM_U32, ITEM_SIZE, ITEM_PROB, ITEM_REAL };

/*
 * Parses "a,b,c" into |out| (u32 or double per |kind|); at most |cap|
 * items.  Returns the count or -1 after an error message.
 */
static int parse_items(const char *str, enum item_kind kind, double min,
                       double max, const char *what, void *out, size_t cap) {
  char buf[1024], *p, *save = NULL;
  size_t n = 0;
  uint64_t u;
  double d;

  if (strlen(str) >= sizeof(buf) || str[0] == '\0' ||
      str[strlen(str) - 1] == ',' || strstr(str, ",,")) {
    cli_error("invalid %s '%s': expected a comma-separated list", what, str);
    return -1;
  }
  strcpy(buf, str);
  for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
    if (n >= cap) {
      cli_error("invalid %s '%s': at most %zu values", what, str, cap);
      return -1;
    }
    switch (kind) {
    case ITEM_U32:
      if (cli_parse_u64(p, (uint64_t)min, (uint64_t)max, what, &u) != 0)
        return -1;
      ((uint32_t *)out)[n] = (uint32_t)u;
      break;
    case ITEM_SIZE:
      if (cli_parse_size(p, (uint64_t)min, (uint64_t)max, what, &u) != 0)
        return -1;
      ((uint32_t *)out)[n] = (uint32_t)u;
      break;
    case ITEM_PROB:
      if (lm_parse_prob(p, max, what, &d) != 0)
        return -1;
      ((double *)out)[n] = d;
      break;
    case ITEM_REAL:
      if (lm_parse_real(p, min, max, what, &d) != 0)
        return -1;
      ((double *)out)[n] = d;
      break;
    }
    n++;
  }
  return (int)n;
}

static int parse_model(const char *s, enum lm_kind *k) {
  if (strcmp(s, "periodic") == 0)
    *k = LM_PERIODIC;
  else if (strcmp(s, "bernoulli") == 0)
    *k = LM_BERNOULLI;
  else if (strcmp(s, "gilbert") == 0 || strcmp(s, "gilbert-elliott") == 0)
    *k = LM_GILBERT;
  else if (strcmp(s, "per-block") == 0)
    *k = LM_PER_BLOCK;
  else {
    cli_error("invalid model '%s': expected periodic, bernoulli, gilbert or "
              "per-block",
              s);
    return -1;
  }
  return 0;
}

static int parse_options(const struct command *cmd, int argc, char **argv,
                         struct loss_opts *o, unsigned *given, int *done) {
  const struct cli_command_ctx ctx = command_ctx(cmd);
  int c, n, rv;
  unsigned bit = 0;
  const int sweep = cmd->run == cmd_sweep;

  opterr = 0;
  optind = 1;
  while ((c = cli_command_next_opt(argc, argv, "+:hVqk:", long_options,
                                   &ctx, &bit, &rv)) > 0) {
    *given |= bit;
    switch (c) {
    case 'q':
      o->quiet = 1;
      break;
    case LONG_MODEL:
      if (parse_model(optarg, &o->model.kind) != 0)
        return CLI_EXIT_USAGE;
      o->model_given = 1;
      break;
    case LONG_PERIOD:
      n = parse_items(optarg, ITEM_U32, sweep ? 0 : 1, 1000000000,
                      "drop period", o->periods, LOSS_MAX_LIST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      o->nperiods = (size_t)n;
      break;
    case LONG_LOSS:
      n = parse_items(optarg, ITEM_PROB, 0, 1, "loss", o->losses,
                      LOSS_MAX_LIST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      o->nlosses = (size_t)n;
      break;
    case LONG_RATE:
      if (cmd->run == cmd_drop) {
        n = parse_items(optarg, ITEM_PROB, 0, 1, "drop rate", o->losses,
                        LOSS_MAX_LIST);
        if (n < 0)
          return CLI_EXIT_USAGE;
        o->nlosses = (size_t)n;
      } else if (cli_parse_rate(optarg, "rate", &o->rate_bps) != 0)
        return CLI_EXIT_USAGE;
      break;
    case LONG_BURST:
      n = parse_items(optarg, ITEM_REAL, 1, 1000000, "mean burst length",
                      o->bursts, LOSS_MAX_LIST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      o->nbursts = (size_t)n;
      break;
    case LONG_PER_BLOCK:
      n = parse_items(optarg, ITEM_U32, 0, PF_FEC16_MAX_SHARDS,
                      "losses per block", o->per_blocks, LOSS_MAX_LIST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      o->nper_blocks = (size_t)n;
      break;
    case LONG_FEC:
      n = parse_items(optarg, ITEM_U32, 0, PF_FEC_PERCENT_MAX, "FEC percent",
                      o->fecs, LOSS_MAX_LIST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      o->nfecs = (size_t)n;
      break;
    case 'k':
      n = parse_items(optarg, ITEM_U32, 1, PF_FEC16_MAX_SHARDS - 2,
                      "data shards per block", o->kmaxs, LOSS_MAX_LIST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      o->nkmaxs = (size_t)n;
      break;
    case LONG_CODE: {
      char buf[64], *p, *save = NULL;
      size_t i;

      o->ncodes = 0;
      if (strlen(optarg) >= sizeof(buf) || !*optarg) {
        cli_error("invalid code '%s': expected gf8, gf16 or gf8,gf16",
                  optarg);
        return CLI_EXIT_USAGE;
      }
      strcpy(buf, optarg);
      for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        uint32_t fec_scheme;
        if (strcmp(p, "gf8") == 0)
          fec_scheme = PF_FEC_GF8;
        else if (strcmp(p, "gf16") == 0)
          fec_scheme = PF_FEC_GF16;
        else {
          cli_error("invalid code '%s': expected gf8, gf16 or gf8,gf16",
                    optarg);
          return CLI_EXIT_USAGE;
        }
        for (i = 0; i < o->ncodes; i++)
          if (o->codes[i] == fec_scheme)
            break;
        if (i == o->ncodes && o->ncodes < 2)
          o->codes[o->ncodes++] = fec_scheme;
      }
      if (o->ncodes == 0) {
        cli_error("invalid code '%s': expected gf8, gf16 or gf8,gf16",
                  optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    }
    case LONG_FRAME_SIZE:
      n = parse_items(optarg, ITEM_SIZE, 0, 64u * 1024 * 1024, "frame size",
                      o->frame_sizes, LOSS_MAX_LIST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      o->nframe_sizes = (size_t)n;
      break;
    case LONG_FRAMES:
      if (cli_parse_u32(optarg, 1, 1000000, "frame count", &o->frames) != 0)
        return CLI_EXIT_USAGE;
      break;
    case LONG_SHARD:
      if (cli_parse_u32(optarg, 2, PF_PKT_MAX_SHARD_PAYLOAD, "shard size",
                        &o->shard_size) != 0)
        return CLI_EXIT_USAGE;
      if (o->shard_size % 2) {
        cli_error("invalid shard size '%s': must be even", optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    case LONG_REORDER:
      if (lm_parse_prob(optarg, 1, "reorder probability", &o->reorder) != 0)
        return CLI_EXIT_USAGE;
      break;
    case LONG_DUP:
      if (lm_parse_prob(optarg, 1, "duplicate probability", &o->duplicate) !=
          0)
        return CLI_EXIT_USAGE;
      break;
    case LONG_SEED:
      if (cli_parse_u64(optarg, 0, UINT64_MAX, "seed", &o->seed) != 0)
        return CLI_EXIT_USAGE;
      break;
    case LONG_FORMAT:
      if (strcmp(optarg, "table") == 0)
        o->format = FMT_TABLE;
      else if (strcmp(optarg, "csv") == 0)
        o->format = FMT_CSV;
      else if (strcmp(optarg, "json") == 0)
        o->format = FMT_JSON;
      else {
        cli_error("invalid format '%s': expected table, csv or json", optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    case LONG_PLOT:
      o->plot = optarg;
      break;
    case LONG_MDS:
      o->expect_mds = 1;
      break;
    case LONG_AEAD:
      if (strcmp(optarg, "none") == 0)
        o->aead = PF_AEAD_NONE;
      else if (strcmp(optarg, "aes128gcm") == 0)
        o->aead = PF_AEAD_AES128GCM;
      else if (strcmp(optarg, "chacha20poly1305") == 0)
        o->aead = PF_AEAD_CHACHA20POLY1305;
      else {
        cli_error("invalid aead '%s': expected aes128gcm, chacha20poly1305 "
                  "or none",
                  optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    case LONG_LISTEN:
      o->listen = optarg;
      break;
    case LONG_TO:
      o->to = optarg;
      break;
    case LONG_DIR:
      if (strcmp(optarg, "to") == 0)
        o->dir = DIR_TO;
      else if (strcmp(optarg, "from") == 0)
        o->dir = DIR_FROM;
      else if (strcmp(optarg, "both") == 0)
        o->dir = DIR_TO | DIR_FROM;
      else {
        cli_error("invalid direction '%s': expected to, from or both",
                  optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    case LONG_DELAY:
      if (lm_parse_duration(optarg, 60, "delay", &o->delay_ns) != 0)
        return CLI_EXIT_USAGE;
      break;
    case LONG_JITTER:
      if (lm_parse_duration(optarg, 60, "jitter", &o->jitter_ns) != 0)
        return CLI_EXIT_USAGE;
      break;
    case LONG_BO_AFTER:
      if (lm_parse_duration(optarg, 86400, "blackout start",
                            &o->blackout_after_ns) != 0)
        return CLI_EXIT_USAGE;
      break;
    case LONG_BO_FOR:
      if (lm_parse_duration(optarg, 86400, "blackout length",
                            &o->blackout_for_ns) != 0)
        return CLI_EXIT_USAGE;
      break;
    case LONG_DURATION:
      if (lm_parse_duration(optarg, 31536000, "duration", &o->duration_ns) !=
          0)
        return CLI_EXIT_USAGE;
      if (o->duration_ns == 0) {
        cli_error("invalid duration '%s': must be more than 0", optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    case LONG_STATS:
      o->stats_json = optarg;
      break;
    case LONG_IO: {
      int b = cli_udp_backend_parse(optarg);
      if (b < 0) {
        cli_error("invalid I/O backend '%s': expected mmsg or uring", optarg);
        return CLI_EXIT_USAGE;
      }
      o->io = (uint32_t)b;
      break;
    }
    case LONG_QUEUE:
      if (cli_parse_u32(optarg, 1, 1000000, "queue length", &o->queue) != 0)
        return CLI_EXIT_USAGE;
      break;
    case LONG_WAKE_EARLY:
      if (lm_parse_duration(optarg, 0.01, "wake-early time",
                            &o->wake_early_ns) != 0)
        return CLI_EXIT_USAGE;
      break;
    default:
      command_usage(stderr, cmd);
      return CLI_EXIT_USAGE;
    }
  }
  if (c == CLI_OPT_STOP) {
    *done = rv == CLI_EXIT_OK;
    return rv;
  }
  return CLI_EXIT_OK;
}

/* Exactly one value for a relay / drop option. */
static int single(size_t n, const char *opt) {
  if (n > 1) {
    cli_error("--%s takes one value here, not a list", opt);
    return -1;
  }
  return 0;
}

/*
 * Picks the loss model of relay and drop from the options: --loss/--rate
 * (with --burst: Gilbert-Elliott), --period or --per-block, at most one.
 */
static int pick_model(const struct command *cmd, struct loss_opts *o) {
  int kinds = !!o->nlosses + !!o->nperiods + !!o->nper_blocks;

  if (single(o->nlosses, cmd->run == cmd_drop ? "rate" : "loss") ||
      single(o->nbursts, "burst") || single(o->nperiods, "period") ||
      single(o->nper_blocks, "per-block"))
    return -1;
  if (kinds > 1) {
    cli_error("choose one loss model: --%s, --period or --per-block",
              cmd->run == cmd_drop ? "rate" : "loss");
    return -1;
  }
  if (o->nbursts && !o->nlosses) {
    cli_error("--burst needs --%s (the mean loss of the bursts)",
              cmd->run == cmd_drop ? "rate" : "loss");
    return -1;
  }
  memset(&o->model, 0, sizeof(o->model));
  if (o->nlosses) {
    o->model.kind = o->nbursts ? LM_GILBERT : LM_BERNOULLI;
    o->model.p = o->losses[0];
    o->model.burst = o->nbursts ? o->bursts[0] : 1;
    if (o->model.kind == LM_GILBERT && o->model.p >= 1) {
      cli_error("--burst needs a mean loss below 100%%");
      return -1;
    }
  } else if (o->nperiods) {
    o->model.kind = LM_PERIODIC;
    o->model.period = o->periods[0];
  } else if (o->nper_blocks) {
    o->model.kind = LM_PER_BLOCK;
    o->model.per_block = o->per_blocks[0];
  } else if (cmd->run == cmd_drop) {
    cli_error("drop needs a model: --rate P, --period N or --per-block N");
    return -1;
  }
  return 0;
}

/* Cross-option checks; fills defaults.  Returns 0 or CLI_EXIT_USAGE. */
static int check_options(const struct command *cmd, struct loss_opts *o,
                         unsigned given) {
  if (!(given & OPT_SEED))
    o->seed = lm_seed_random();
  if (cmd->run == cmd_sweep) {
    enum lm_kind k = o->model.kind;
    if (!o->model_given)
      k = o->nper_blocks ? LM_PER_BLOCK
          : o->nbursts   ? LM_GILBERT
          : o->nlosses   ? LM_BERNOULLI
                         : LM_PERIODIC;
    o->model.kind = k;
    if ((k == LM_PERIODIC && (o->nlosses || o->nper_blocks)) ||
        (k == LM_BERNOULLI && (o->nperiods || o->nper_blocks || o->nbursts)) ||
        (k == LM_GILBERT && (o->nperiods || o->nper_blocks)) ||
        (k == LM_PER_BLOCK && (o->nperiods || o->nlosses || o->nbursts))) {
      cli_error("the %s model does not use the other models' options "
                "(--period, --loss, --burst, --per-block)",
                lm_kind_name(k));
      return CLI_EXIT_USAGE;
    }
    if (k == LM_PERIODIC && !o->nperiods) {
      static const uint32_t def[] = {0, 32, 16, 8, 6, 4, 3, 2};
      memcpy(o->periods, def, sizeof(def));
      o->nperiods = 8;
    }
    if ((k == LM_BERNOULLI || k == LM_GILBERT) && !o->nlosses) {
      static const double def[] = {0, 0.01, 0.02, 0.05, 0.1,
                                   0.15, 0.2, 0.25, 0.3};
      memcpy(o->losses, def, sizeof(def));
      o->nlosses = 9;
    }
    if (k == LM_GILBERT) {
      size_t i;
      if (!o->nbursts) {
        o->bursts[0] = 4;
        o->nbursts = 1;
      }
      for (i = 0; i < o->nlosses; i++)
        if (o->losses[i] >= 1) {
          cli_error("the gilbert model needs losses below 100%%");
          return CLI_EXIT_USAGE;
        }
    }
    if (k == LM_PER_BLOCK && !o->nper_blocks) {
      static const uint32_t def[] = {0, 4, 8, 12, 16, 20, 24, 32};
      memcpy(o->per_blocks, def, sizeof(def));
      o->nper_blocks = 8;
    }
    if (k != LM_GILBERT && !o->nbursts) {
      o->bursts[0] = 1;
      o->nbursts = 1;
    }
    return 0;
  }
  if (pick_model(cmd, o) != 0)
    return CLI_EXIT_USAGE;
  if (cmd->run == cmd_relay) {
    if (!o->listen || !o->to) {
      cli_error("relay needs --listen [ADDR:]PORT and --to HOST:PORT");
      return CLI_EXIT_USAGE;
    }
    if (!!(given & OPT_BO_AFTER) != !!(given & OPT_BO_FOR)) {
      cli_error("a blackout needs both --blackout-after T and --for T");
      return CLI_EXIT_USAGE;
    }
    o->blackout = !!(given & OPT_BO_FOR) && o->blackout_for_ns > 0;
  }
  return 0;
}

/* ------------------------------------------------------------------ drop */

#define DROP_BUF (2 * PF_SHARD_MAX_RECORD_BYTES)

/*
 * Copies the shard stream on stdin to stdout, leaving out the records
 * the model drops.  Records are walked with the library's record codec;
 * payloads are not checked (damage is pf-fec decode's business), only
 * headers, whose lengths must be trusted to find the next record.
 */
static int cmd_drop(const struct loss_opts *o) {
  uint8_t *buf = NULL, *mask = NULL;
  size_t have = 0;
  uint64_t offset = 0, records = 0, dropped = 0, blocks = 0, cur_block = 0;
  int in_block = 0, rv = CLI_EXIT_FAIL, eof = 0;
  lm_state st;
  pf_shard_record rec;

  if (cli_refuse_tty(STDOUT_FILENO, "a shard stream") != 0)
    return CLI_EXIT_USAGE;
  lm_state_init(&st, o->seed);
  buf = malloc(DROP_BUF);
  mask = calloc(PF_FEC16_MAX_SHARDS, 1);
  if (!buf || !mask) {
    cli_error("drop: out of memory");
    goto out;
  }
  for (;;) {
    size_t need;
    int r, drop;

    /* Fill the buffer to one whole record (or end of input). */
    if (have < PF_SHARD_HEADER_BYTES && !eof) {
      ssize_t n = cli_read_full(STDIN_FILENO, buf + have,
                                PF_SHARD_HEADER_BYTES - have);
      if (n < 0) {
        cli_error("drop: cannot read standard input: %s", strerror(errno));
        goto out;
      }
      have += (size_t)n;
      if (have < PF_SHARD_HEADER_BYTES)
        eof = 1;
    }
    if (have == 0)
      break;
    r = pf_shard_header_parse(&rec, buf, have);
    if (r == PF_ERR_NOBUF) {
      cli_error("drop: truncated record header at offset %" PRIu64
                " (%zu bytes)",
                offset, have);
      goto out;
    }
    if (r < 0) {
      cli_error("drop: bad record header at offset %" PRIu64 ": %s%s", offset,
                pf_strerror(r),
                offset == 0 ? " (is this a pf-fec shard stream?)" : "");
      goto out;
    }
    need = PF_SHARD_HEADER_BYTES + rec.shard_bytes;
    if (have < need) {
      ssize_t n = cli_read_full(STDIN_FILENO, buf + have, need - have);
      if (n < 0) {
        cli_error("drop: cannot read standard input: %s", strerror(errno));
        goto out;
      }
      have += (size_t)n;
      if (have < need) {
        cli_error("drop: truncated record at offset %" PRIu64
                  ": %zu of %zu bytes",
                  offset, have, need);
        goto out;
      }
    }
    if (!in_block || rec.block != cur_block) {
      in_block = 1;
      cur_block = rec.block;
      blocks++;
      if (o->model.kind == LM_PER_BLOCK)
        lm_block_mask(&st, mask, rec.data_shards + rec.parity_shards,
                      o->model.per_block);
    }
    if (o->model.kind == LM_PER_BLOCK)
      drop = rec.index < rec.data_shards + rec.parity_shards &&
             mask[rec.index];
    else
      drop = lm_drop(&o->model, &st);
    records++;
    if (drop)
      dropped++;
    else if (cli_write_all(STDOUT_FILENO, buf, need) != 0) {
      cli_error("drop: cannot write standard output: %s", strerror(errno));
      goto out;
    }
    offset += need;
    have = 0;
  }
  rv = CLI_EXIT_OK;
out:
  if (!o->quiet || rv != CLI_EXIT_OK)
    fprintf(stderr,
            "%s: drop: %s model, seed %" PRIu64 ": records %" PRIu64
            " kept %" PRIu64 " dropped %" PRIu64 " (%.1f%%) in %" PRIu64
            " blocks\n",
            cli_prog, lm_kind_name(o->model.kind), o->seed, records,
            records - dropped, dropped,
            records ? 100.0 * (double)dropped / (double)records : 0.0,
            blocks);
  free(buf);
  free(mask);
  return rv;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv) {
  const struct command *cmd;
  long idx;
  static struct loss_opts o;
  unsigned given = 0;
  int done = 0, rv;

  cli_init("pf-loss");
  idx = cli_command_find(argc, argv, long_options, commands,
                         sizeof(commands[0]), NCOMMANDS, usage, &rv);
  if (idx < 0)
    return rv;
  cmd = &commands[idx];
  memset(&o, 0, sizeof(o));
  o.frames = 50;
  o.shard_size = 1024;
  o.aead = PF_AEAD_AES128GCM;
  o.dir = DIR_TO;
  o.io = PF_UDP_IO_MMSG;
  o.queue = 4096;
  o.wake_early_ns = 150000;
  o.fecs[0] = 25;
  o.nfecs = 1;
  o.kmaxs[0] = 64;
  o.nkmaxs = 1;
  o.codes[0] = PF_FEC_GF8;
  o.codes[1] = PF_FEC_GF16;
  o.ncodes = 2;
  o.frame_sizes[0] = 100000;
  o.nframe_sizes = 1;
  rv = parse_options(cmd, argc - 1, argv + 1, &o, &given, &done);
  if (rv != CLI_EXIT_OK || done)
    return rv;
  rv = check_options(cmd, &o, given);
  if (rv != 0)
    return rv;
  return cmd->run(&o);
}
