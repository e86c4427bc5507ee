/*
 * loss_model.h -- seeded loss models and argument parsers shared by the
 * pf-loss subcommands (sweep, relay, drop).  Not part of the library.
 *
 * Every random decision comes from a splitmix64 stream, so a run is
 * replayed exactly by its seed.
 */
#ifndef PF_LOSS_MODEL_H
#define PF_LOSS_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ PRNG */

typedef struct lm_rng {
  uint64_t s;
} lm_rng;

void lm_rng_seed(lm_rng *r, uint64_t seed);
uint64_t lm_rng_next(lm_rng *r);
/* Uniform in [0, 1). */
double lm_rng_unit(lm_rng *r);
/* Uniform in [0, n) (n >= 1). */
uint64_t lm_rng_below(lm_rng *r, uint64_t n);
/* Mixes |a| and |b| into a seed for an independent stream. */
uint64_t lm_seed_mix(uint64_t a, uint64_t b);
/* A fresh seed from getrandom(2) (falls back to the clock). */
uint64_t lm_seed_random(void);

/* ----------------------------------------------------------- loss models */

enum lm_kind {
  LM_NONE = 0,
  LM_PERIODIC,  /* drop packet n when n % period == 0 (the loss-harness) */
  LM_BERNOULLI, /* drop each packet with probability p */
  LM_GILBERT,   /* Gilbert-Elliott: bursts of mean length |burst|, mean p */
  LM_PER_BLOCK, /* drop exactly |per_block| shards of every FEC block */
};

typedef struct lm_model {
  enum lm_kind kind;
  uint32_t period;
  double p;
  double burst;
  uint32_t per_block;
} lm_model;

typedef struct lm_state {
  lm_rng rng;
  uint64_t n; /* packets decided so far */
  int bad;    /* Gilbert-Elliott: in the bad (lossy) state */
} lm_state;

void lm_state_init(lm_state *st, uint64_t seed);

/*
 * Decides whether the next packet is lost (1) or not (0).  For
 * LM_PER_BLOCK use lm_block_mask() instead (this returns 0).
 */
int lm_drop(const lm_model *m, lm_state *st);

/*
 * Fills |mask[0..n-1]| with exactly min(k, n) ones at random positions
 * (the shards of one block to drop).
 */
void lm_block_mask(lm_state *st, uint8_t *mask, uint32_t n, uint32_t k);

/* The long-run loss probability of |m| (per_block models: 0). */
double lm_mean_loss(const lm_model *m);

/* "periodic", "bernoulli", "gilbert", "per-block", "none". */
const char *lm_kind_name(enum lm_kind k);

/* ---------------------------------------------------------- parsers */
/* Each prints "pf-loss: invalid <what> '<str>': ..." and returns -1. */

/* "5%" (percent) or "0.05" (fraction); result in [0, max]. */
int lm_parse_prob(const char *str, double max, const char *what, double *out);

/* Non-negative decimal with optional fraction: "4", "2.5". */
int lm_parse_real(const char *str, double min, double max, const char *what,
                  double *out);

/* Duration "20ms", "5us", "2s", "1.5s", "100ns"; no unit = seconds. */
int lm_parse_duration(const char *str, double max_s, const char *what,
                      uint64_t *ns);


#endif /* PF_LOSS_MODEL_H */
