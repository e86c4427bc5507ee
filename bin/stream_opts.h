/*
 * stream_opts.h -- the stream options pf-send and pf-recv share: their
 * values and defaults, the getopt cases that parse them, what follows
 * from them after parsing, the pieces of --help that describe them, and
 * the small run-time helpers both tools need around them (key, statistics,
 * signals, UDP socket).
 *
 * Each tool keeps its own `struct option` table (the man-page test
 * compares each tool's --help with its man page) and its own options; it reads
 * its arguments with cli_stream_getopt(), which parses the shared ones
 * and hands back the rest.  It includes framing.h.
 * Not part of the library: no API or ABI promise.
 */
#ifndef PF_STREAM_OPTS_H
#define PF_STREAM_OPTS_H

#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "framing.h"

/* Defaults both sides must agree on. */
#define CLI_STREAM_DEFAULT_SHARD 1388u
#define CLI_STREAM_DEFAULT_K 200u
#define CLI_STREAM_DEFAULT_MAX_FRAME (64u * 1024u * 1024u)
/* Pipe buffer pf-send asks for on its input and pf-recv on its output
 * (cli_pipe_grow()): a 200 kB video frame in one trip. */
#define PIPE_BYTES (1024u * 1024u)

/* getopt_long() values of the shared long options; a tool numbers its
 * own from CLI_SO_TOOL on. */
enum {
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

/* The long options both tools share (they map to CLI_SO_* or to the
 * short option); each tool's table adds its own and the terminator. */
#define CLI_STREAM_LONGOPTS                                                    \
  {"help", no_argument, NULL, 'h'},                                            \
  {"version", no_argument, NULL, 'V'},                                         \
  {"framing", required_argument, NULL, 'f'},                                   \
  {"codec", required_argument, NULL, CLI_SO_CODEC},                            \
  {"fec", required_argument, NULL, CLI_SO_FEC},                                \
  {"fec-percent", required_argument, NULL, CLI_SO_FEC_PERCENT},                \
  {"max-data-per-block", required_argument, NULL, CLI_SO_MAX_K},               \
  {"shard-size", required_argument, NULL, CLI_SO_SHARD},                       \
  {"mtu", required_argument, NULL, CLI_SO_MTU},                                \
  {"max-frame-size", required_argument, NULL, CLI_SO_MAX_FRAME},               \
  {"key-file", required_argument, NULL, CLI_SO_KEY_FILE},                      \
  {"no-encrypt", no_argument, NULL, CLI_SO_NO_ENCRYPT},                        \
  {"insecure", no_argument, NULL, CLI_SO_INSECURE},                            \
  {"aead", required_argument, NULL, CLI_SO_AEAD},                              \
  {"io", required_argument, NULL, CLI_SO_IO},                                  \
  {"stats-json", required_argument, NULL, CLI_SO_STATS_JSON},                  \
  {"stats-interval", required_argument, NULL, CLI_SO_STATS_INTERVAL},          \
  {"quiet", no_argument, NULL, 'q'},                                           \
  {"verbose", no_argument, NULL, 'v'}

/* The short options among them, for the tool's getopt string. */
#define CLI_STREAM_SHORTOPTS "f:qv"

struct cli_stream_opts {
  const char *key_file, *stats_json;
  /* Recorded by cli_stream_getopt() for the --no-encrypt rule: the
   * tool's address operand (pf-send's HOST:PORT, pf-recv's [ADDR:]PORT)
   * and the value of a tool option named --peer. */
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
 * Handles getopt_long() result |c| with |arg| if it is a shared option:
 * returns 1 (taken), 0 (not a shared option: the tool's own or unknown)
 * or -1 (invalid value; error message printed, the tool prints usage).
 */
int cli_stream_opt(int c, const char *arg, struct cli_stream_opts *o);

/*
 * getopt_long() that handles the shared options, -h/--help (|usage| on
 * stdout), -V/--version and invalid options itself.  Returns the next of
 * the tool's own options, or -1 when parsing ends: then *exit_status is
 * -1 when all options were read, else the status to exit with (0 after
 * help or version, CLI_EXIT_USAGE after an error and usage on stderr).
 */
int cli_stream_getopt(int argc, char **argv, const char *shortopts,
                      const struct option *longopts, struct cli_stream_opts *o,
                      void (*usage)(FILE *), int *exit_status);

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

/* ------------------------------------------------ shared --help lines */

#define CLI_STREAM_HELP_FRAMING                                                \
  "  -f, --framing MODE          length (default), fixed:N, raw, "             \
  "annexb, ivf\n"                                                              \
  "      --codec h264|h265       annexb: the codec (default h264)\n"           \
  "      --fec gf8|gf16|none     erasure code (default gf8)\n"

/* Takes two %u: CLI_STREAM_DEFAULT_K and CLI_STREAM_DEFAULT_SHARD. */
#define CLI_STREAM_HELP_GEOMETRY                                               \
  "      --max-data-per-block K  data shards per FEC block (default "          \
  "%u)\n"                                                                      \
  "      --shard-size N          bytes per shard, even (default "              \
  "%u)\n"                                                                      \
  "      --mtu N                 derive --shard-size from a link "             \
  "MTU\n"

#define CLI_STREAM_HELP_KEY                                                    \
  "      --max-frame-size SIZE   largest frame (default 64M)\n"                \
  "      --key-file FILE         key file (or env PF_KEY_FILE)\n"

#define CLI_STREAM_HELP_AEAD                                                   \
  "      --insecure              allow --no-encrypt beyond loopback\n"        \
  "      --aead NAME             aes128gcm or chacha20poly1305\n"

#define CLI_STREAM_HELP_IO                                                     \
  "      --io uring|mmsg         socket backend (default uring)\n"

#define CLI_STREAM_HELP_TAIL                                                   \
  "      --stats-interval S      seconds between statistics "                  \
  "(default 1)\n"                                                              \
  "  -q, --quiet                 no summary line\n"                            \
  "  -v, --verbose               library diagnostics\n"                        \
  "  -h, --help                  show this help\n"                             \
  "  -V, --version               show the version\n"

#endif /* PF_STREAM_OPTS_H */
