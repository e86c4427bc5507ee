/*
 * pf-fec.h -- what the pf-fec subcommands share: the parsed options, the
 * option numbers, and the helpers of pf-fec.c (coder set-up, checked
 * I/O).  One file per subcommand: pf-fec-encode.c, pf-fec-decode.c
 * (which also walks shard streams for info), pf-fec-info.c,
 * pf-fec-bench.c; pf-fec.c parses the command line and dispatches.
 */
#ifndef PF_FEC_TOOL_H
#define PF_FEC_TOOL_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

#define DEFAULT_K 10
#define DEFAULT_M 4
#define DEFAULT_SHARD_BYTES 1400
#define DEFAULT_SECONDS 0.25
#define MAX_LOST PF_FEC16_MAX_SHARDS

/* The subcommands, in the order of pf-fec.c's command table. */
enum { CMD_ENCODE, CMD_DECODE, CMD_INFO, CMD_BENCH };

/* The options' ids in pf-fec.c's option table; struct
 * opts.given has bit OPT(O_x) set for each option on the command line. */
enum {
  O_CODE,
  O_K,
  O_M,
  O_SIZE,
  O_FORMAT,
  O_LOST,
  O_STRICT,
  O_JSON,
  O_RECORDS,
  O_SECONDS,
  O_HELP,
  O_VERSION,
};
#define OPT(o) (1u << (o))

struct opts {
  int cmd;        /* CMD_* */
  unsigned given; /* OPT() bits seen on the command line */
  uint32_t fec_scheme;
  uint32_t k, m, shard_bytes;
  int raw;
  uint32_t *lost;
  size_t nlost;
  int json, records, strict;
  double seconds;
};

int cmd_encode(const struct opts *o);
int cmd_decode(const struct opts *o);
int cmd_info(const struct opts *o);
int cmd_bench(const struct opts *o);

/* ---- helpers (pf-fec.c); each prints why it failed */

const char *code_name(uint32_t fec_scheme);
/* Checks k, m and the shard size against the code and the block limit. */
int check_params(uint32_t fec_scheme, uint32_t k, uint32_t m, uint32_t shard_bytes);
/* A coder with implementation |impl|; returns pf_fec_new()'s code, silent. */
int new_coder(pf_fec **fec, uint32_t fec_scheme, uint32_t k, uint32_t m,
              uint32_t impl, uint32_t shard_bytes);
/* The automatic coder; returns 0 or an error after printing it. */
int open_coder(pf_fec **fec, uint32_t fec_scheme, uint32_t k, uint32_t m,
               uint32_t shard_bytes);
void *xcalloc(size_t n, size_t size);
int read_input(void *buf, size_t len, size_t *got);
int write_output(const void *buf, size_t len);

/* ---- reading shard streams (pf-fec-decode.c), for decode and info */

/*
 * The block bookkeeping over pf_shard_reader's events.  Records of a
 * block are contiguous and blocks arrive in order 0, 1, 2, ...; a block
 * with no record at all shows up as a gap in the numbering.
 */
struct stream {
  int decode; /* keep payloads, rebuild, write */
  int strict;
  int list;   /* info --records */
  int json;
  pf_shard_reader *rd;
  uint64_t nrecord;
  /* current block */
  int active;
  pf_shard_record blk; /* parameters from its first record */
  uint64_t blk_offset;
  uint8_t *present;
  uint32_t npresent, ndamaged;
  uint8_t *shards;
  uint8_t **ptr;
  size_t shards_cap, present_cap;
  pf_fec *fec;
  pf_shard_record fec_params;
  uint64_t next_block;
  int final_seen;
  /* statistics for info */
  uint64_t intact, bad_payload, bad_header, skipped, duplicates;
  uint64_t blocks, lost_blocks, unrecoverable, lost_shards, data_bytes;
  uint64_t unrec_list[8];
  size_t nunrec_list;
  int have_first, uniform;
  pf_shard_record first;
};

/* Reads standard input to the end; returns 0 or -1 after an error. */
int stream_run(struct stream *st);
void stream_free(struct stream *st);

#endif /* PF_FEC_TOOL_H */
