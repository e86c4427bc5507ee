/*
 * stream_opts.h -- the stream options pf-send and pf-recv share: their
 * values and defaults, the getopt cases that parse them, what follows
 * from them after parsing, the pieces of --help that describe them, and
 * the small run-time helpers both tools need around them (key, statistics,
 * signals, UDP socket).
 *
 * Each tool has one option table (struct cli_opt, cli.h) in its --help
 * order: the shared rows come from the CLI_STREAM_OPTS_* macros below,
 * its own rows and the shared options whose --help text differs per tool
 * it writes itself.  getopt and --help both come from that table (the
 * man-page test compares each tool's --help with its man page).  It reads
 * its arguments with cli_stream_getopt(), which parses the shared options
 * and hands back the rest.  It includes framing.h.
 * Not part of the library: no API or ABI promise.
 */
#ifndef PF_STREAM_OPTS_H
#define PF_STREAM_OPTS_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "framing.h"

/* Defaults both sides must agree on. */
#define CLI_STREAM_DEFAULT_SHARD 1388 /* plain numbers: --help prints them */
#define CLI_STREAM_DEFAULT_K 200
#define CLI_STREAM_DEFAULT_MAX_FRAME (64u * 1024u * 1024u)
/* Pipe buffer pf-send asks for on its input and pf-recv on its output
 * (cli_pipe_grow()): a 200 kB video frame in one trip. */
#define PIPE_BYTES (1024u * 1024u)

/* The ids (struct cli_opt) of the shared options; a tool numbers its
 * own long-only options from CLI_SO_TOOL on and uses the letter as the id
 * of the others. */
enum {
  CLI_SO_FRAMING = 'f',
  CLI_SO_QUIET = 'q',
  CLI_SO_VERBOSE = 'v',
  CLI_SO_HELP = 'h',
  CLI_SO_VERSION = 'V',
  CLI_SO_FEC = 256,
  CLI_SO_FEC_PERCENT,
  CLI_SO_MAX_K,
  CLI_SO_SHARD,
  CLI_SO_MTU,
  CLI_SO_KEY_FILE,
  CLI_SO_NO_ENCRYPT,
  CLI_SO_INSECURE,
  CLI_SO_AEAD,
  CLI_SO_IO,
  CLI_SO_STATS_JSON,
  CLI_SO_STATS_INTERVAL,
  CLI_SO_CODEC,
  CLI_SO_MAX_FRAME,
  CLI_SO_TOOL,
};

#define CLI_STR_(x) #x
#define CLI_STR(x) CLI_STR_(x)

/*
 * The option-table rows both tools share, in groups as their --help
 * lists them.  --fec-percent, --no-encrypt and --stats-json are shared
 * too (CLI_SO_FEC_PERCENT, CLI_SO_NO_ENCRYPT, CLI_SO_STATS_JSON) but each
 * tool writes its own row: their --help text differs.
 */
#define CLI_STREAM_OPTS_FRAMING                                                \
  {"framing", 'f', "MODE", CLI_CMD_ALL,                                        \
   "length (default), fixed:N, raw, annexb, ivf", CLI_SO_FRAMING},             \
  {"codec", 0, "h264|h265", CLI_CMD_ALL, "annexb: the codec (default h264)",   \
   CLI_SO_CODEC},                                                              \
  {"fec", 0, "gf8|gf16|none", CLI_CMD_ALL, "erasure code (default gf8)",       \
   CLI_SO_FEC}

#define CLI_STREAM_OPTS_GEOMETRY                                               \
  {"max-data-per-block", 0, "K", CLI_CMD_ALL,                                  \
   "data shards per FEC block (default " CLI_STR(CLI_STREAM_DEFAULT_K) ")",    \
   CLI_SO_MAX_K},                                                              \
  {"shard-size", 0, "N", CLI_CMD_ALL,                                          \
   "bytes per shard, even (default " CLI_STR(CLI_STREAM_DEFAULT_SHARD) ")",    \
   CLI_SO_SHARD},                                                              \
  {"mtu", 0, "N", CLI_CMD_ALL, "derive --shard-size from a link MTU",          \
   CLI_SO_MTU}

#define CLI_STREAM_OPTS_KEY                                                    \
  {"max-frame-size", 0, "SIZE", CLI_CMD_ALL, "largest frame (default 64M)",    \
   CLI_SO_MAX_FRAME},                                                          \
  {"key-file", 0, "FILE", CLI_CMD_ALL, "key file (or env PF_KEY_FILE)",        \
   CLI_SO_KEY_FILE}

#define CLI_STREAM_OPTS_AEAD                                                   \
  {"insecure", 0, NULL, CLI_CMD_ALL, "allow --no-encrypt beyond loopback",     \
   CLI_SO_INSECURE},                                                           \
  {"aead", 0, "NAME", CLI_CMD_ALL, "aes128gcm or chacha20poly1305",            \
   CLI_SO_AEAD}

#define CLI_STREAM_OPTS_IO                                                     \
  {"io", 0, "uring|mmsg", CLI_CMD_ALL, "socket backend (default uring)",       \
   CLI_SO_IO}

#define CLI_STREAM_OPTS_TAIL                                                   \
  {"stats-interval", 0, "S", CLI_CMD_ALL,                                      \
   "seconds between statistics (default 1)", CLI_SO_STATS_INTERVAL},           \
  {"quiet", 'q', NULL, CLI_CMD_ALL, "no summary line", CLI_SO_QUIET},          \
  {"verbose", 'v', NULL, CLI_CMD_ALL, "library diagnostics", CLI_SO_VERBOSE},  \
  {"help", 'h', NULL, CLI_CMD_ALL, "show this help", CLI_SO_HELP},             \
  {"version", 'V', NULL, CLI_CMD_ALL, "show the version", CLI_SO_VERSION},     \
  {NULL, 0, NULL, 0, NULL, 0}

struct cli_stream_opts {
  const char *key_file, *stats_json;
  /* For the --no-encrypt rule: the tool's address operand (pf-send's
   * HOST:PORT, pf-recv's [ADDR:]PORT; recorded by cli_stream_getopt())
   * and pf-recv's --peer (set by pf-recv). */
  const char *addr, *peer;
  struct fr_spec framing;
  uint32_t fec, fec_percent, k, shard, mtu, backend, aead;
  int aead_given, fec_percent_given, max_frame_given, no_encrypt, insecure,
      quiet, verbose;
  uint64_t stats_interval_ns, max_frame;
};

/* Sets the defaults; the parity default differs between the tools. */
void cli_stream_opts_default(struct cli_stream_opts *o, uint32_t fec_percent);

/*
 * Handles the option with id |c| and value |arg| if it is a shared one:
 * returns 1 (taken), 0 (not a shared option: the tool's own or unknown)
 * or -1 (invalid value; error message printed, the tool prints usage).
 */
int cli_stream_opt(int c, const char *arg, struct cli_stream_opts *o);

/*
 * cli_opts_next_tool() over the tool's table |set| that handles the
 * shared options, --help (|usage| on stdout), --version and invalid
 * options itself.  Returns the id of the next of the tool's own options
 * (optarg holds its value), or -1 when parsing ends: then *exit_status is
 * -1 when all options were read (the operands are argv[optind..]), else
 * the status to exit with (0 after help or version, CLI_EXIT_USAGE after
 * an error and usage on stderr).
 */
int cli_stream_getopt(const struct cli_opts *set, int argc, char **argv,
                      struct cli_stream_opts *o, void (*usage)(FILE *),
                      int *exit_status);

/*
 * After parsing: derives --shard-size from --mtu, shrinks the default
 * largest frame to 65535 blocks and installs the library log.  Returns 0,
 * or -1 after an error message (a usage error).
 */
int cli_stream_opts_finish(struct cli_stream_opts *o);

/*
 * The --no-encrypt rule: unsealed datagrams only when every address the
 * tool uses (o->addr and o->peer) is a loopback address, unless
 * --insecure; --insecure without --no-encrypt is an error too.  Returns
 * CLI_EXIT_OK, or CLI_EXIT_USAGE after an error message.
 */
int cli_stream_check_unsealed(const struct cli_stream_opts *o);

/*
 * Loads the key of --key-file (or PF_KEY_FILE) into |key| unless
 * --no-encrypt (after cli_stream_check_unsealed()); |no_key_hint|
 * completes "... or --no-encrypt to " in the message for a missing key.  |usage| is printed on a missing key, and on
 * --no-encrypt with --key-file when |usage_on_conflict|.  Returns a
 * CLI_EXIT_* status.
 */
int cli_stream_load_key(const struct cli_stream_opts *o, struct cli_key *key,
                        const char *no_key_hint, void (*usage)(FILE *),
                        int usage_on_conflict);

/* Copies a loaded key into a sender or receiver configuration. */
void cli_stream_key_copy(const struct cli_key *k, uint32_t *aead, uint8_t *key,
                         uint32_t *key_len, uint8_t *salt);

/* The library's FEC scheme, its name, the START descriptor's framing
 * argument and the library's largest frame for these options. */
uint32_t cli_stream_fec_scheme(const struct cli_stream_opts *o);
const char *cli_stream_fec_name(uint32_t fec);
uint32_t cli_stream_framing_arg(const struct cli_stream_opts *o);
uint64_t cli_stream_max_frame_bytes(const struct cli_stream_opts *o);

/*
 * Opens the UDP socket with --io; without GSO/GRO in the kernel it warns
 * with |no_offload_warning| and retries without.  |uc| is initialised
 * here, |max_datagram| is set when not 0.  Returns pf_udp_open()'s status.
 */
int cli_stream_udp_open(pf_udp **u, pf_udp_config *uc,
                        const struct cli_stream_opts *o, uint32_t max_datagram,
                        const char *local, const char *peer,
                        const char *no_offload_warning);

/* The statistics output: --stats-json, the terminal line, -q. */
struct cli_meter {
  uint64_t t0, last_ns, last_bytes;
  FILE *json;
  int tty, quiet;
};

/* Opens --stats-json ("-": standard output); returns 0 or -1 after an
 * error message. */
int cli_meter_open(struct cli_meter *m, const struct cli_stream_opts *o);

/* Seconds since t0, the average and the rate since the last call, in
 * bits/s, for |bytes| so far at |now|. */
void cli_meter_rates(struct cli_meter *m, uint64_t now, uint64_t bytes,
                     double *elapsed, double *rate, double *inst);

void cli_meter_close(struct cli_meter *m);

#endif /* PF_STREAM_OPTS_H */
