/*
 * pf-loss-relay-opts.c -- the options of `pf-loss relay`: its option
 * table, --help, parsing and checks.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-loss-relay.h"

enum {
  LONG_LISTEN = 256,
  LONG_TO,
  LONG_DIR,
  LONG_LOSS,
  LONG_BURST,
  LONG_PERIOD,
  LONG_DELAY,
  LONG_JITTER,
  LONG_REORDER,
  LONG_REORDER_DELAY,
  LONG_DUP,
  LONG_RATE,
  LONG_BO_AFTER,
  LONG_BO_FOR,
  LONG_SEED,
  LONG_DURATION,
  LONG_STATS,
  LONG_IO,
  LONG_QUEUE,
  LONG_WAKE_EARLY,
};

static const struct option relay_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"quiet", no_argument, NULL, 'q'},
    {"listen", required_argument, NULL, LONG_LISTEN},
    {"to", required_argument, NULL, LONG_TO},
    {"dir", required_argument, NULL, LONG_DIR},
    {"loss", required_argument, NULL, LONG_LOSS},
    {"burst", required_argument, NULL, LONG_BURST},
    {"period", required_argument, NULL, LONG_PERIOD},
    {"delay", required_argument, NULL, LONG_DELAY},
    {"jitter", required_argument, NULL, LONG_JITTER},
    {"reorder", required_argument, NULL, LONG_REORDER},
    {"reorder-delay", required_argument, NULL, LONG_REORDER_DELAY},
    {"duplicate", required_argument, NULL, LONG_DUP},
    {"rate", required_argument, NULL, LONG_RATE},
    {"blackout-after", required_argument, NULL, LONG_BO_AFTER},
    {"for", required_argument, NULL, LONG_BO_FOR},
    {"seed", required_argument, NULL, LONG_SEED},
    {"duration", required_argument, NULL, LONG_DURATION},
    {"stats-json", required_argument, NULL, LONG_STATS},
    {"io", required_argument, NULL, LONG_IO},
    {"queue", required_argument, NULL, LONG_QUEUE},
    {"wake-early", required_argument, NULL, LONG_WAKE_EARLY},
    {NULL, 0, NULL, 0},
};

static int relay_main(int argc, char **argv);

const struct loss_cmd loss_cmd_relay = {
    "relay",
    relay_main,
    "--listen [ADDR:]PORT --to HOST:PORT [--dir to|from|both]\n"
    "         [--loss P [--burst L] | --period N] [--delay T] [--jitter T]\n"
    "         [--reorder P [--reorder-delay T]] [--duplicate P] [--rate BITS]\n"
    "         [--blackout-after T --for T] [--seed N] [--duration T]\n"
    "         [--stats-json FILE] [--io mmsg|uring] [--queue N]\n"
    "         [--wake-early T] [-q]",
    "forward UDP both ways, impairing one or both directions",
    "  --listen [ADDR:]PORT  where the client sends (0: any free port)\n"
    "  --to HOST:PORT        where datagrams are forwarded\n"
    "  --dir to|from|both    the impaired direction(s) (default to)\n"
    "  --loss P              lose each datagram with probability P\n"
    "  --burst L             with --loss: bursts of mean length L\n"
    "  --period N            lose datagram n when n mod N = 0\n"
    "  --delay T             delay every datagram (20ms, 1.5s)\n"
    "  --jitter T            +- up to T on the delay, order kept\n"
    "  --reorder P           hold a datagram back T to 2T more\n"
    "  --reorder-delay T     that T (default 1ms; at most 10s)\n"
    "  --duplicate P         send a datagram twice\n"
    "  --rate BITS           token bucket (500M, 2.5G; 0: no limit)\n"
    "  --blackout-after T    lose everything from T after the start...\n"
    "  --for T               ...for T\n"
    "  --seed N              seed of every random choice (default random)\n"
    "  --duration T          stop after T (default: at SIGINT/SIGTERM)\n"
    "  --stats-json FILE     write the counters there, not to stdout\n"
    "  --io mmsg|uring       socket I/O backend (default mmsg)\n"
    "  --queue N             datagrams held at most (default 4096)\n"
    "  --wake-early T        yield instead of sleeping T before a due time\n"
    "                        (at most 10ms; default 150us)\n"
    "  -q, --quiet           no informational messages\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n",
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
  case 'q':
    o->quiet = 1;
    return 0;
  case LONG_LISTEN:
    o->listen = optarg;
    return 0;
  case LONG_TO:
    o->to = optarg;
    return 0;
  case LONG_DIR:
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
  case LONG_LOSS:
    return list(optarg, ITEM_PROB, 0, 1, "loss", mo->losses, &mo->nlosses);
  case LONG_BURST:
    return list(optarg, ITEM_REAL, 1, 1000000, "mean burst length",
                mo->bursts, &mo->nbursts);
  case LONG_PERIOD:
    return list(optarg, ITEM_U32, 1, 1000000000, "drop period", mo->periods,
                &mo->nperiods);
  case LONG_DELAY:
    return lm_parse_duration(optarg, 60, "delay", &o->delay_ns);
  case LONG_JITTER:
    return lm_parse_duration(optarg, 60, "jitter", &o->jitter_ns);
  case LONG_REORDER:
    return lm_parse_prob(optarg, 1, "reorder probability", &o->reorder);
  case LONG_REORDER_DELAY:
    if (lm_parse_duration(optarg, 10, "reorder delay", &o->reorder_delay_ns) !=
        0)
      return -1;
    if (o->reorder_delay_ns == 0) {
      cli_error("invalid reorder delay '%s': must be more than 0", optarg);
      return -1;
    }
    return 0;
  case LONG_DUP:
    return lm_parse_prob(optarg, 1, "duplicate probability", &o->duplicate);
  case LONG_RATE:
    return cli_parse_rate(optarg, "rate", &o->rate_bps);
  case LONG_BO_AFTER:
    *bo_after = 1;
    return lm_parse_duration(optarg, 86400, "blackout start",
                             &o->blackout_after_ns);
  case LONG_BO_FOR:
    *bo_for = 1;
    return lm_parse_duration(optarg, 86400, "blackout length",
                             &o->blackout_for_ns);
  case LONG_SEED:
    *seeded = 1;
    return cli_parse_u64(optarg, 0, UINT64_MAX, "seed", &o->seed);
  case LONG_DURATION:
    if (lm_parse_duration(optarg, 31536000, "duration", &o->duration_ns) != 0)
      return -1;
    if (o->duration_ns == 0) {
      cli_error("invalid duration '%s': must be more than 0", optarg);
      return -1;
    }
    return 0;
  case LONG_STATS:
    o->stats_json = optarg;
    return 0;
  case LONG_IO:
    b = cli_udp_backend_parse(optarg);
    if (b < 0) {
      cli_error("invalid I/O backend '%s': expected mmsg or uring", optarg);
      return -1;
    }
    o->io = (uint32_t)b;
    return 0;
  case LONG_QUEUE:
    return cli_parse_u32(optarg, 1, 1000000, "queue length", &o->queue);
  case LONG_WAKE_EARLY:
    return lm_parse_duration(optarg, 0.01, "wake-early time",
                             &o->wake_early_ns);
  default:
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
  opterr = 0;
  optind = 1;
  while ((c = loss_next_opt(argc, argv, "+:hVq", &loss_cmd_relay, &rv)) > 0)
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
