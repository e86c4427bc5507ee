/*
 * pf-fec.c -- erasure-code a byte stream into a shard stream and back,
 * describe shard streams, and benchmark the FEC kernels.
 *
 * This file parses the command line (one option table gives getopt, the
 * --help text and the per-command checks), holds the helpers the
 * subcommands share, and dispatches to one file per subcommand
 * (pf-fec-encode.c, -decode.c, -info.c, -bench.c; pf-fec.h).  The
 * shard-stream format is specified in doc/shard-stream.md and coded and
 * read by the library (pf_shard_record_*, pf_shard_reader).  Memory is
 * bounded by one block in every command.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-fec.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define C_ENC CLI_CMD(CMD_ENCODE)
#define C_DEC CLI_CMD(CMD_DECODE)
#define C_INFO CLI_CMD(CMD_INFO)
#define C_BENCH CLI_CMD(CMD_BENCH)

/* Every option, with its O_* id (pf-fec.h); doc/man/pf-fec.1 lists the
 * same long options. */
static const struct cli_opt options[] = {
    {"code", 0, "gf8|gf16", C_ENC | C_DEC | C_BENCH,
     "erasure code (default gf8)", O_CODE},
    {"data-shards", 'k', "K", C_ENC | C_DEC | C_BENCH,
     "data shards per block (default " STR(DEFAULT_K) ")", O_K},
    {"parity-shards", 'm', "M", C_ENC | C_DEC | C_BENCH,
     "parity shards per block (default " STR(DEFAULT_M) ")", O_M},
    {"shard-size", 0, "N", C_ENC | C_DEC | C_BENCH,
     "bytes per shard (default " STR(DEFAULT_SHARD_BYTES) "; even for gf16)",
     O_SIZE},
    {"format", 0, "stream|raw", C_ENC | C_DEC,
     "shard stream (default) or bare shards", O_FORMAT},
    {"lost", 0, "I,J,...", C_DEC, "raw decode: indices of lost shards",
     O_LOST},
    {"strict", 0, NULL, C_DEC, "decode: damaged records are fatal",
     O_STRICT},
    {"json", 0, NULL, C_INFO | C_BENCH, "info, bench: JSON output", O_JSON},
    {"records", 0, NULL, C_INFO, "info: list every record", O_RECORDS},
    {"seconds", 0, "S", C_BENCH,
     "bench: time per measurement (default " STR(DEFAULT_SECONDS) ")",
     O_SECONDS},
    {"help", 'h', NULL, CLI_CMD_ALL, "show this help", O_HELP},
    {"version", 'V', NULL, CLI_CMD_ALL, "show the version", O_VERSION},
    {NULL, 0, NULL, 0, NULL, 0},
};

struct command {
  struct cli_opts_cmd c; /* first: cli_command_find() reads the name */
  int (*run)(const struct opts *o);
};

/* In the order of enum CMD_* (pf-fec.h). */
static const struct command commands[] = {
    {{"encode",
      "[--code gf8|gf16] [-k K] [-m M] [--shard-size N] [--format stream|raw]",
      "FEC-encode standard input into a shard stream on standard output",
      C_ENC},
     cmd_encode},
    {{"decode",
      "[--strict] | --format raw [--code C] -k K -m M --shard-size N "
      "[--lost I,J,...]",
      "rebuild the original bytes from a shard stream with missing records",
      C_DEC},
     cmd_decode},
    {{"info", "[--json] [--records]",
      "describe a shard stream: parameters, blocks, losses, damage", C_INFO},
     cmd_info},
    {{"bench",
      "[--code gf8|gf16] [-k K] [-m M] [--shard-size N] [--seconds S] "
      "[--json]",
      "measure encode and decode speed of every FEC implementation",
      C_BENCH},
     cmd_bench},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static struct cli_opts optset;

static void usage(FILE *f) {
  size_t i;

  fprintf(f, "Usage: %s <command> [options]\n\n", cli_prog);
  fprintf(f, "Commands:\n");
  for (i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-7s %s\n", commands[i].c.name, commands[i].c.summary);
  fprintf(f, "\nOptions:\n");
  cli_opts_help(f, &optset, CLI_CMD_ALL);
  fprintf(f,
          "\nRun '%s <command> --help' for one command's usage; see "
          "pf-fec(1).\n",
          cli_prog);
}

/* ------------------------------------------------------------ helpers */

const char *code_name(uint32_t fec_scheme) {
  return cli_fec_scheme_name(fec_scheme);
}

static uint32_t code_max_shards(uint32_t fec_scheme) {
  return fec_scheme == PF_FEC_GF16 ? PF_FEC16_MAX_SHARDS : PF_FEC8_MAX_SHARDS;
}


/*
 * Checks k, m and the shard size against the code and the block limit
 * (which every command honours, so memory stays bounded by one block of
 * at most PF_SHARD_MAX_BLOCK_BYTES); prints why not.
 */
int check_params(uint32_t fec_scheme, uint32_t k, uint32_t m,
                        uint32_t shard_bytes) {
  uint64_t n = (uint64_t)k + m;

  if (n > code_max_shards(fec_scheme)) {
    cli_error("k + m = %" PRIu64 " is too large: %s allows at most %u shards",
              n, code_name(fec_scheme), code_max_shards(fec_scheme));
    return -1;
  }
  if (fec_scheme == PF_FEC_GF16 && (shard_bytes & 1u)) {
    cli_error("invalid shard size %u: gf16 needs an even shard size",
              shard_bytes);
    return -1;
  }
  if (n * shard_bytes > PF_SHARD_MAX_BLOCK_BYTES) {
    cli_error("a block of (k + m) x shard size = %" PRIu64
              " bytes is too large: the limit is %u (64 MiB)",
              n * shard_bytes, PF_SHARD_MAX_BLOCK_BYTES);
    return -1;
  }
  return 0;
}

int new_coder(pf_fec **fec, uint32_t fec_scheme, uint32_t k, uint32_t m,
                     uint32_t impl, uint32_t shard_bytes) {
  pf_fec_config cfg;
  int rv;

  pf_fec_config_default(&cfg);
  cfg.fec_scheme = fec_scheme;
  cfg.data_shards = k;
  cfg.parity_shards = m;
  cfg.impl = impl;
  if (fec_scheme == PF_FEC_GF16)
    cfg.max_shard_bytes = shard_bytes;
  rv = pf_fec_new(fec, &cfg, NULL);
  return rv;
}

int open_coder(pf_fec **fec, uint32_t fec_scheme, uint32_t k, uint32_t m,
                      uint32_t shard_bytes) {
  int rv = new_coder(fec, fec_scheme, k, m, PF_FEC_IMPL_AUTO, shard_bytes);
  const char *env = getenv("PF_FEC_IMPL");

  if (rv == 0)
    return 0;
  if (env && *env)
    cli_error("cannot create the %s coder (k=%u, m=%u) with PF_FEC_IMPL='%s': "
              "%s",
              code_name(fec_scheme), k, m, env, pf_strerror(rv));
  else
    cli_error("cannot create the %s coder (k=%u, m=%u): %s", code_name(fec_scheme),
              k, m, pf_strerror(rv));
  return rv;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n, size);

  if (!p)
    cli_error("out of memory (%zu bytes)", n * size);
  return p;
}

int read_input(void *buf, size_t len, size_t *got) {
  ssize_t n = cli_read_full(STDIN_FILENO, buf, len);

  if (n < 0) {
    cli_error("cannot read standard input: %s", strerror(errno));
    return -1;
  }
  *got = (size_t)n;
  return 0;
}

int write_output(const void *buf, size_t len) {
  if (cli_write_all(STDOUT_FILENO, buf, len) != 0) {
    cli_error("cannot write standard output: %s", strerror(errno));
    return -1;
  }
  return 0;
}


/* ------------------------------------------------------------ main */

/* Returns 0, or an exit status after printing the reason. */
static int parse_options(const struct command *cmd, int argc, char **argv,
                         struct opts *o, int *done) {
  uint64_t v;
  int i, n, rv;

  optind = 1;
  while ((i = cli_opts_next(&optset, argc, argv, &cmd->c, &rv)) >= 0) {
    o->given |= OPT(i);
    switch (i) {
    case O_CODE:
      if (cli_fec_scheme_parse(optarg, &o->fec_scheme) != 0) {
        cli_error("invalid code '%s': expected gf8 or gf16", optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    case O_K:
      if (cli_parse_u32(optarg, 1, PF_FEC16_MAX_SHARDS - 1, "data shard count",
                        &o->k) != 0)
        return CLI_EXIT_USAGE;
      break;
    case O_M:
      if (cli_parse_u32(optarg, 1, PF_FEC16_MAX_SHARDS - 1,
                        "parity shard count", &o->m) != 0)
        return CLI_EXIT_USAGE;
      break;
    case O_SIZE:
      if (cli_parse_size(optarg, 1, PF_SHARD_MAX_SHARD_BYTES, "shard size",
                         &v) != 0)
        return CLI_EXIT_USAGE;
      o->shard_bytes = (uint32_t)v;
      break;
    case O_FORMAT:
      if (strcmp(optarg, "raw") == 0)
        o->raw = 1;
      else if (strcmp(optarg, "stream") == 0)
        o->raw = 0;
      else {
        cli_error("invalid format '%s': expected stream or raw", optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    case O_LOST:
      n = cli_parse_list(optarg, PF_FEC16_MAX_SHARDS - 1, "lost shard list",
                         o->lost, MAX_LOST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      o->nlost = (size_t)n;
      break;
    case O_JSON:
      o->json = 1;
      break;
    case O_RECORDS:
      o->records = 1;
      break;
    case O_STRICT:
      o->strict = 1;
      break;
    case O_SECONDS:
      if (cli_parse_seconds(optarg, 0.001, 60, "seconds", &v) != 0)
        return CLI_EXIT_USAGE;
      o->seconds = (double)v / 1e9;
      break;
    default: /* not reached: cli_opts_next() handles help and version */
      cli_opts_usage(stderr, &optset, &cmd->c, 0);
      return CLI_EXIT_USAGE;
    }
  }
  if (i == CLI_OPT_STOP) {
    *done = rv == CLI_EXIT_OK;
    return rv;
  }
  return CLI_EXIT_OK;
}

/* Cross-option checks after parsing; returns 0 or CLI_EXIT_USAGE. */
static int check_options(const struct opts *o) {
  size_t i;

  if ((o->given & OPT(O_LOST)) && !o->raw) {
    cli_error("--lost needs --format raw (a shard stream says itself "
              "which records are missing)");
    return CLI_EXIT_USAGE;
  }
  if (o->cmd == CMD_DECODE && !o->raw &&
      (o->given & (OPT(O_CODE) | OPT(O_K) | OPT(O_M) | OPT(O_SIZE)))) {
    cli_error("decode reads the code, k, m and shard size from the stream; "
              "those options need --format raw");
    return CLI_EXIT_USAGE;
  }
  if (o->raw && o->strict) {
    cli_error("--strict applies to shard streams, not --format raw");
    return CLI_EXIT_USAGE;
  }
  if (o->cmd == CMD_INFO || (o->cmd == CMD_DECODE && !o->raw))
    return 0;
  if (check_params(o->fec_scheme, o->k, o->m, o->shard_bytes) != 0)
    return CLI_EXIT_USAGE;
  for (i = 0; i < o->nlost; i++) {
    if (o->lost[i] >= o->k + o->m) {
      cli_error("lost shard %u is out of range: k + m = %u shards are "
                "numbered 0..%u",
                o->lost[i], o->k + o->m, o->k + o->m - 1);
      return CLI_EXIT_USAGE;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  static uint32_t lost[MAX_LOST];
  const struct command *cmd;
  long idx;
  struct opts o;
  int done = 0, rv;

  cli_init("pf-fec");
  if (cli_opts_init(&optset, options) != 0) {
    cli_error("internal error: option table too large");
    return CLI_EXIT_FAIL;
  }
  idx = cli_command_find(argc, argv, optset.longopts, commands,
                         sizeof(commands[0]), NCOMMANDS, usage, &rv);
  if (idx < 0)
    return rv;
  cmd = &commands[idx];
  memset(&o, 0, sizeof(o));
  o.cmd = (int)idx;
  o.fec_scheme = PF_FEC_GF8;
  o.k = DEFAULT_K;
  o.m = DEFAULT_M;
  o.shard_bytes = DEFAULT_SHARD_BYTES;
  o.seconds = DEFAULT_SECONDS;
  o.lost = lost;
  rv = parse_options(cmd, argc - 1, argv + 1, &o, &done);
  if (rv != CLI_EXIT_OK || done)
    return rv;
  rv = check_options(&o);
  if (rv != 0)
    return rv;
  return cmd->run(&o);
}
