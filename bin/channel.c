/*
 * channel.c -- see channel.h.
 *
 * The queue is a binary min-heap of (due, order); |order| counts offers,
 * so datagrams due at the same time leave in the order they came.  Their
 * bytes live in a dgram_ring (a batch that arrived together lies back to
 * back there, which the relay sends from without a copy) or, when the
 * ring is full, in their own allocation.
 */
#include "channel.h"

#include <stdlib.h>
#include <string.h>

int channel_init(struct channel *c, const struct chan_config *cfg) {
  unsigned i;

  memset(c, 0, sizeof(*c));
  c->cfg = *cfg;
  for (i = 0; i < CHAN_LANES; i++)
    channel_seed(c, i, 0, 0);
  if (cfg->queue_max > 0) {
    c->q = calloc(cfg->queue_max, sizeof(*c->q));
    if (!c->q)
      return -1;
    c->cap = cfg->queue_max;
  }
  if (dgram_ring_init(&c->ring, cfg->ring_bytes, cfg->ring_blocks) != 0) {
    free(c->q);
    c->q = NULL;
    return -1;
  }
  return 0;
}

void channel_free(struct channel *c) {
  size_t i;

  for (i = 0; i < c->n; i++)
    channel_release(c, &c->q[i]);
  dgram_ring_free(&c->ring);
  free(c->q);
  c->q = NULL;
  c->n = c->cap = 0;
}

void channel_seed(struct channel *c, unsigned lane, uint64_t loss_seed,
                  uint64_t rng_seed) {
  lm_state_init(&c->lane[lane].loss, loss_seed);
  lm_rng_seed(&c->lane[lane].rng, rng_seed);
}

void channel_start(struct channel *c, uint64_t now) { c->start = now; }

static int dgram_less(const struct chan_dgram *a, const struct chan_dgram *b) {
  return a->due < b->due || (a->due == b->due && a->order < b->order);
}

/* Holds a copy of |data| for |lane| until |due|.  0 or -1 (full). */
static int push(struct channel *c, unsigned lane, uint64_t due,
                const uint8_t *data, size_t len) {
  struct chan_dgram d;
  size_t i;

  if (c->n == c->cap) {
    size_t nc = c->cap ? c->cap * 2 : 256;
    struct chan_dgram *nq;
    if (c->cfg.queue_max > 0)
      return -1;
    nq = realloc(c->q, nc * sizeof(*nq));
    if (!nq)
      return -1;
    c->q = nq;
    c->cap = nc;
  }
  d.ring_id = dgram_ring_alloc(&c->ring, len, &d.data);
  if (d.ring_id < 0) {
    d.data = malloc(len ? len : 1);
    if (!d.data)
      return -1;
  }
  memcpy(d.data, data, len);
  d.len = len;
  d.due = due;
  d.lane = lane;
  d.order = c->order++;
  for (i = c->n++; i > 0; i = (i - 1) / 2) {
    if (!dgram_less(&d, &c->q[(i - 1) / 2]))
      break;
    c->q[i] = c->q[(i - 1) / 2];
  }
  c->q[i] = d;
  return 0;
}

const struct chan_dgram *channel_peek(const struct channel *c) {
  return c->n > 0 ? &c->q[0] : NULL;
}

struct chan_dgram channel_pop(struct channel *c) {
  struct chan_dgram top = c->q[0], last = c->q[--c->n];
  size_t i = 0, k;

  while ((k = 2 * i + 1) < c->n) {
    if (k + 1 < c->n && dgram_less(&c->q[k + 1], &c->q[k]))
      k++;
    if (!dgram_less(&c->q[k], &last))
      break;
    c->q[i] = c->q[k];
    i = k;
  }
  if (c->n > 0)
    c->q[i] = last;
  return top;
}

void channel_release(struct channel *c, struct chan_dgram *d) {
  if (d->ring_id >= 0)
    dgram_ring_release(&c->ring, d->ring_id);
  else
    free(d->data);
  d->data = NULL;
}

void chan_config_reorder_delay(struct chan_config *cfg, uint64_t hold_ns) {
  const int fine = hold_ns < 1000000u; /* 1 ns steps */

  cfg->reorder_ns = hold_ns;
  cfg->reorder_steps = fine ? (uint32_t)hold_ns : 1000000u;
  cfg->reorder_step_ns = fine ? 1 : hold_ns / 1000000u;
}

size_t channel_held(const struct channel *c, unsigned lane) {
  size_t i, n = 0;

  for (i = 0; i < c->n; i++)
    n += c->q[i].lane == lane;
  return n;
}

static int in_blackout(const struct channel *c, uint64_t now) {
  const struct chan_config *cfg = &c->cfg;
  uint64_t t = now - c->start;

  return cfg->blackout_for_ns > 0 && t >= cfg->blackout_after_ns &&
         t - cfg->blackout_after_ns < cfg->blackout_for_ns;
}

enum chan_verdict channel_send(struct channel *c, unsigned lane,
                               const uint8_t *data, size_t len,
                               uint64_t now) {
  const struct chan_config *cfg = &c->cfg;
  struct chan_lane *l = &c->lane[lane];
  uint64_t due = now;
  int reorder;

  if (in_blackout(c, now)) {
    l->st.blackout++;
    return CHAN_BLACKOUT;
  }
  if (cfg->loss.kind != LM_NONE && cfg->loss.kind != LM_PER_BLOCK &&
      lm_drop(&cfg->loss, &l->loss)) {
    l->st.lost++;
    return CHAN_LOST;
  }
  if (cfg->rate_bps > 0) {
    /* Token bucket as virtual scheduling (GCRA): tat advances by each
     * datagram's transmission time; a datagram may leave |burst| ahead
     * of it. */
    uint64_t cost = (uint64_t)((double)len * 8e9 / (double)cfg->rate_bps);
    uint64_t burst = cfg->rate_burst_ns, tat = l->tat > now ? l->tat : now;
    if (burst < cost)
      burst = cost;
    due = tat > now + burst ? tat - burst : now;
    if (due - now > cfg->rate_backlog_ns) {
      l->st.rate_dropped++;
      return CHAN_RATE_DROPPED;
    }
    l->tat = tat + cost;
  }
  if (cfg->delay_ns > 0 || cfg->jitter_ns > 0) {
    double j = cfg->jitter_ns > 0
                   ? (2 * lm_rng_unit(&l->rng) - 1) * (double)cfg->jitter_ns
                   : 0;
    double t = (double)cfg->delay_ns + j;
    due += t > 0 ? (uint64_t)t : 0;
    l->st.delayed++;
  }
  reorder = cfg->reorder > 0 && lm_rng_unit(&l->rng) < cfg->reorder;
  if (reorder) {
    due += cfg->reorder_ns;
    if (cfg->reorder_steps > 0)
      due += lm_rng_below(&l->rng, cfg->reorder_steps) * cfg->reorder_step_ns;
    l->st.reordered++;
  } else if (cfg->keep_order) {
    if (due < l->last_due)
      due = l->last_due;
    l->last_due = due;
  }
  if (push(c, lane, due, data, len) != 0) {
    l->st.queue_dropped++;
    return CHAN_QUEUE_FULL;
  }
  if (cfg->duplicate > 0 && lm_rng_unit(&l->rng) < cfg->duplicate) {
    uint64_t due2 = due + cfg->dup_ns;
    if (cfg->dup_steps > 0)
      due2 += lm_rng_below(&l->rng, cfg->dup_steps) * cfg->dup_step_ns;
    if (push(c, lane, due2, data, len) != 0)
      l->st.queue_dropped++;
    else
      l->st.duplicated++;
  }
  return CHAN_QUEUED;
}
