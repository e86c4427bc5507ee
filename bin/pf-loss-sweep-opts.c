/*
 * pf-loss-sweep-opts.c -- the options of `pf-loss sweep`: its option
 * table (the source of its getopt parsing and its --help list), parsing
 * and defaults.  Every list is one axis of the
 * sweep.
 */
#include <stdio.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-loss-sweep.h"

enum {
  O_MODEL,
  O_PERIOD,
  O_LOSS,
  O_BURST,
  O_PER_BLOCK,
  O_FEC,
  O_K,
  O_CODE,
  O_FRAME_SIZE,
  O_FRAMES,
  O_SHARD,
  O_REORDER,
  O_DUP,
  O_AEAD,
  O_SEED,
  O_FORMAT,
  O_PLOT,
  O_MDS,
  O_QUIET,
  O_HELP,
  O_VERSION,
};

#define S CLI_CMD(LOSS_SWEEP)

/* Its options: getopt and --help both come from this table. */
static const struct cli_opt sweep_options[] = {
    {"model", 0, "M", S, "periodic, bernoulli, gilbert or per-block",
     O_MODEL},
    {"period", 0, "N,...", S, "periodic: drop datagram n when n mod N = 0",
     O_PERIOD},
    {"loss", 0, "P,...", S, "bernoulli, gilbert: mean loss (5% or 0.05)",
     O_LOSS},
    {"burst", 0, "L,...", S, "gilbert: mean burst length (default 4)",
     O_BURST},
    {"per-block", 0, "N,...", S, "per-block: shards lost in every FEC block",
     O_PER_BLOCK},
    {"fec-percent", 0, "PCT,...", S,
     "parity per block in percent (default 25)", O_FEC},
    {"data-shards", 'k', "K,...", S,
     "data shards per block, K_max (default 64)", O_K},
    {"code", 0, "gf8,gf16", S, "the codes to compare (default both)", O_CODE},
    {"frame-size", 0, "BYTES,...", S, "frame sizes (default 100000)",
     O_FRAME_SIZE},
    {"frames", 0, "N", S, "frames per point (default 50)", O_FRAMES},
    {"shard-size", 0, "N", S, "bytes per shard, even (default 1024)",
     O_SHARD},
    {"reorder", 0, "P", S, "hold a datagram back by 1-8 slots", O_REORDER},
    {"duplicate", 0, "P", S, "send a datagram twice", O_DUP},
    {"aead", 0, "NAME|none", S, "aes128gcm (default), chacha20poly1305, none",
     O_AEAD},
    {"seed", 0, "N", S, "seed of every random choice (default random)",
     O_SEED},
    {"format", 0, "F", S, "table (default), csv or json", O_FORMAT},
    {"plot", 0, "FILE.svg", S, "also draw the sweep", O_PLOT},
    {"expect-mds", 0, NULL, S, "fail when a frame within the RS bound is lost",
     O_MDS},
    {"quiet", 'q', NULL, S, "no progress or informational messages", O_QUIET},
    {"help", 'h', NULL, S, "show this help", O_HELP},
    {"version", 'V', NULL, S, "show the version", O_VERSION},
    {NULL, 0, NULL, 0, NULL, 0},
};

static int sweep_main(int argc, char **argv);

const struct loss_cmd loss_cmd_sweep = {
    {"sweep",
     "[--model periodic|bernoulli|gilbert|per-block] [--period N,...]\n"
     "         [--loss P,...] [--burst L,...] [--per-block N,...]\n"
     "         [--fec-percent PCT,...] [-k K,...] [--code gf8,gf16]\n"
     "         [--frame-size BYTES,...] [--frames N] [--shard-size N]\n"
     "         [--reorder P] [--duplicate P] [--aead NAME|none] [--seed N]\n"
     "         [--format table|csv|json] [--plot FILE.svg] [--expect-mds] "
     "[-q]",
     "sweep loss against FEC through the real sender and receiver", S},
    sweep_main,
    sweep_options,
};

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

static int parse_codes(const char *arg, struct sweep_opts *o) {
  char buf[64], *p, *save = NULL;
  size_t i;

  o->ncodes = 0;
  if (strlen(arg) >= sizeof(buf) || !*arg)
    goto bad;
  strcpy(buf, arg);
  for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
    uint32_t fec_scheme;
    if (cli_fec_scheme_parse(p, &fec_scheme) != 0)
      goto bad;
    for (i = 0; i < o->ncodes; i++)
      if (o->codes[i] == fec_scheme)
        break;
    if (i == o->ncodes && o->ncodes < 2)
      o->codes[o->ncodes++] = fec_scheme;
  }
  if (o->ncodes > 0)
    return 0;
bad:
  cli_error("invalid code '%s': expected gf8, gf16 or gf8,gf16", arg);
  return -1;
}

/* A list option into |v|, |*n|; -1 after an error message. */
static int list(const char *arg, enum loss_item kind, double min, double max,
                const char *what, void *v, size_t *n) {
  int r = loss_parse_items(arg, kind, min, max, what, v, LOSS_MAX_LIST);

  if (r < 0)
    return -1;
  *n = (size_t)r;
  return 0;
}

static int parse_one(int c, struct sweep_opts *o, int *model_given,
                     int *seeded) {
  switch (c) {
  case O_QUIET:
    o->quiet = 1;
    return 0;
  case O_MODEL:
    *model_given = 1;
    return parse_model(optarg, &o->model.kind);
  case O_PERIOD:
    return list(optarg, ITEM_U32, 0, 1000000000, "drop period", o->periods,
                &o->nperiods);
  case O_LOSS:
    return list(optarg, ITEM_PROB, 0, 1, "loss", o->losses, &o->nlosses);
  case O_BURST:
    return list(optarg, ITEM_REAL, 1, 1000000, "mean burst length",
                o->bursts, &o->nbursts);
  case O_PER_BLOCK:
    return list(optarg, ITEM_U32, 0, PF_FEC16_MAX_SHARDS, "losses per block",
                o->per_blocks, &o->nper_blocks);
  case O_FEC:
    return list(optarg, ITEM_U32, 0, PF_FEC_PERCENT_MAX, "FEC percent",
                o->fecs, &o->nfecs);
  case O_K:
    return list(optarg, ITEM_U32, 1, PF_FEC16_MAX_SHARDS - 2,
                "data shards per block", o->kmaxs, &o->nkmaxs);
  case O_CODE:
    return parse_codes(optarg, o);
  case O_FRAME_SIZE:
    return list(optarg, ITEM_SIZE, 0, 64u * 1024 * 1024, "frame size",
                o->frame_sizes, &o->nframe_sizes);
  case O_FRAMES:
    return cli_parse_u32(optarg, 1, 1000000, "frame count", &o->frames);
  case O_SHARD:
    if (cli_parse_u32(optarg, 2, PF_PKT_MAX_SHARD_PAYLOAD, "shard size",
                      &o->shard_size) != 0)
      return -1;
    if (o->shard_size % 2) {
      cli_error("invalid shard size '%s': must be even", optarg);
      return -1;
    }
    return 0;
  case O_REORDER:
    return lm_parse_prob(optarg, 1, "reorder probability", &o->reorder);
  case O_DUP:
    return lm_parse_prob(optarg, 1, "duplicate probability", &o->duplicate);
  case O_SEED:
    *seeded = 1;
    return cli_parse_u64(optarg, 0, UINT64_MAX, "seed", &o->seed);
  case O_FORMAT:
    if (strcmp(optarg, "table") == 0)
      o->format = FMT_TABLE;
    else if (strcmp(optarg, "csv") == 0)
      o->format = FMT_CSV;
    else if (strcmp(optarg, "json") == 0)
      o->format = FMT_JSON;
    else {
      cli_error("invalid format '%s': expected table, csv or json", optarg);
      return -1;
    }
    return 0;
  case O_PLOT:
    o->plot = optarg;
    return 0;
  case O_MDS:
    o->expect_mds = 1;
    return 0;
  case O_AEAD:
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
      return -1;
    }
    return 0;
  default: /* not reached: cli_opts_next() handles help and version */
    loss_cmd_usage(stderr, &loss_cmd_sweep);
    return -1;
  }
}

/* The model's kind from the options; the defaults of its axis. */
static int check(struct sweep_opts *o, int model_given) {
  enum lm_kind k = o->model.kind;

  if (!model_given)
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
    return -1;
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
        return -1;
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

static int sweep_main(int argc, char **argv) {
  static struct sweep_opts o;
  int c, rv, model_given = 0, seeded = 0;

  memset(&o, 0, sizeof(o));
  o.frames = 50;
  o.shard_size = 1024;
  o.aead = PF_AEAD_AES128GCM;
  o.fecs[0] = 25;
  o.nfecs = 1;
  o.kmaxs[0] = 64;
  o.nkmaxs = 1;
  o.codes[0] = PF_FEC_GF8;
  o.codes[1] = PF_FEC_GF16;
  o.ncodes = 2;
  o.frame_sizes[0] = 100000;
  o.nframe_sizes = 1;
  optind = 1;
  while ((c = loss_next_opt(argc, argv, &loss_cmd_sweep, &rv)) >= 0)
    if (parse_one(c, &o, &model_given, &seeded) != 0)
      return CLI_EXIT_USAGE;
  if (c == CLI_OPT_STOP)
    return rv;
  if (!seeded)
    o.seed = lm_seed_random();
  if (check(&o, model_given) != 0)
    return CLI_EXIT_USAGE;
  return loss_sweep(&o);
}
