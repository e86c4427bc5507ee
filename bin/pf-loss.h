/*
 * pf-loss.h -- what the pf-loss subcommands share.  bin/pf-loss.c is the
 * dispatcher and holds the option helpers; each subcommand (sweep,
 * relay, drop) has its own file, its own option table and its own
 * options struct, and is run as cmd->run(argc, argv) with argv[0] the
 * command's name.
 */
#ifndef PF_LOSS_H
#define PF_LOSS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "loss_model.h"

#define LOSS_MAX_LIST 64

struct option;

/* One subcommand. */
struct loss_cmd {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *synopsis; /* after "pf-loss NAME " */
  const char *summary;  /* one line */
  const char *options;  /* the --help list of its options */
  const struct option *longopts; /* its own option table */
};

extern const struct loss_cmd loss_cmd_sweep, loss_cmd_relay, loss_cmd_drop;

/* "Usage: pf-loss NAME SYNOPSIS", the summary and the option list. */
void loss_cmd_usage(FILE *f, const struct loss_cmd *cmd);

/*
 * getopt_long() over |cmd|'s own options (set optind = 1 and opterr = 0
 * first; |shortopts| starts with "+:" and has "hV").  Handles -h and -V
 * (CLI_OPT_STOP, *status CLI_EXIT_OK), a missing value, a stray operand
 * and an unknown option -- naming the option when another pf-loss
 * command takes it -- (CLI_OPT_STOP, CLI_EXIT_USAGE, message and usage
 * printed).  Otherwise returns the option (> 0) or CLI_OPT_END.
 */
int loss_next_opt(int argc, char **argv, const char *shortopts,
                  const struct loss_cmd *cmd, int *status);

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
