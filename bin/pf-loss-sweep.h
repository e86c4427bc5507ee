/*
 * pf-loss-sweep.h -- what the files of `pf-loss sweep` share: its
 * options (parsed in pf-loss-sweep-opts.c), the series and results of a
 * sweep (pf-loss-sweep.c), one point through the data path
 * (pf-loss-sweep-point.c) and the reports (pf-loss-sweep-report.c).
 */
#ifndef PF_LOSS_SWEEP_H
#define PF_LOSS_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "pf-loss.h"

enum loss_format { FMT_TABLE = 0, FMT_CSV, FMT_JSON };

struct sweep_opts {
  uint64_t seed;
  int quiet;
  lm_model model; /* its kind; the lists are the axes of the sweep */
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
};

/* One column of the sweep, and what one point of it measured. */
struct series {
  uint32_t fec_scheme, fec, kmax, frame_size;
  double burst;
  char label[96];
  char nocode[96]; /* the label without the code, "" if only it varies */
};

struct result {
  uint64_t frames, delivered, corrupt, bound_frames;
  uint64_t blocks, blocks_in_budget;
  uint64_t dgrams, lost, duplicated, reordered;
  uint64_t violations; /* frames in the bound not delivered + corrupt */
  uint64_t fec_recovered;
  uint64_t drop_budget; /* receiver drops for its byte/frame budget */
};

struct sweep {
  const struct sweep_opts *o;
  enum lm_kind kind;
  size_t nx;
  struct series *se;
  size_t nse;
  struct result *res; /* [series][x] */
};

/* Runs the sweep of |o|: an exit status. */
int loss_sweep(const struct sweep_opts *o);

/* Sends o->frames frames of series |se| through a channel with loss
 * model |m| and counts what arrives.  0 or -1 after an error message. */
int sweep_run_point(const struct sweep_opts *o, const struct series *se,
                    const lm_model *m, uint64_t seed, struct result *res);

/* The nominal loss of point |xi| in percent (per-block: the count), its
 * label, and the names of a code. */
double point_x(const struct sweep_opts *o, size_t xi);
void point_label(const struct sweep_opts *o, size_t xi, char *buf, size_t len);
const char *code_upper(uint32_t c);
const char *code_lower(uint32_t c);

/* The reports: the x axis' name, the table, CSV, JSON and the plot. */
const char *x_header(enum lm_kind k);
void sweep_print_table(const struct sweep *sw);
void sweep_print_csv(const struct sweep *sw);
void sweep_print_json(const struct sweep *sw, uint64_t violations);
int sweep_write_plot(const struct sweep *sw);

#endif /* PF_LOSS_SWEEP_H */
