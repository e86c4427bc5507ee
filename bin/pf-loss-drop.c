/*
 * pf-loss-drop.c -- `pf-loss drop`: deletes records of a pf-fec shard
 * stream (stdin to stdout) by a seeded loss model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

#include "cli.h"
#include "pf-loss.h"

struct drop_opts {
  uint64_t seed;
  int quiet;
  lm_model model;
};

enum { O_RATE, O_BURST, O_PERIOD, O_PER_BLOCK, O_SEED, O_QUIET, O_HELP,
       O_VERSION };

#define D CLI_CMD(LOSS_DROP)

/* Its options: getopt and --help both come from this table. */
static const struct cli_opt drop_options[] = {
    {"rate", 0, "P", D, "drop each record with probability P (5% or 0.05)",
     O_RATE},
    {"burst", 0, "L", D, "with --rate: Gilbert-Elliott bursts of mean length L",
     O_BURST},
    {"period", 0, "N", D, "drop record n when n mod N = 0", O_PERIOD},
    {"per-block", 0, "N", D, "drop N random records of every block",
     O_PER_BLOCK},
    {"seed", 0, "N", D, "seed of every random choice (default random)",
     O_SEED},
    {"quiet", 'q', NULL, D, "no counts on standard error", O_QUIET},
    {"help", 'h', NULL, D, "show this help", O_HELP},
    {"version", 'V', NULL, D, "show the version", O_VERSION},
    {NULL, 0, NULL, 0, NULL, 0},
};

static int drop_main(int argc, char **argv);

const struct loss_cmd loss_cmd_drop = {
    {"drop",
     "--rate P [--burst L] | --period N | --per-block N [--seed N] [-q]",
     "drop records of a pf-fec shard stream (stdin to stdout)", D},
    drop_main,
    drop_options,
};

/* Prints why the stream cannot be walked on: |rv| and |ev| from
 * pf_shard_reader_next() (an error, or a DAMAGED stretch, which a
 * record filter cannot pass on: its record boundaries are unknown). */
static void drop_stream_error(int rv, const pf_shard_event *ev) {
  if (ev->why == PF_SHARD_WHY_TRUNCATED) {
    if (ev->length < PF_SHARD_HEADER_BYTES)
      cli_error("drop: truncated record header at offset %" PRIu64
                " (%" PRIu64 " bytes)",
                ev->offset, ev->length);
    else
      cli_error("drop: truncated record at offset %" PRIu64 ": %" PRIu64
                " of %" PRIu64 " bytes",
                ev->offset, ev->length, ev->need);
    return;
  }
  if (rv == PF_SHARD_EV_DAMAGED)
    rv = ev->why == PF_SHARD_WHY_HEADER_CHECKSUM ? PF_ERR_CHECKSUM
                                                 : PF_ERR_MALFORMED;
  cli_error("drop: bad record header at offset %" PRIu64 ": %s%s", ev->offset,
            pf_strerror(rv),
            ev->offset == 0 ? " (is this a pf-fec shard stream?)" : "");
}

/*
 * Copies the shard stream on stdin to stdout, leaving out the records
 * the model drops.  The library's reader walks the records; a record
 * whose payload is damaged is passed on like any other (damage is
 * pf-fec decode's business), but damaged headers, whose lengths cannot
 * be trusted, end the walk with an error.
 */
static int cmd_drop(const struct drop_opts *o) {
  pf_shard_reader *rd = NULL;
  uint8_t *mask = NULL;
  uint64_t records = 0, dropped = 0, blocks = 0, cur_block = 0;
  int in_block = 0, rv = CLI_EXIT_FAIL;
  lm_state st;

  if (cli_refuse_tty(STDOUT_FILENO, "a shard stream") != 0)
    return CLI_EXIT_USAGE;
  lm_state_init(&st, o->seed);
  mask = calloc(PF_FEC16_MAX_SHARDS, 1);
  if (!mask || pf_shard_reader_new(&rd, NULL) != 0) {
    cli_error("drop: out of memory");
    goto out;
  }
  for (;;) {
    pf_shard_event ev;
    const pf_shard_record *rec = &ev.rec;
    int r = pf_shard_reader_next(rd, &ev), drop;

    if (r == PF_SHARD_NEED_INPUT) {
      size_t space;
      uint8_t *p = pf_shard_reader_buffer(rd, &space);
      ssize_t n = read(STDIN_FILENO, p, space);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        cli_error("drop: cannot read standard input: %s", strerror(errno));
        goto out;
      }
      if (n == 0)
        pf_shard_reader_end(rd);
      else if ((r = pf_shard_reader_commit(rd, (size_t)n)) != 0) {
        cli_error("drop: cannot buffer input: %s", pf_strerror(r));
        goto out;
      }
      continue;
    }
    if (r == PF_SHARD_EV_END)
      break;
    if (r < 0 || r == PF_SHARD_EV_DAMAGED) {
      drop_stream_error(r, &ev);
      goto out;
    }
    /* PF_SHARD_EV_RECORD or PF_SHARD_EV_BAD_PAYLOAD: header trusted. */
    if (!in_block || rec->block != cur_block) {
      in_block = 1;
      cur_block = rec->block;
      blocks++;
      if (o->model.kind == LM_PER_BLOCK)
        lm_block_mask(&st, mask, rec->data_shards + rec->parity_shards,
                      o->model.per_block);
    }
    if (o->model.kind == LM_PER_BLOCK)
      drop = rec->index < rec->data_shards + rec->parity_shards &&
             mask[rec->index];
    else
      drop = lm_drop(&o->model, &st);
    records++;
    if (drop)
      dropped++;
    else if (cli_write_all(STDOUT_FILENO, ev.bytes, (size_t)ev.length) != 0) {
      cli_error("drop: cannot write standard output: %s", strerror(errno));
      goto out;
    }
  }
  rv = CLI_EXIT_OK;
out:
  if (!o->quiet || rv != CLI_EXIT_OK)
    fprintf(stderr,
            "%s: drop: %s model, seed %" PRIu64 ": records %" PRIu64
            " kept %" PRIu64 " dropped %" PRIu64 " (%.1f%%) in %" PRIu64
            " blocks\n",
            cli_prog, lm_kind_name(o->model.kind), o->seed, records,
            records - dropped, dropped,
            records ? 100.0 * (double)dropped / (double)records : 0.0,
            blocks);
  pf_shard_reader_del(rd);
  free(mask);
  return rv;
}

static int drop_main(int argc, char **argv) {
  struct drop_opts o;
  struct loss_model_opts mo;
  int c, n, rv, seeded = 0;

  memset(&o, 0, sizeof(o));
  memset(&mo, 0, sizeof(mo));
  optind = 1;
  while ((c = loss_next_opt(argc, argv, &loss_cmd_drop, &rv)) >= 0) {
    switch (c) {
    case O_QUIET:
      o.quiet = 1;
      break;
    case O_RATE:
      n = loss_parse_items(optarg, ITEM_PROB, 0, 1, "drop rate", mo.losses,
                           LOSS_MAX_LIST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      mo.nlosses = (size_t)n;
      break;
    case O_BURST:
      n = loss_parse_items(optarg, ITEM_REAL, 1, 1000000,
                           "mean burst length", mo.bursts, LOSS_MAX_LIST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      mo.nbursts = (size_t)n;
      break;
    case O_PERIOD:
      n = loss_parse_items(optarg, ITEM_U32, 1, 1000000000, "drop period",
                           mo.periods, LOSS_MAX_LIST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      mo.nperiods = (size_t)n;
      break;
    case O_PER_BLOCK:
      n = loss_parse_items(optarg, ITEM_U32, 0, PF_FEC16_MAX_SHARDS,
                           "losses per block", mo.per_blocks,
                           LOSS_MAX_LIST);
      if (n < 0)
        return CLI_EXIT_USAGE;
      mo.nper_blocks = (size_t)n;
      break;
    case O_SEED:
      if (cli_parse_u64(optarg, 0, UINT64_MAX, "seed", &o.seed) != 0)
        return CLI_EXIT_USAGE;
      seeded = 1;
      break;
    default: /* not reached: cli_opts_next() handles help and version */
      loss_cmd_usage(stderr, &loss_cmd_drop);
      return CLI_EXIT_USAGE;
    }
  }
  if (c == CLI_OPT_STOP)
    return rv;
  if (!seeded)
    o.seed = lm_seed_random();
  if (loss_pick_model(&mo, "drop", "rate", 1, &o.model) != 0)
    return CLI_EXIT_USAGE;
  return cmd_drop(&o);
}
