/*
 * channel.h -- one impaired network path for pf-loss: what a bad
 * network does to datagrams, on any clock.  `pf-loss sweep` drives it
 * on a virtual clock, `pf-loss relay` on the real one; both get the same
 * impairments from the same code.
 *
 * A datagram offered to a lane at time |now| meets, in this order: a
 * blackout, the loss model, a rate limit (a token bucket that shapes and
 * drops what would wait longer than rate_backlog_ns), delay and jitter,
 * reordering (a datagram held back longer than its delay), duplication.
 * What survives waits in one time-ordered queue (ties leave in the order
 * they were offered) until the caller takes it out when it is due.
 * Every random choice comes from the lane's seeded streams, so a run is
 * replayed by its seeds.  Lanes are independent paths (the relay's two
 * directions) that share the queue.
 */
#ifndef PF_CHANNEL_H
#define PF_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "dgram_ring.h"
#include "loss_model.h"

#define CHAN_LANES 2

struct chan_config {
  /* LM_NONE: no loss.  LM_PER_BLOCK: the caller drops (it knows the
   * blocks); the channel then drops nothing itself. */
  lm_model loss;
  /* Everything offered in [after, after + for) since channel_start() is
   * lost; for = 0: no blackout. */
  uint64_t blackout_after_ns, blackout_for_ns;
  /* Token bucket (0: no limit): at most rate_bps, a burst of
   * rate_burst_ns at the rate (at least the datagram at hand) at once;
   * what would wait longer than rate_backlog_ns is dropped. */
  uint64_t rate_bps, rate_burst_ns, rate_backlog_ns;
  /* Every datagram waits delay_ns, +- up to jitter_ns (uniform). */
  uint64_t delay_ns, jitter_ns;
  /* 1: a datagram that is not reordered never leaves before one offered
   * earlier on its lane (jitter alone does not reorder). */
  int keep_order;
  /* With probability |reorder| a datagram waits reorder_ns +
   * k * reorder_step_ns more, k uniform in [0, reorder_steps). */
  double reorder;
  uint64_t reorder_ns, reorder_step_ns;
  uint32_t reorder_steps;
  /* With probability |duplicate| a copy leaves dup_ns + k * dup_step_ns
   * after it, k uniform in [0, dup_steps) (dup_steps 0: no k). */
  double duplicate;
  uint64_t dup_ns, dup_step_ns;
  uint32_t dup_steps;
  /* Datagrams the queue holds at most (0: no limit), and storage kept in
   * one ring (bytes, blocks); beyond it datagrams are malloc()ed. */
  size_t queue_max, ring_bytes, ring_blocks;
};

/* What a lane did to the datagrams offered to it. */
struct chan_stats {
  uint64_t lost, blackout, rate_dropped, queue_dropped;
  uint64_t delayed, reordered, duplicated;
};

/* A held datagram. */
struct chan_dgram {
  uint64_t due, order;
  unsigned lane;
  size_t len;
  uint8_t *data;
  long ring_id; /* block in the ring, or -1: malloc()ed */
};

struct chan_lane {
  lm_state loss;
  lm_rng rng;        /* jitter, reordering, duplication */
  uint64_t last_due; /* keep_order */
  uint64_t tat;      /* token bucket: theoretical arrival time */
  struct chan_stats st;
};

struct channel {
  struct chan_config cfg;
  struct chan_lane lane[CHAN_LANES];
  struct chan_dgram *q; /* a binary min-heap on (due, order) */
  size_t n, cap;
  uint64_t order;
  uint64_t start; /* channel_start() */
  struct dgram_ring ring;
};

/* What channel_send() did with a datagram. */
enum chan_verdict {
  CHAN_QUEUED = 0, /* held (and maybe a copy too) */
  CHAN_LOST,       /* the loss model */
  CHAN_BLACKOUT,
  CHAN_RATE_DROPPED,
  CHAN_QUEUE_FULL, /* queue_max reached, or no memory */
};

/* Copies |cfg|; every lane's streams are seeded from 0 until
 * channel_seed().  0, or -1 without memory. */
int channel_init(struct channel *c, const struct chan_config *cfg);
/* Releases everything still held. */
void channel_free(struct channel *c);

/* Seeds |lane|'s loss model and its other random choices. */
void channel_seed(struct channel *c, unsigned lane, uint64_t loss_seed,
                  uint64_t rng_seed);

/* Time zero of the blackout. */
void channel_start(struct channel *c, uint64_t now);

/* Offers |len| bytes (copied) to |lane| at |now|. */
enum chan_verdict channel_send(struct channel *c, unsigned lane,
                               const uint8_t *data, size_t len, uint64_t now);

/* The datagram that is due first, or NULL when none is held. */
const struct chan_dgram *channel_peek(const struct channel *c);

/* Takes the datagram channel_peek() shows (one must be held); give it
 * back with channel_release() once its bytes are used. */
struct chan_dgram channel_pop(struct channel *c);
void channel_release(struct channel *c, struct chan_dgram *d);

/* Reordering that holds a datagram back |hold_ns| to 2 * |hold_ns| more
 * (uniform, in at most 10^6 steps): sets cfg->reorder_ns, _step_ns and
 * _steps.  The relay's --reorder-delay (default 1 ms: 1 to 2 ms). */
void chan_config_reorder_delay(struct chan_config *cfg, uint64_t hold_ns);

/* Datagrams held for |lane|. */
size_t channel_held(const struct channel *c, unsigned lane);

static inline const struct chan_stats *channel_stats(const struct channel *c,
                                                     unsigned lane) {
  return &c->lane[lane].st;
}

#endif /* PF_CHANNEL_H */
