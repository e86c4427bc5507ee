/*
 * cli.h -- helpers shared by the pf-* tools, built into libcli.la: the
 * basics (cli.c: messages, exit statuses, stop signals, whole-buffer I/O,
 * wiping), option values (cli_parse.c), key files (cli_key.c), addresses
 * (cli_addr.c) and command lines with option tables (cli_opt.c); one
 * section per file below.  Not part of the library: no API or ABI
 * promise.
 */
#ifndef PF_CLI_H
#define PF_CLI_H

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <getopt.h>

/* Exit statuses every tool shares (each man page lists them). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/* The tool's name, e.g. "pf-fec", set once by cli_init(). */
extern const char *cli_prog;

void cli_init(const char *prog);

/* Prints "pf-x: message\n" to stderr. */
#ifdef __GNUC__
__attribute__((format(printf, 1, 2)))
#endif
void cli_error(const char *fmt, ...);

/* Prints "pf-x (punktfunk) X.Y.Z" to stdout. */
void cli_print_version(void);

/*
 * When |fd| is a pipe, asks the kernel to make its buffer |bytes| large
 * (capped at what fs.pipe-max-size allows an unprivileged process), so
 * a frame crosses it in one or few reads instead of 16 trips through a
 * 64 KiB pipe.  Best effort: nothing is reported.
 */
void cli_pipe_grow(int fd, size_t bytes);

/* Set by SIGINT and SIGTERM once cli_catch_stop_signals() ran (which
 * also ignores SIGPIPE). */
extern volatile sig_atomic_t cli_stop_requested;
void cli_catch_stop_signals(void);

/* Returns -1 (after an error message) when |fd| is a terminal. */
int cli_refuse_tty(int fd, const char *what);

/*
 * Reads up to |len| bytes, retrying short reads and EINTR; returns the
 * number read (short only at end of file) or -1 with errno set.
 */
ssize_t cli_read_full(int fd, void *buf, size_t len);

/* Writes all |len| bytes; returns 0 or -1 with errno set. */
int cli_write_all(int fd, const void *buf, size_t len);

/* Wipes |len| bytes so the compiler cannot drop it. */
void cli_wipe(void *p, size_t len);

/*
 * Installs a pf_log callback printing "pf-x: message" to stderr for
 * levels up to |max_level| (PF_LOG_WARN by default in the tools).
 */
void cli_log_to_stderr(int max_level);

/* Current wall-clock time as seconds since the epoch (for JSON stats). */
double cli_wallclock(void);

/*
 * Returns 1 when |rv| from pf_udp_open() with |backend| means io_uring
 * cannot be used here (so the message should suggest --io=mmsg).
 */
int cli_uring_hint(uint32_t backend, int rv);

/* Formats |bps| as "123.4 Mbit/s" into |buf|. */
void cli_format_rate(double bps, char *buf, size_t len);

/* --------------------------------------- cli_parse.c: option values */

/*
 * Strict number parsing: the first character must be a digit, the whole
 * string must be consumed and the value must lie in [min, max].  On
 * failure prints "pf-x: invalid <what> 'str': expected min..max" and
 * returns -1.
 */
int cli_parse_u64(const char *str, uint64_t min, uint64_t max,
                  const char *what, uint64_t *out);
int cli_parse_u32(const char *str, uint32_t min, uint32_t max,
                  const char *what, uint32_t *out);

/*
 * Like cli_parse_u64 but accepts a binary suffix K, M or G (KiB, MiB,
 * GiB), e.g. "64K".
 */
int cli_parse_size(const char *str, uint64_t min, uint64_t max,
                   const char *what, uint64_t *out);

/*
 * Parses a comma-separated list of integers in [0, max] into |out| (at
 * most |cap| entries); returns the count or -1 after printing an error.
 */
int cli_parse_list(const char *str, uint32_t max, const char *what,
                   uint32_t *out, size_t cap);

/*
 * Digits (at most 16) with an optional fraction ("12", "0.25") at |p|:
 * stores the value and sets |*end| past them.  -1 (no message) if there
 * are none.
 */
int cli_parse_decimal(const char *p, double *out, const char **end);

/*
 * Parses a bit rate: a number with an optional fraction and suffix k, M
 * or G (10^3, 10^6, 10^9 bits/s; K and g are accepted too), e.g. "500M",
 * "2.5G", at most 1000G.  "0" means unlimited.  Returns 0 or -1 after an
 * error message.
 */
int cli_parse_rate(const char *str, const char *what, uint64_t *bps);

/*
 * Parses a duration in seconds with an optional fraction ("10", "0.25")
 * in [min_s, max_s]; stores nanoseconds.  Returns 0 or -1 after an
 * error message.
 */
int cli_parse_seconds(const char *str, double min_s, double max_s,
                      const char *what, uint64_t *ns);

/* Maps "aes128gcm" / "chacha20poly1305" to PF_AEAD_*; -1 after an
 * error message. */
int cli_parse_aead(const char *str, uint32_t *aead);
const char *cli_aead_name(uint32_t aead);

/* Maps "gf8" / "gf16" to PF_FEC_GF8 / PF_FEC_GF16 (the tools' spelling of
 * a FEC scheme); -1 (no message: each tool names its own option) for
 * anything else. */
int cli_fec_scheme_parse(const char *str, uint32_t *fec_scheme);
/* "gf8" or "gf16" (anything but PF_FEC_GF16 is gf8). */
const char *cli_fec_scheme_name(uint32_t fec_scheme);

/* Maps "uring" / "io_uring" to PF_UDP_IO_URING and "mmsg" to
 * PF_UDP_IO_MMSG (--io NAME); -1 (no message) for anything else. */
int cli_udp_backend_parse(const char *name);

/* --------------------------------------------- cli_key.c: key files */

/* A data-plane key file: "pf-key-v1 <aead> <hex key> <hex salt>\n". */
#define CLI_KEY_MAGIC "pf-key-v1"
struct cli_key {
  uint32_t aead; /* PF_AEAD_AES128GCM or PF_AEAD_CHACHA20POLY1305 */
  uint8_t key[32];
  uint32_t key_len;
  uint8_t salt[4];
};

/*
 * Writes a fresh key file (random key and salt from getrandom(2)) at
 * |path|, created with mode 0600 (O_CREAT | O_EXCL | O_NOFOLLOW): an
 * existing file or symbolic link at |path| is an error, never followed
 * or overwritten.  Returns 0 or -1 after an error message.
 */
int cli_key_generate(const char *path, uint32_t aead);

/*
 * Reads the key file at |path| into |k|.  Refuses (ssh's rule) a file
 * that is not a regular file, not owned by the effective user, or
 * readable or writable by group or others (the message says chmod 600).
 * Returns 0 or -1 after an error message.
 */
int cli_key_read(const char *path, struct cli_key *k);

/* -------------------------------------------- cli_addr.c: addresses */

/*
 * 1 when |addr| ("HOST:PORT", "[V6]:PORT", "localhost:PORT", the address
 * forms pf_udp_open() takes) names a loopback address: 127.0.0.0/8, ::1
 * or ::ffff:127.0.0.0/104.  0 for anything else, the wildcard (":PORT",
 * a bare port) and text that is not an address.
 */
int cli_addr_is_loopback(const char *addr);

/* ----------------------------------------- cli_opt.c: command lines */

/*
 * The front of a tool with subcommands ("pf-x COMMAND [options]"):
 * handles "pf-x", "pf-x -h|--help|help", "pf-x -V|--version" and bad
 * leading options (options follow the command), then looks argv[1] up in
 * |table|, an array of |n| structs of |stride| bytes each starting with
 * `const char *name`.  Returns the index of the command, or -1 after
 * printing what is needed, with the exit status in |*status|.
 */
long cli_command_find(int argc, char **argv, const struct option *longopts,
                      const void *table, size_t stride, size_t n,
                      void (*usage)(FILE *), int *status);

#define CLI_OPT_END (-1)  /* all options read */
#define CLI_OPT_STOP (-2) /* stop; the exit status is in *status */

/*
 * One table describes every option of a tool, once.  From it come the
 * getopt_long() arrays, the option list of --help (all options, or one
 * command's), and, for a tool with subcommands, the "does not apply"
 * check; the man page lists the same long options (tests/cli compares
 * them).  Each row's id is what the parser hands back for it, so rows can
 * be in --help order and shared rows can come from a macro.
 *
 *   enum { CMD_ENCODE, CMD_INFO };                      (command numbers)
 *   enum { O_K, O_JSON, O_HELP, O_VERSION };            (ids)
 *   static const struct cli_opt options[] = {
 *       {"data-shards", 'k', "K", CLI_CMD(CMD_ENCODE), "data shards", O_K},
 *       {"json", 0, NULL, CLI_CMD(CMD_INFO), "info: JSON output", O_JSON},
 *       {"help", 'h', NULL, CLI_CMD_ALL, "show this help", O_HELP},
 *       {"version", 'V', NULL, CLI_CMD_ALL, "show the version", O_VERSION},
 *       {NULL, 0, NULL, 0, NULL, 0},
 *   };
 *   static struct cli_opts set;
 *   cli_opts_init(&set, options);
 *   ... cli_command_find(argc, argv, set.longopts, ...) ...
 *   optind = 1;
 *   while ((id = cli_opts_next(&set, argc, argv, &cmd, &status)) >= 0)
 *     switch (id) { case O_K: ... optarg ... }
 *   if (id == CLI_OPT_STOP) return status;
 *
 * A tool without subcommands gives every row CLI_CMD_ALL and reads its
 * options with cli_opts_next_tool() instead.  "help" and "version" are
 * handled by the parser itself (usage, or the version, on stdout;
 * CLI_OPT_STOP with CLI_EXIT_OK).  --help prints one line per row:
 *
 *   "  -k, --data-shards K  help" or "      --json               help"
 *
 * with the help texts in one column, the widest row's width plus two.
 *
 * A long name may have several rows when commands describe it
 * differently ("--loss P,..." for one, "--loss P" for another): their
 * command bits must not overlap, and they must agree on the letter and
 * on whether a value follows.  getopt_long() sees the name once; the
 * parser returns the id of the row the command takes.
 */
struct cli_opt {
  const char *name;  /* long name without "--"; NULL ends the table */
  int letter;        /* short option letter, or 0 for none */
  const char *arg;   /* the value's name in --help ("K"); NULL: a flag */
  unsigned commands; /* CLI_CMD() bits of the commands that take it */
  const char *help;  /* one line for --help */
  int id;            /* what the parser returns for it (>= 0) */
};
#define CLI_CMD(i) (1u << (i))
#define CLI_CMD_ALL (~0u)
#define CLI_OPTS_MAX 64

/* A subcommand, as cli_opts_next() and cli_opts_usage() see it. */
struct cli_opts_cmd {
  const char *name;     /* "encode" */
  const char *synopsis; /* "[-k K] ..." */
  const char *summary;  /* one line */
  unsigned bit;         /* its CLI_CMD() bit */
};

/* The getopt_long() view of a table, filled by cli_opts_init(). */
struct cli_opts {
  const struct cli_opt *table;
  size_t n;
  struct option longopts[CLI_OPTS_MAX + 1];
  char shortopts[3 + 2 * CLI_OPTS_MAX];
};

/*
 * Fills |set| from |table| (which must outlive it).  Returns 0, or -1
 * if the table has more than CLI_OPTS_MAX entries (a bug in the tool).
 */
int cli_opts_init(struct cli_opts *set, const struct cli_opt *table);

/* Prints the --help line of every option one of the |commands| bits
 * takes (CLI_CMD_ALL: all of them). */
void cli_opts_help(FILE *f, const struct cli_opts *set, unsigned commands);

/* Prints "Usage: pf-x NAME SYNOPSIS" and the summary line; with
 * |options|, also the options |cmd| takes. */
void cli_opts_usage(FILE *f, const struct cli_opts *set,
                    const struct cli_opts_cmd *cmd, int options);

/*
 * getopt_long() over |cmd|'s options (set optind = 1 first).  Returns
 * the id of the next option (optarg holds its value), or
 * CLI_OPT_END when all are read, or CLI_OPT_STOP with the exit status in
 * |*status| after handling --help or --version (CLI_EXIT_OK), or after
 * printing why and the usage to stderr (CLI_EXIT_USAGE): an unknown
 * option, a missing value, an option |cmd| does not take, an operand.
 */
int cli_opts_next(const struct cli_opts *set, int argc, char **argv,
                  const struct cli_opts_cmd *cmd, int *status);

/*
 * The same for a tool without subcommands ("pf-x [options] OPERAND..."):
 * options and operands may mix (GNU order; "--" ends the options), and
 * once it returns CLI_OPT_END the operands are argv[optind..argc-1].
 * --help prints |usage| on stdout; an unknown option or a missing value
 * prints why and |usage| on stderr (CLI_OPT_STOP, CLI_EXIT_USAGE).
 */
int cli_opts_next_tool(const struct cli_opts *set, int argc, char **argv,
                       void (*usage)(FILE *), int *status);

#endif /* PF_CLI_H */
