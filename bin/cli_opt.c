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

  int prev;

  *status = CLI_EXIT_USAGE;
  if (argc < 2) {
    usage(stderr);
    return -1;
  }
  if (argv[1][0] == '-') {
    opterr = 0;
    while (prev = optind,
           (c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
      if (c == 'h' || c == 'V') {
        if (c == 'h')
          usage(stdout);
        else
          cli_print_version();
        *status = CLI_EXIT_OK;
        return -1;
      }
      /* The option as typed: a known one may have taken its value. */
      cli_error("unknown option '%s' (options follow the command)",
                argv[optind > prev ? prev : optind]);
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

/* The first row with |i|'s long name (rows of one name share a value). */
static size_t opt_first(const struct cli_opt *table, size_t i) {
  size_t j;

  for (j = 0; j < i; j++)
    if (strcmp(table[j].name, table[i].name) == 0)
      return j;
  return i;
}

static int opt_val(const struct cli_opts *set, size_t i) {
  return set->table[i].letter
             ? set->table[i].letter
             : CLI_OPT_LONG_BASE + (int)opt_first(set->table, i);
}

int cli_opts_init(struct cli_opts *set, const struct cli_opt *table) {
  size_t i, n = 0, nl = 0;
  char *s = set->shortopts;

  memset(set, 0, sizeof(*set));
  set->table = table;
  while (table[n].name)
    n++;
  if (n > CLI_OPTS_MAX)
    return -1;
  set->n = n;
  *s++ = '+'; /* cli_opts_next(): options end at the first operand */
  *s++ = ':'; /* a missing value is ':', not '?' */
  for (i = 0; i < n; i++) {
    if (opt_first(table, i) != i)
      continue; /* another row of a name getopt already knows */
    set->longopts[nl].name = table[i].name;
    set->longopts[nl].has_arg = table[i].arg ? required_argument : no_argument;
    set->longopts[nl].flag = NULL;
    set->longopts[nl].val = opt_val(set, i);
    nl++;
    if (table[i].letter && !strchr(set->shortopts, table[i].letter)) {
      *s++ = (char)table[i].letter;
      if (table[i].arg)
        *s++ = ':';
    }
  }
  *s = '\0';
  return 0;
}

/* "-k, --data-shards K" or "    --code gf8|gf16": the left column. */
static int opt_left(char *buf, size_t len, const struct cli_opt *o) {
  int n;

  if (o->letter)
    n = snprintf(buf, len, "-%c, --%s%s%s", o->letter, o->name,
                 o->arg ? " " : "", o->arg ? o->arg : "");
  else
    n = snprintf(buf, len, "    --%s%s%s", o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
  return n < 0 ? 0 : n;
}

void cli_opts_help(FILE *f, const struct cli_opts *set, unsigned commands) {
  char left[80];
  size_t i;
  int w = 0;

  /* One column for the whole table, so every command's list lines up
   * the same way. */
  for (i = 0; i < set->n; i++) {
    int n = opt_left(left, sizeof(left), &set->table[i]);
    if (n > w)
      w = n;
  }
  if (w > (int)sizeof(left) - 1)
    w = (int)sizeof(left) - 1;
  for (i = 0; i < set->n; i++) {
    const struct cli_opt *o = &set->table[i];
    if (!(o->commands & commands))
      continue;
    opt_left(left, sizeof(left), o);
    fprintf(f, "  %-*s  %s\n", w, left, o->help);
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

/*
 * Says why getopt_long() returned |c| ('?' or ':') for the argument it
 * stopped at: a short option ("-x", inside a cluster too: the argument
 * did not advance past |prev_optind|, or does not start with "--") or a
 * long one ("--name", typed abbreviations included, without "=value").
 */
static void opt_complain(const struct cli_opts *set, char **argv, int c,
                         int prev_optind) {
  const char *a = argv[optind - 1];
  size_t len, i, hits = 0;

  if (optind == prev_optind || strncmp(a, "--", 2) != 0) {
    if (c == ':')
      cli_error("option '-%c' needs a value", optopt);
    else
      cli_error("unknown option '-%c'", optopt);
    return;
  }
  len = strcspn(a, "=");
  if (c == ':') {
    cli_error("option '%.*s' needs a value", (int)len, a);
    return;
  }
  if (optopt != 0) { /* found, but "=value" given to a flag */
    cli_error("option '%.*s' takes no value", (int)len, a);
    return;
  }
  for (i = 0; i < set->n; i++)
    if (opt_first(set->table, i) == i &&
        strncmp(set->table[i].name, a + 2, len - 2) == 0)
      hits++;
  if (hits < 2) {
    cli_error("unknown option '%.*s'", (int)len, a);
    return;
  }
  fprintf(stderr, "%s: option '%.*s' is ambiguous:", cli_prog, (int)len, a);
  for (i = 0; i < set->n; i++)
    if (opt_first(set->table, i) == i &&
        strncmp(set->table[i].name, a + 2, len - 2) == 0)
      fprintf(stderr, " --%s", set->table[i].name);
  fputc('\n', stderr);
}

/*
 * A long option getopt_long() found ambiguous among every command's
 * options ("--fo": --format, --for) may still be the abbreviation of
 * one option |cmd| takes: then its row goes to |*row| and its value to
 * optarg (from "=value" or the next argument) and it returns 0;
 * CLI_OPT_STOP after a message when the value is wrong; 1 when |a| is
 * no such abbreviation.
 */
static int opt_abbrev(const struct cli_opts *set, int argc, char **argv,
                      const char *a, const struct cli_opts_cmd *cmd,
                      long *row) {
  size_t len = strcspn(a, "="), i;
  long hit = -1;

  for (i = 0; i < set->n; i++) {
    const struct cli_opt *o = &set->table[i];
    if (!(o->commands & cmd->bit) || strncmp(o->name, a + 2, len - 2) != 0)
      continue;
    if (hit >= 0 && strcmp(set->table[hit].name, o->name) != 0)
      return 1; /* ambiguous within the command too */
    hit = (long)i;
  }
  if (hit < 0)
    return 1;
  if (!set->table[hit].arg && a[len] == '=') {
    cli_error("option '%.*s' takes no value", (int)len, a);
    return CLI_OPT_STOP;
  }
  if (set->table[hit].arg && a[len] == '=') {
    optarg = (char *)a + len + 1;
  } else if (set->table[hit].arg) {
    if (optind >= argc) {
      cli_error("option '%.*s' needs a value", (int)len, a);
      return CLI_OPT_STOP;
    }
    optarg = argv[optind++];
  }
  *row = hit;
  return 0;
}

/*
 * One getopt_long() step over |shortopts|: the table row of the next
 * option in |*row|, or CLI_OPT_END, or CLI_OPT_STOP after a message.
 * With |cmd|, a long option may be abbreviated as far as it is unique
 * among |cmd|'s own options.
 */
static int opts_step(const struct cli_opts *set, int argc, char **argv,
                     const char *shortopts, const struct cli_opts_cmd *cmd,
                     long *row) {
  int prev = optind, c, r;

  opterr = 0;
  c = getopt_long(argc, argv, shortopts, set->longopts, NULL);
  if (c == -1)
    return CLI_OPT_END;
  if (c == '?' && cmd && optopt == 0 && optind > prev &&
      strncmp(argv[optind - 1], "--", 2) == 0 &&
      (r = opt_abbrev(set, argc, argv, argv[optind - 1], cmd, row)) != 1)
    return r;
  if (c == '?' || c == ':' || (*row = opt_index(set, c)) < 0) {
    opt_complain(set, argv, c == ':' ? ':' : '?', prev);
    return CLI_OPT_STOP;
  }
  return 0;
}

/* --help and --version, which every table has; 1 when |row| is one. */
static int opt_builtin(const struct cli_opts *set, long row,
                       const struct cli_opts_cmd *cmd, void (*usage)(FILE *)) {
  if (strcmp(set->table[row].name, "help") == 0) {
    if (usage)
      usage(stdout);
    else
      cli_opts_usage(stdout, set, cmd, 1);
    return 1;
  }
  if (strcmp(set->table[row].name, "version") == 0) {
    cli_print_version();
    return 1;
  }
  return 0;
}

/* The row of |i|'s long name that |cmd| takes, or |i|. */
static long opt_for_cmd(const struct cli_opts *set, long i,
                        const struct cli_opts_cmd *cmd) {
  size_t j;

  for (j = (size_t)i; j < set->n; j++)
    if ((set->table[j].commands & cmd->bit) &&
        strcmp(set->table[j].name, set->table[i].name) == 0)
      return (long)j;
  return i;
}

int cli_opts_next(const struct cli_opts *set, int argc, char **argv,
                  const struct cli_opts_cmd *cmd, int *status) {
  long i = -1;
  int r = opts_step(set, argc, argv, set->shortopts, cmd, &i);

  if (r == 0)
    i = opt_for_cmd(set, i, cmd);

  *status = CLI_EXIT_USAGE;
  if (r == CLI_OPT_END) {
    if (optind >= argc)
      return CLI_OPT_END;
    cli_error("unexpected argument '%s'", argv[optind]);
  } else if (r == 0 && opt_builtin(set, i, cmd, NULL)) {
    *status = CLI_EXIT_OK;
    return CLI_OPT_STOP;
  } else if (r == 0 && (set->table[i].commands & cmd->bit)) {
    return set->table[i].id;
  } else if (r == 0) {
    cli_error("option '--%s' does not apply to '%s'", set->table[i].name,
              cmd->name);
  }
  cli_opts_usage(stderr, set, cmd, 0);
  return CLI_OPT_STOP;
}

int cli_opts_next_tool(const struct cli_opts *set, int argc, char **argv,
                       void (*usage)(FILE *), int *status) {
  long i = -1;
  /* Without the leading '+': operands and options may mix. */
  int r = opts_step(set, argc, argv, set->shortopts + 1, NULL, &i);

  *status = CLI_EXIT_USAGE;
  if (r == CLI_OPT_END)
    return CLI_OPT_END;
  if (r == 0 && opt_builtin(set, i, NULL, usage)) {
    *status = CLI_EXIT_OK;
    return CLI_OPT_STOP;
  }
  if (r == 0)
    return set->table[i].id;
  usage(stderr);
  return CLI_OPT_STOP;
}
