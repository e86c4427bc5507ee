/*
 * pf-loss-relay-opts.c -- the options of `pf-loss relay`: its option
 * table (the source of its getopt parsing and its --help list), parsing
 * and checks.
 */
#include <stdio.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-loss-relay.h"

enum {
  O_LISTEN,
  O_TO,
  O_DIR,
  O_LOSS,
  O_BURST,
  O_PERIOD,
  O_DELAY,
  O_JITTER,
  O_REORDER,
  O_REORDER_DELAY,
  O_DUP,
  O_RATE,
  O_BO_AFTER,
  O_BO_FOR,
  O_SEED,
  O_DURATION,
  O_STATS,
  O_IO,
  O_QUEUE,
  O_WAKE_EARLY,
  O_QUIET,
  O_HELP,
  O_VERSION,
};

#define R CLI_CMD(LOSS_RELAY)

/* Its options: getopt and --help both come from this table. */
static const struct cli_opt relay_options[] = {
    {"listen", 0, "[ADDR:]PORT", R, "where the client sends (0: any free port)",
     O_LISTEN},
    {"to", 0, "HOST:PORT", R, "where datagrams are forwarded", O_TO},
    {"dir", 0, "to|from|both", R, "the impaired direction(s) (default to)",
     O_DIR},
    {"loss", 0, "P", R, "lose each datagram with probability P", O_LOSS},
    {"burst", 0, "L", R, "with --loss: bursts of mean length L", O_BURST},
    {"period", 0, "N", R, "lose datagram n when n mod N = 0", O_PERIOD},
    {"delay", 0, "T", R, "delay every datagram (20ms, 1.5s)", O_DELAY},
    {"jitter", 0, "T", R, "+- up to T on the delay, order kept", O_JITTER},
    {"reorder", 0, "P", R, "hold a datagram back T to 2T more", O_REORDER},
    {"reorder-delay", 0, "T", R, "that T (default 1ms; at most 10s)",
     O_REORDER_DELAY},
    {"duplicate", 0, "P", R, "send a datagram twice", O_DUP},
    {"rate", 0, "BITS", R, "token bucket (500M, 2.5G; 0: no limit)", O_RATE},
    {"blackout-after", 0, "T", R, "lose everything from T after the start...",
     O_BO_AFTER},
    {"for", 0, "T", R, "...for T", O_BO_FOR},
    {"seed", 0, "N", R, "seed of every random choice (default random)",
     O_SEED},
    {"duration", 0, "T", R, "stop after T (default: at SIGINT/SIGTERM)",
     O_DURATION},
    {"stats-json", 0, "FILE", R, "write the counters there, not to stdout",
     O_STATS},
    {"io", 0, "mmsg|uring", R, "socket I/O backend (default mmsg)", O_IO},
    {"queue", 0, "N", R, "datagrams held at most (default 4096)", O_QUEUE},
    {"wake-early", 0, "T", R,
     "yield, not sleep, T before a due time (at most 10ms; default 150us)",
     O_WAKE_EARLY},
    {"quiet", 'q', NULL, R, "no informational messages", O_QUIET},
    {"help", 'h', NULL, R, "show this help", O_HELP},
    {"version", 'V', NULL, R, "show the version", O_VERSION},
    {NULL, 0, NULL, 0, NULL, 0},
};

static int relay_main(int argc, char **argv);

const struct loss_cmd loss_cmd_relay = {
    {"relay",
     "--listen [ADDR:]PORT --to HOST:PORT [--dir to|from|both]\n"
     "         [--loss P [--burst L] | --period N] [--delay T] [--jitter T]\n"
     "         [--reorder P [--reorder-delay T]] [--duplicate P] [--rate "
     "BITS]\n"
     "         [--blackout-after T --for T] [--seed N] [--duration T]\n"
     "         [--stats-json FILE] [--io mmsg|uring] [--queue N]\n"
     "         [--wake-early T] [-q]",
     "forward UDP both ways, impairing one or both directions", R},
    relay_main,
    relay_options,
};

static int list(const char *arg, enum loss_item kind, double min, double max,
                const char *what, void *v, size_t *n) {
  int r = loss_parse_items(arg, kind, min, max, what, v, LOSS_MAX_LIST);

  if (r < 0)
    return -1;
  *n = (size_t)r;
  return 0;
}

static int parse_one(int c, struct relay_opts *o, struct loss_model_opts *mo,
                     int *seeded, int *bo_after, int *bo_for) {
  int b;

  switch (c) {
  case O_QUIET:
    o->quiet = 1;
    return 0;
  case O_LISTEN:
    o->listen = optarg;
    return 0;
  case O_TO:
    o->to = optarg;
    return 0;
  case O_DIR:
    if (strcmp(optarg, "to") == 0)
      o->dir = DIR_TO;
    else if (strcmp(optarg, "from") == 0)
      o->dir = DIR_FROM;
    else if (strcmp(optarg, "both") == 0)
      o->dir = DIR_TO | DIR_FROM;
    else {
      cli_error("invalid direction '%s': expected to, from or both", optarg);
      return -1;
    }
    return 0;
  case O_LOSS:
    return list(optarg, ITEM_PROB, 0, 1, "loss", mo->losses, &mo->nlosses);
  case O_BURST:
    return list(optarg, ITEM_REAL, 1, 1000000, "mean burst length",
                mo->bursts, &mo->nbursts);
  case O_PERIOD:
    return list(optarg, ITEM_U32, 1, 1000000000, "drop period", mo->periods,
                &mo->nperiods);
  case O_DELAY:
    return lm_parse_duration(optarg, 60, "delay", &o->delay_ns);
  case O_JITTER:
    return lm_parse_duration(optarg, 60, "jitter", &o->jitter_ns);
  case O_REORDER:
    return lm_parse_prob(optarg, 1, "reorder probability", &o->reorder);
  case O_REORDER_DELAY:
    if (lm_parse_duration(optarg, 10, "reorder delay", &o->reorder_delay_ns) !=
        0)
      return -1;
    if (o->reorder_delay_ns == 0) {
      cli_error("invalid reorder delay '%s': must be more than 0", optarg);
      return -1;
    }
    return 0;
  case O_DUP:
    return lm_parse_prob(optarg, 1, "duplicate probability", &o->duplicate);
  case O_RATE:
    return cli_parse_rate(optarg, "rate", &o->rate_bps);
  case O_BO_AFTER:
    *bo_after = 1;
    return lm_parse_duration(optarg, 86400, "blackout start",
                             &o->blackout_after_ns);
  case O_BO_FOR:
    *bo_for = 1;
    return lm_parse_duration(optarg, 86400, "blackout length",
                             &o->blackout_for_ns);
  case O_SEED:
    *seeded = 1;
    return cli_parse_u64(optarg, 0, UINT64_MAX, "seed", &o->seed);
  case O_DURATION:
    if (lm_parse_duration(optarg, 31536000, "duration", &o->duration_ns) != 0)
      return -1;
    if (o->duration_ns == 0) {
      cli_error("invalid duration '%s': must be more than 0", optarg);
      return -1;
    }
    return 0;
  case O_STATS:
    o->stats_json = optarg;
    return 0;
  case O_IO:
    b = cli_udp_backend_parse(optarg);
    if (b < 0) {
      cli_error("invalid I/O backend '%s': expected mmsg or uring", optarg);
      return -1;
    }
    o->io = (uint32_t)b;
    return 0;
  case O_QUEUE:
    return cli_parse_u32(optarg, 1, 1000000, "queue length", &o->queue);
  case O_WAKE_EARLY:
    return lm_parse_duration(optarg, 0.01, "wake-early time",
                             &o->wake_early_ns);
  default: /* not reached: cli_opts_next() handles help and version */
    loss_cmd_usage(stderr, &loss_cmd_relay);
    return -1;
  }
}

static int relay_main(int argc, char **argv) {
  struct relay_opts o;
  struct loss_model_opts mo;
  int c, rv, seeded = 0, bo_after = 0, bo_for = 0;

  memset(&o, 0, sizeof(o));
  memset(&mo, 0, sizeof(mo));
  o.dir = DIR_TO;
  o.io = PF_UDP_IO_MMSG;
  o.queue = 4096;
  o.wake_early_ns = 150000;
  o.reorder_delay_ns = 1000000;
  optind = 1;
  while ((c = loss_next_opt(argc, argv, &loss_cmd_relay, &rv)) >= 0)
    if (parse_one(c, &o, &mo, &seeded, &bo_after, &bo_for) != 0)
      return CLI_EXIT_USAGE;
  if (c == CLI_OPT_STOP)
    return rv;
  if (!seeded)
    o.seed = lm_seed_random();
  if (loss_pick_model(&mo, "relay", "loss", 0, &o.model) != 0)
    return CLI_EXIT_USAGE;
  if (!o.listen || !o.to) {
    cli_error("relay needs --listen [ADDR:]PORT and --to HOST:PORT");
    return CLI_EXIT_USAGE;
  }
  if (bo_after != bo_for) {
    cli_error("a blackout needs both --blackout-after T and --for T");
    return CLI_EXIT_USAGE;
  }
  o.blackout = bo_for && o.blackout_for_ns > 0;
  return loss_relay(&o);
}
