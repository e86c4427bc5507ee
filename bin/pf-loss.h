/*
 * pf-loss.h -- what the pf-loss subcommands share: the parsed options.
 * bin/pf-loss.c parses them; pf-loss-sweep.c and pf-loss-relay.c run.
 */
#ifndef PF_LOSS_H
#define PF_LOSS_H

#include <stddef.h>
#include <stdint.h>

#include "loss_model.h"

#define LOSS_MAX_LIST 64

enum loss_format { FMT_TABLE = 0, FMT_CSV, FMT_JSON };

/* Relay directions (bit set). */
#define DIR_TO 1u   /* client -> --to */
#define DIR_FROM 2u /* --to -> client */

struct loss_opts {
  uint64_t seed;
  int quiet;
  int model_given;  /* --model seen */
  lm_model model;   /* relay, drop: the one model; sweep: its kind */

  /* sweep: every list is one axis of the sweep */
  uint32_t periods[LOSS_MAX_LIST];
  size_t nperiods;
  double losses[LOSS_MAX_LIST];
  size_t nlosses;
  double bursts[LOSS_MAX_LIST];
  size_t nbursts;
  uint32_t per_blocks[LOSS_MAX_LIST];
  size_t nper_blocks;
  uint32_t fecs[LOSS_MAX_LIST];
  size_t nfecs;
  uint32_t kmaxs[LOSS_MAX_LIST];
  size_t nkmaxs;
  uint32_t codes[2];
  size_t ncodes;
  uint32_t frame_sizes[LOSS_MAX_LIST];
  size_t nframe_sizes;
  uint32_t frames;
  uint32_t shard_size;
  double reorder, duplicate;
  enum loss_format format;
  const char *plot;
  int expect_mds;
  uint32_t aead;

  /* relay */
  const char *listen, *to;
  unsigned dir;
  uint64_t delay_ns, jitter_ns, rate_bps;
  uint64_t blackout_after_ns, blackout_for_ns;
  int blackout;
  uint64_t duration_ns;
  const char *stats_json;
  uint32_t io;
  uint32_t queue;
  uint64_t wake_early_ns; /* relay: wake this much before a due time */
};

int loss_sweep(const struct loss_opts *o);
int loss_relay(const struct loss_opts *o);

#endif /* PF_LOSS_H */
