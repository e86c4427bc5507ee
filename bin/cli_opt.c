/*
 * cli_opt.c -- command lines: the front of a tool with subcommands
 * (cli_command_find) and the option tables (struct cli_opt) from which
 * getopt_long(), --help and the per-command checks all come (see cli.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

long cli_command_find(int argc, char **argv, const struct option *longopts,
                      const void *table, size_t stride, size_t n,
                      void (*usage)(FILE *), int *status) {
  size_t i;
  int c;

  *status = CLI_EXIT_USAGE;
  if (argc < 2) {
    usage(stderr);
    return -1;
  }
  if (argv[1][0] == '-') {
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
      if (c == 'h' || c == 'V') {
        if (c == 'h')
          usage(stdout);
        else
          cli_print_version();
        *status = CLI_EXIT_OK;
        return -1;
      }
      cli_error("unknown option '%s' (options follow the command)",
                argv[optind - 1]);
      usage(stderr);
      return -1;
    }
    cli_error("no command given");
    usage(stderr);
    return -1;
  }
  if (strcmp(argv[1], "help") == 0) {
    usage(stdout);
    *status = CLI_EXIT_OK;
    return -1;
  }
  for (i = 0; i < n; i++) {
    const char *name;
    memcpy(&name, (const char *)table + i * stride, sizeof(name));
    if (strcmp(argv[1], name) == 0)
      return (long)i;
  }
  cli_error("unknown command '%s'", argv[1]);
  usage(stderr);
  return -1;
}

/* ------------------------------------------------------- option tables */

/* getopt values: the letter, or past every char for a long-only one. */
#define CLI_OPT_LONG_BASE 256

static int opt_val(const struct cli_opts *set, size_t i) {
  return set->table[i].letter ? set->table[i].letter
                              : CLI_OPT_LONG_BASE + (int)i;
}

int cli_opts_init(struct cli_opts *set, const struct cli_opt *table) {
  size_t i, n = 0;
  char *s = set->shortopts;

  memset(set, 0, sizeof(*set));
  set->table = table;
  while (table[n].name)
    n++;
  if (n > CLI_OPTS_MAX)
    return -1;
  set->n = n;
  *s++ = '+'; /* options end at the first operand */
  *s++ = ':'; /* a missing value is ':', not '?' */
  for (i = 0; i < n; i++) {
    set->longopts[i].name = table[i].name;
    set->longopts[i].has_arg = table[i].arg ? required_argument : no_argument;
    set->longopts[i].flag = NULL;
    set->longopts[i].val = opt_val(set, i);
    if (table[i].letter) {
      *s++ = (char)table[i].letter;
      if (table[i].arg)
        *s++ = ':';
    }
  }
  *s = '\0';
  return 0;
}

void cli_opts_help(FILE *f, const struct cli_opts *set, unsigned commands) {
  char left[64];
  size_t i;

  for (i = 0; i < set->n; i++) {
    const struct cli_opt *o = &set->table[i];
    if (!(o->commands & commands))
      continue;
    if (o->letter)
      snprintf(left, sizeof(left), "-%c, --%s%s%s", o->letter, o->name,
               o->arg ? " " : "", o->arg ? o->arg : "");
    else
      snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
               o->arg ? o->arg : "");
    fprintf(f, "  %-22s %s\n", left, o->help);
  }
}

void cli_opts_usage(FILE *f, const struct cli_opts *set,
                    const struct cli_opts_cmd *cmd, int options) {
  fprintf(f, "Usage: %s %s %s\n", cli_prog, cmd->name, cmd->synopsis);
  fprintf(f, "%s\n", cmd->summary);
  if (options) {
    fprintf(f, "\nOptions:\n");
    cli_opts_help(f, set, cmd->bit);
  }
}

static long opt_index(const struct cli_opts *set, int c) {
  size_t i;

  for (i = 0; i < set->n; i++)
    if (opt_val(set, i) == c)
      return (long)i;
  return -1;
}

int cli_opts_next(const struct cli_opts *set, int argc, char **argv,
                  const struct cli_opts_cmd *cmd, int *status) {
  int c;
  long i;

  opterr = 0;
  c = getopt_long(argc, argv, set->shortopts, set->longopts, NULL);
  *status = CLI_EXIT_USAGE;
  if (c == -1) {
    if (optind >= argc)
      return CLI_OPT_END;
    cli_error("unexpected argument '%s'", argv[optind]);
  } else if (c == ':') {
    cli_error("option '%s' needs a value", argv[optind - 1]);
  } else if (c == '?' || (i = opt_index(set, c)) < 0) {
    cli_error("unknown option '%s'", argv[optind - 1]);
  } else if (strcmp(set->table[i].name, "help") == 0) {
    cli_opts_usage(stdout, set, cmd, 1);
    *status = CLI_EXIT_OK;
    return CLI_OPT_STOP;
  } else if (strcmp(set->table[i].name, "version") == 0) {
    cli_print_version();
    *status = CLI_EXIT_OK;
    return CLI_OPT_STOP;
  } else if (set->table[i].commands & cmd->bit) {
    return (int)i;
  } else {
    cli_error("option '--%s' does not apply to '%s'", set->table[i].name,
              cmd->name);
  }
  cli_opts_usage(stderr, set, cmd, 0);
  return CLI_OPT_STOP;
}
