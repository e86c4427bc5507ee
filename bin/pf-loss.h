/*
 * pf-loss.h -- what the pf-loss subcommands share.  bin/pf-loss.c is the
 * dispatcher and holds the option helpers; each subcommand (sweep,
 * relay, drop) has its own file, its own option table (struct cli_opt,
 * the source of both its getopt parsing and its --help list) and its own
 * options struct, and is run as cmd->run(argc, argv) with argv[0] the
 * command's name.
 */
#ifndef PF_LOSS_H
#define PF_LOSS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "loss_model.h"

#define LOSS_MAX_LIST 64

/* The command bits of the option tables; LOSS_MAIN marks the rows the
 * dispatcher's --help lists as common options. */
enum { LOSS_MAIN, LOSS_SWEEP, LOSS_RELAY, LOSS_DROP };

/* One subcommand. */
struct loss_cmd {
  struct cli_opts_cmd c; /* name, synopsis, summary, CLI_CMD(LOSS_x) */
  int (*run)(int argc, char **argv);
  const struct cli_opt *options; /* its own option table */
};

extern const struct loss_cmd loss_cmd_sweep, loss_cmd_relay, loss_cmd_drop;

/* "Usage: pf-loss NAME SYNOPSIS", the summary and the option list. */
void loss_cmd_usage(FILE *f, const struct loss_cmd *cmd);

/*
 * The next option of |cmd| (set optind = 1 first): cli_opts_next() over
 * the options of every pf-loss command, so an option another command
 * takes is refused by name ("does not apply").  Returns the id from
 * |cmd|'s table, CLI_OPT_END, or CLI_OPT_STOP with the exit status in
 * |*status|.
 */
int loss_next_opt(int argc, char **argv, const struct loss_cmd *cmd,
                  int *status);

/* Comma-separated lists of one kind. */
enum loss_item { ITEM_U32, ITEM_SIZE, ITEM_PROB, ITEM_REAL };

/*
 * Parses "a,b,c" into |out| (uint32_t or double per |kind|), values in
 * [min, max], at most |cap| of them.  Returns the count or -1 after an
 * error message.
 */
int loss_parse_items(const char *str, enum loss_item kind, double min,
                     double max, const char *what, void *out, size_t cap);

/* The loss options relay and drop share (one value each). */
struct loss_model_opts {
  uint32_t periods[LOSS_MAX_LIST];
  size_t nperiods;
  double losses[LOSS_MAX_LIST];
  size_t nlosses;
  double bursts[LOSS_MAX_LIST];
  size_t nbursts;
  uint32_t per_blocks[LOSS_MAX_LIST];
  size_t nper_blocks;
};

/*
 * Picks the one loss model of relay or drop: |loss_opt| ("loss" or
 * "rate") with --burst: Gilbert-Elliott, else Bernoulli; --period;
 * --per-block; at most one, each with one value.  |need| 1: a model is
 * required (LM_NONE otherwise).  0 or -1 after an error message.
 */
int loss_pick_model(const struct loss_model_opts *mo, const char *cmd,
                    const char *loss_opt, int need, lm_model *m);

#endif /* PF_LOSS_H */
