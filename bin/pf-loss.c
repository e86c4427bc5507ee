/*
 * pf-loss.c -- loss-resilience sweeps, a live UDP impairment relay, and
 * an offline record dropper for shard streams: the dispatcher, and the
 * option helpers the subcommands share.
 *
 *   pf-loss sweep   runs the library's sender and receiver in process
 *                   through a seeded lossy channel (pf-loss-sweep.c)
 *   pf-loss relay   forwards UDP both ways and impairs it
 *                   (pf-loss-relay.c)
 *   pf-loss drop    deletes records of a pf-fec shard stream
 *                   (pf-loss-drop.c)
 *
 * Each subcommand has its own option table (struct cli_opt: its getopt
 * parsing and its --help list) and parses its own options; the tables
 * are joined into one here, so an option another subcommand takes is
 * refused by name.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pf-loss.h"

static const struct loss_cmd *const commands[] = {
    &loss_cmd_sweep,
    &loss_cmd_relay,
    &loss_cmd_drop,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* What the dispatcher's --help lists as common options (it takes only
 * --help and --version itself, before a command). */
static const struct cli_opt main_options[] = {
    {"seed", 0, "N", CLI_CMD(LOSS_MAIN),
     "seed of every random choice (printed; default random)", 0},
    {"quiet", 'q', NULL, CLI_CMD(LOSS_MAIN),
     "no progress or informational messages", 0},
    {"help", 'h', NULL, CLI_CMD(LOSS_MAIN), "show this help", 0},
    {"version", 'V', NULL, CLI_CMD(LOSS_MAIN), "show the version", 0},
    {NULL, 0, NULL, 0, NULL, 0},
};

/* Every command's rows, the dispatcher's first, in one table. */
static struct cli_opt all_options[CLI_OPTS_MAX + 1];
static struct cli_opts optset;

static void usage(FILE *f) {
  size_t i;

  fprintf(f, "Usage: %s <command> [options]\n\n", cli_prog);
  fprintf(f, "Commands:\n");
  for (i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-6s %s\n", commands[i]->c.name, commands[i]->c.summary);
  fprintf(f, "\nCommon options:\n");
  cli_opts_help(f, &optset, CLI_CMD(LOSS_MAIN));
  fprintf(f,
          "\nRun '%s <command> --help' for one command's options; see "
          "pf-loss(1).\n",
          cli_prog);
}

/* Appends |t|'s rows to all_options; -1 when they do not fit. */
static int add_options(size_t *n, const struct cli_opt *t) {
  for (; t->name; t++) {
    if (*n >= CLI_OPTS_MAX)
      return -1;
    all_options[(*n)++] = *t;
  }
  return 0;
}

static int options_init(void) {
  size_t i, n = 0;

  if (add_options(&n, main_options) != 0)
    return -1;
  for (i = 0; i < NCOMMANDS; i++)
    if (add_options(&n, commands[i]->options) != 0)
      return -1;
  return cli_opts_init(&optset, all_options);
}

void loss_cmd_usage(FILE *f, const struct loss_cmd *cmd) {
  cli_opts_usage(f, &optset, &cmd->c, 1);
}

int loss_next_opt(int argc, char **argv, const struct loss_cmd *cmd,
                  int *status) {
  return cli_opts_next(&optset, argc, argv, &cmd->c, status);
}

int loss_parse_items(const char *str, enum loss_item kind, double min,
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

/* Exactly one value for a relay / drop option. */
static int single(size_t n, const char *opt) {
  if (n > 1) {
    cli_error("--%s takes one value here, not a list", opt);
    return -1;
  }
  return 0;
}

int loss_pick_model(const struct loss_model_opts *mo, const char *cmd,
                    const char *loss_opt, int need, lm_model *m) {
  int kinds = !!mo->nlosses + !!mo->nperiods + !!mo->nper_blocks;

  if (single(mo->nlosses, loss_opt) || single(mo->nbursts, "burst") ||
      single(mo->nperiods, "period") || single(mo->nper_blocks, "per-block"))
    return -1;
  if (kinds > 1) {
    cli_error("choose one loss model: --%s, --period or --per-block",
              loss_opt);
    return -1;
  }
  if (mo->nbursts && !mo->nlosses) {
    cli_error("--burst needs --%s (the mean loss of the bursts)", loss_opt);
    return -1;
  }
  memset(m, 0, sizeof(*m));
  if (mo->nlosses) {
    m->kind = mo->nbursts ? LM_GILBERT : LM_BERNOULLI;
    m->p = mo->losses[0];
    m->burst = mo->nbursts ? mo->bursts[0] : 1;
    if (m->kind == LM_GILBERT && m->p >= 1) {
      cli_error("--burst needs a mean loss below 100%%");
      return -1;
    }
  } else if (mo->nperiods) {
    m->kind = LM_PERIODIC;
    m->period = mo->periods[0];
  } else if (mo->nper_blocks) {
    m->kind = LM_PER_BLOCK;
    m->per_block = mo->per_blocks[0];
  } else if (need) {
    cli_error("%s needs a model: --%s P, --period N or --per-block N", cmd,
              loss_opt);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *names[NCOMMANDS];
  size_t i;
  long idx;
  int rv;

  cli_init("pf-loss");
  if (options_init() != 0) {
    cli_error("too many options (a bug)");
    return CLI_EXIT_FAIL;
  }
  for (i = 0; i < NCOMMANDS; i++)
    names[i] = commands[i]->c.name;
  idx = cli_command_find(argc, argv, optset.longopts, names, sizeof(names[0]),
                         NCOMMANDS, usage, &rv);
  if (idx < 0)
    return rv;
  return commands[idx]->run(argc - 1, argv + 1);
}
