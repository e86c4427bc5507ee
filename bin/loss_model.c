/*
 * loss_model.c -- seeded loss models and parsers for pf-loss.
 */
#include "loss_model.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cli.h"

/* ------------------------------------------------------------------ PRNG */

void lm_rng_seed(lm_rng *r, uint64_t seed) { r->s = seed; }

uint64_t lm_rng_next(lm_rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double lm_rng_unit(lm_rng *r) {
  return (double)(lm_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t lm_rng_below(lm_rng *r, uint64_t n) {
  /* Rejection sampling keeps it exactly uniform. */
  uint64_t lim = UINT64_MAX - UINT64_MAX % n, x;

  do
    x = lm_rng_next(r);
  while (x >= lim);
  return x % n;
}

uint64_t lm_seed_mix(uint64_t a, uint64_t b) {
  lm_rng r;

  lm_rng_seed(&r, a ^ (b * 0xD1B54A32D192ED03ull));
  (void)lm_rng_next(&r);
  return lm_rng_next(&r);
}

uint64_t lm_seed_random(void) {
  uint64_t s = 0;
  struct timespec ts;

  if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
    return s >> 1 ? s >> 1 : 1; /* keep seeds readable: < 2^63 */
  clock_gettime(CLOCK_REALTIME, &ts);
  return lm_seed_mix((uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec) >> 1;
}

/* ----------------------------------------------------------- loss models */

void lm_state_init(lm_state *st, uint64_t seed) {
  memset(st, 0, sizeof(*st));
  lm_rng_seed(&st->rng, seed);
}

int lm_drop(const lm_model *m, lm_state *st) {
  uint64_t n = st->n++;
  double p_gb, p_bg;

  switch (m->kind) {
  case LM_PERIODIC:
    return m->period != 0 && n % m->period == 0;
  case LM_BERNOULLI:
    return m->p > 0 && lm_rng_unit(&st->rng) < m->p;
  case LM_GILBERT:
    /*
     * Two states: good (nothing lost) and bad (everything lost).  The
     * bad state lasts 1 / p_bg packets on average (= burst), and the
     * stationary share of bad packets is p_gb / (p_gb + p_bg) = p.
     */
    if (m->p <= 0)
      return 0;
    if (m->p >= 1)
      return 1;
    p_bg = 1.0 / (m->burst < 1 ? 1 : m->burst);
    p_gb = m->p * p_bg / (1.0 - m->p);
    if (st->bad)
      st->bad = lm_rng_unit(&st->rng) >= p_bg;
    else
      st->bad = lm_rng_unit(&st->rng) < p_gb;
    return st->bad;
  default:
    return 0;
  }
}

void lm_block_mask(lm_state *st, uint8_t *mask, uint32_t n, uint32_t k) {
  uint32_t i;

  memset(mask, 0, n);
  if (k >= n) {
    memset(mask, 1, n);
    return;
  }
  /* Floyd's algorithm: k distinct positions, uniformly. */
  for (i = n - k; i < n; i++) {
    uint32_t j = (uint32_t)lm_rng_below(&st->rng, (uint64_t)i + 1);
    mask[mask[j] ? i : j] = 1;
  }
}

double lm_mean_loss(const lm_model *m) {
  switch (m->kind) {
  case LM_PERIODIC:
    return m->period ? 1.0 / m->period : 0.0;
  case LM_BERNOULLI:
  case LM_GILBERT:
    return m->p;
  default:
    return 0.0;
  }
}

const char *lm_kind_name(enum lm_kind k) {
  switch (k) {
  case LM_PERIODIC:
    return "periodic";
  case LM_BERNOULLI:
    return "bernoulli";
  case LM_GILBERT:
    return "gilbert";
  case LM_PER_BLOCK:
    return "per-block";
  default:
    return "none";
  }
}

/* ---------------------------------------------------------- parsers */

int lm_parse_prob(const char *str, double max, const char *what,
                  double *out) {
  const char *end;
  double v;

  if (cli_parse_decimal(str, &v, &end) != 0)
    goto bad;
  if (*end == '%') {
    end++;
    v /= 100.0;
  }
  if (*end != '\0' || v > max + 1e-12)
    goto bad;
  *out = v;
  return 0;
bad:
  cli_error("invalid %s '%s': expected a percentage 0%%..%g%% (e.g. 5%%) or "
            "a fraction 0..%g",
            what, str ? str : "", max * 100, max);
  return -1;
}

int lm_parse_real(const char *str, double min, double max, const char *what,
                  double *out) {
  const char *end;
  double v;

  if (cli_parse_decimal(str, &v, &end) != 0 || *end != '\0' || v < min ||
      v > max) {
    cli_error("invalid %s '%s': expected a number in %g..%g", what,
              str ? str : "", min, max);
    return -1;
  }
  *out = v;
  return 0;
}

int lm_parse_duration(const char *str, double max_s, const char *what,
                      uint64_t *ns) {
  const char *end;
  double v, mul = 1e9;

  if (cli_parse_decimal(str, &v, &end) != 0)
    goto bad;
  if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
    mul = 1e9;
  else if (strcmp(end, "ms") == 0)
    mul = 1e6;
  else if (strcmp(end, "us") == 0)
    mul = 1e3;
  else if (strcmp(end, "ns") == 0)
    mul = 1;
  else
    goto bad;
  if (v * mul > max_s * 1e9)
    goto bad;
  *ns = (uint64_t)(v * mul + 0.5);
  return 0;
bad:
  cli_error("invalid %s '%s': expected a duration up to %gs (unit ns, us, "
            "ms or s; e.g. 20ms)",
            what, str ? str : "", max_s);
  return -1;
}

