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
 * Each subcommand has its own option table and parses its own options;
 * an option another subcommand takes is refused by name.
 */
#include <getopt.h>
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

/* What the dispatcher itself takes, before a command. */
static const struct option main_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f) {
  size_t i;

  fprintf(f, "Usage: %s <command> [options]\n\n", cli_prog);
  fprintf(f, "Commands:\n");
  for (i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-6s %s\n", commands[i]->name, commands[i]->summary);
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

void loss_cmd_usage(FILE *f, const struct loss_cmd *cmd) {
  fprintf(f, "Usage: %s %s %s\n", cli_prog, cmd->name, cmd->synopsis);
  fprintf(f, "%s\n\nOptions:\n%s", cmd->summary, cmd->options);
}

/* The long name of an option of another command that |arg| ("--name",
 * "--name=value" or "-c") or |shortopt| names, or NULL. */
static const char *other_option(const struct loss_cmd *cmd, const char *arg,
                                 int shortopt) {
  size_t i, n = 0;
  const struct option *p;

  if (arg[0] == '-' && arg[1] == '-') {
    arg += 2;
    n = strcspn(arg, "=");
  }
  for (i = 0; i < NCOMMANDS; i++) {
    if (commands[i] == cmd)
      continue;
    for (p = commands[i]->longopts; p->name; p++)
      if (n ? strlen(p->name) == n && strncmp(p->name, arg, n) == 0
            : shortopt > 0 && p->val == shortopt)
        return p->name;
  }
  return NULL;
}

int loss_next_opt(int argc, char **argv, const char *shortopts,
                  const struct loss_cmd *cmd, int *status) {
  int c = getopt_long(argc, argv, shortopts, cmd->longopts, NULL);
  const char *other;

  *status = CLI_EXIT_USAGE;
  if (c == -1) {
    if (optind >= argc)
      return CLI_OPT_END;
    cli_error("unexpected argument '%s'", argv[optind]);
  } else if (c == 'h' || c == 'V') {
    if (c == 'h')
      loss_cmd_usage(stdout, cmd);
    else
      cli_print_version();
    *status = CLI_EXIT_OK;
    return CLI_OPT_STOP;
  } else if (c == ':') {
    cli_error("option '%s' needs a value", argv[optind - 1]);
  } else if (c == '?') {
    other = other_option(cmd, argv[optind - 1], optopt);
    if (other)
      cli_error("option '--%s' does not apply to '%s'", other, cmd->name);
    else
      cli_error("unknown option '%s'", argv[optind - 1]);
  } else {
    return c;
  }
  loss_cmd_usage(stderr, cmd);
  return CLI_OPT_STOP;
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
  for (i = 0; i < NCOMMANDS; i++)
    names[i] = commands[i]->name;
  idx = cli_command_find(argc, argv, main_options, names, sizeof(names[0]),
                         NCOMMANDS, usage, &rv);
  if (idx < 0)
    return rv;
  return commands[idx]->run(argc - 1, argv + 1);
}
