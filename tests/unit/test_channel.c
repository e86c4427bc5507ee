/*
 * test_channel.c -- pf-loss's impairment model (bin/channel.c) against a
 * simple model: every datagram's fate and due time worked out one by one
 * from the documented rules with the same seeded streams, kept in a
 * plain array and sorted (stable) by due time.  The channel, with its
 * heap and ring, must hand out exactly that sequence.  Also: pass-through
 * without impairments, loss and duplication rates, blackout, the token
 * bucket's rate and backlog, the queue limit, order keeping under jitter
 * and storage beyond the ring.
 */
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "testutil.h"

#define N 4000

struct ref {
  uint64_t due, order;
  uint32_t id;
};

static int ref_cmp(const void *a, const void *b) {
  const struct ref *x = a, *y = b;

  if (x->due != y->due)
    return x->due < y->due ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void put_id(uint8_t *buf, uint32_t id) { memcpy(buf, &id, 4); }

static uint32_t get_id(const uint8_t *buf) {
  uint32_t id;

  memcpy(&id, buf, 4);
  return id;
}

/*
 * The simple model of one lane: datagram i (|len[i]| bytes) is offered
 * at |at[i]|; returns how many copies are held, in |out| (unsorted).
 */
static size_t model(const struct chan_config *cfg, uint64_t loss_seed,
                    uint64_t rng_seed, uint64_t start, const uint64_t *at,
                    const size_t *len, size_t n, struct ref *out) {
  lm_state loss;
  lm_rng rng;
  uint64_t tat = 0, last = 0, order = 0;
  size_t i, k = 0;

  lm_state_init(&loss, loss_seed);
  lm_rng_seed(&rng, rng_seed);
  for (i = 0; i < n; i++) {
    uint64_t due = at[i], t = at[i] - start;

    if (cfg->blackout_for_ns && t >= cfg->blackout_after_ns &&
        t < cfg->blackout_after_ns + cfg->blackout_for_ns)
      continue;
    if (cfg->loss.kind != LM_NONE && lm_drop(&cfg->loss, &loss))
      continue;
    if (cfg->rate_bps) {
      uint64_t cost = (uint64_t)((double)len[i] * 8e9 / (double)cfg->rate_bps);
      uint64_t burst = cfg->rate_burst_ns > cost ? cfg->rate_burst_ns : cost;
      uint64_t base = tat > at[i] ? tat : at[i];
      due = base > at[i] + burst ? base - burst : at[i];
      if (due - at[i] > cfg->rate_backlog_ns)
        continue;
      tat = base + cost;
    }
    if (cfg->delay_ns || cfg->jitter_ns) {
      double d = (double)cfg->delay_ns;
      if (cfg->jitter_ns)
        d += (2 * lm_rng_unit(&rng) - 1) * (double)cfg->jitter_ns;
      due += d > 0 ? (uint64_t)d : 0;
    }
    if (cfg->reorder > 0 && lm_rng_unit(&rng) < cfg->reorder) {
      due += cfg->reorder_ns;
      if (cfg->reorder_steps)
        due += lm_rng_below(&rng, cfg->reorder_steps) * cfg->reorder_step_ns;
    } else if (cfg->keep_order) {
      due = due < last ? last : due;
      last = due;
    }
    out[k++] = (struct ref){due, order++, (uint32_t)i};
    if (cfg->duplicate > 0 && lm_rng_unit(&rng) < cfg->duplicate) {
      uint64_t d2 = due + cfg->dup_ns;
      if (cfg->dup_steps)
        d2 += lm_rng_below(&rng, cfg->dup_steps) * cfg->dup_step_ns;
      out[k++] = (struct ref){d2, order++, (uint32_t)i};
    }
  }
  return k;
}

/* Offers N datagrams 10 us apart (varying sizes) to lane 1 and compares
 * everything the channel hands out, in order, with the model. */
static void check_against_model(const char *what, struct chan_config cfg) {
  static uint64_t at[N];
  static size_t len[N];
  static struct ref want[2 * N];
  struct channel c;
  uint8_t buf[1500];
  const uint64_t start = 5000000000ull;
  size_t i, nwant, got = 0, bad = 0;

  TU_CHECK_EQ(channel_init(&c, &cfg), 0);
  channel_seed(&c, 1, 11, 22);
  channel_start(&c, start);
  for (i = 0; i < N; i++) {
    at[i] = start + i * 10000u;
    len[i] = 4 + (i * 37) % 1400;
    memset(buf, (int)(i & 0xff), len[i]);
    put_id(buf, (uint32_t)i);
    (void)channel_send(&c, 1, buf, len[i], at[i]);
  }
  nwant = model(&cfg, 11, 22, start, at, len, N, want);
  qsort(want, nwant, sizeof(*want), ref_cmp);
  TU_CHECK_EQ(channel_held(&c, 1), nwant);
  TU_CHECK_EQ(channel_held(&c, 0), 0);
  while (channel_peek(&c)) {
    struct chan_dgram d = channel_pop(&c);
    uint32_t id = get_id(d.data);
    size_t b;
    int ok = got < nwant && id == want[got].id && d.due == want[got].due &&
             d.lane == 1 && d.len == len[id];

    for (b = 4; ok && b < d.len; b++)
      ok = d.data[b] == (uint8_t)(id & 0xff);
    bad += !ok;
    got++;
    channel_release(&c, &d);
  }
  TU_CHECK_MSG(got == nwant && bad == 0,
               "%s: %zu handed out (model %zu), %zu differ", what, got, nwant,
               bad);
  channel_free(&c);
}

static struct chan_config base(void) {
  struct chan_config cfg;

  memset(&cfg, 0, sizeof(cfg));
  cfg.ring_bytes = 256 * 1024;
  cfg.ring_blocks = 1024;
  return cfg;
}

static void test_channel_model(void) {
  struct chan_config cfg = base();

  check_against_model("pass-through", cfg);
  cfg.delay_ns = 1000000;
  check_against_model("delay", cfg);
  /* The sweep's path: Bernoulli loss, slot-wise reordering and
   * duplication, no order keeping. */
  cfg.loss.kind = LM_BERNOULLI;
  cfg.loss.p = 0.1;
  cfg.reorder = 0.2;
  cfg.reorder_ns = 15000;
  cfg.reorder_step_ns = 10000;
  cfg.reorder_steps = 8;
  cfg.duplicate = 0.1;
  cfg.dup_ns = 12500;
  cfg.dup_step_ns = 10000;
  cfg.dup_steps = 8;
  check_against_model("sweep path", cfg);
  /* The relay's: bursts, jitter kept in order, 1-2 ms reordering,
   * copies with the original, a rate limit and a blackout. */
  cfg = base();
  cfg.loss.kind = LM_GILBERT;
  cfg.loss.p = 0.05;
  cfg.loss.burst = 4;
  cfg.delay_ns = 2000000;
  cfg.jitter_ns = 500000;
  cfg.keep_order = 1;
  cfg.reorder = 0.05;
  cfg.reorder_ns = 1000000;
  cfg.reorder_step_ns = 1;
  cfg.reorder_steps = 1000000;
  cfg.duplicate = 0.05;
  cfg.rate_bps = 400000000; /* offered: about 570 Mbit/s */
  cfg.rate_burst_ns = 1000000;
  cfg.rate_backlog_ns = 3000000;
  cfg.blackout_after_ns = 10000000;
  cfg.blackout_for_ns = 5000000;
  check_against_model("relay path", cfg);
  /* A ring too small for anything: every datagram is malloc()ed. */
  cfg.ring_bytes = 16;
  cfg.ring_blocks = 1;
  check_against_model("no ring", cfg);
}

/* Rates of loss and duplication, and the lane's counters. */
static void test_channel_rates(void) {
  struct chan_config cfg = base();
  struct channel c;
  uint8_t buf[64] = {0};
  size_t i, lost = 0;

  cfg.loss.kind = LM_BERNOULLI;
  cfg.loss.p = 0.2;
  cfg.duplicate = 0.3;
  cfg.reorder = 0.1;
  cfg.reorder_ns = 1000;
  TU_CHECK_EQ(channel_init(&c, &cfg), 0);
  channel_seed(&c, 0, 1, 2);
  for (i = 0; i < 20000; i++) {
    enum chan_verdict v = channel_send(&c, 0, buf, sizeof(buf), i * 1000u);
    lost += v == CHAN_LOST;
    TU_CHECK(v == CHAN_LOST || v == CHAN_QUEUED);
    while (channel_peek(&c) && channel_peek(&c)->due <= i * 1000u) {
      struct chan_dgram d = channel_pop(&c);
      channel_release(&c, &d);
    }
  }
  TU_CHECK_EQ(channel_stats(&c, 0)->lost, lost);
  TU_CHECK_MSG(lost > 3600 && lost < 4400, "lost %zu of 20000 at 20%%", lost);
  TU_CHECK_MSG(channel_stats(&c, 0)->duplicated > 4400 &&
                   channel_stats(&c, 0)->duplicated < 5200,
               "duplicated %llu of 16000 at 30%%",
               (unsigned long long)channel_stats(&c, 0)->duplicated);
  TU_CHECK_MSG(channel_stats(&c, 0)->reordered > 1400 &&
                   channel_stats(&c, 0)->reordered < 1800,
               "reordered %llu of 16000 at 10%%",
               (unsigned long long)channel_stats(&c, 0)->reordered);
  TU_CHECK_EQ(channel_stats(&c, 1)->lost, 0);
  channel_free(&c);
}

/* A blackout loses exactly what is offered inside it. */
static void test_channel_blackout(void) {
  struct chan_config cfg = base();
  struct channel c;
  uint8_t b = 0;
  uint64_t t;

  cfg.blackout_after_ns = 1000;
  cfg.blackout_for_ns = 500;
  TU_CHECK_EQ(channel_init(&c, &cfg), 0);
  channel_start(&c, 100000);
  for (t = 100000; t < 102000; t += 100) {
    enum chan_verdict v = channel_send(&c, 0, &b, 1, t);
    int inside = t >= 101000 && t < 101500;
    TU_CHECK_EQ(v, inside ? CHAN_BLACKOUT : CHAN_QUEUED);
  }
  TU_CHECK_EQ(channel_stats(&c, 0)->blackout, 5);
  TU_CHECK_EQ(channel_held(&c, 0), 15);
  channel_free(&c);
}

/* The token bucket: what leaves in any window after the first burst is
 * at most the rate; what would wait longer than the backlog is dropped;
 * nothing leaves before it was offered. */
static void test_channel_rate_limit(void) {
  struct chan_config cfg = base();
  struct channel c;
  uint8_t buf[1000] = {0};
  uint64_t first = 0, last = 0, bytes = 0, early = 0;
  size_t i, queued = 0, dropped = 0;

  cfg.rate_bps = 8000000; /* 1000 bytes per ms */
  cfg.rate_burst_ns = 2000000;
  cfg.rate_backlog_ns = 10000000;
  cfg.ring_blocks = 4096;
  cfg.ring_bytes = 4096 * 1000;
  TU_CHECK_EQ(channel_init(&c, &cfg), 0);
  /* Offered at 4 ms^-1 (four times the rate) for 50 ms. */
  for (i = 0; i < 200; i++) {
    enum chan_verdict v = channel_send(&c, 0, buf, sizeof(buf), i * 250000u);
    queued += v == CHAN_QUEUED;
    dropped += v == CHAN_RATE_DROPPED;
  }
  /* 50 ms at the rate, the burst and the backlog: about 62 datagrams. */
  TU_CHECK_MSG(queued >= 60 && queued <= 64, "%zu queued", queued);
  TU_CHECK_EQ(queued + dropped, 200);
  TU_CHECK_EQ(channel_stats(&c, 0)->rate_dropped, dropped);
  while (channel_peek(&c)) {
    struct chan_dgram d = channel_pop(&c);
    if (bytes == 0)
      first = d.due;
    early += d.due < first; /* out of order */
    last = d.due;
    bytes += d.len;
    channel_release(&c, &d);
  }
  TU_CHECK_EQ(early, 0);
  /* After the 2 ms burst, 1000 bytes per ms at most. */
  TU_CHECK_MSG(bytes <= (last - first) / 1000000 * 1000 + 3000,
               "%llu bytes in %llu ns", (unsigned long long)bytes,
               (unsigned long long)(last - first));
  channel_free(&c);
}

/* queue_max bounds the held datagrams; a pop makes room. */
static void test_channel_queue_limit(void) {
  struct chan_config cfg = base();
  struct channel c;
  struct chan_dgram d;
  uint8_t b = 7;
  int i;

  cfg.queue_max = 4;
  cfg.duplicate = 1; /* every datagram is held twice */
  TU_CHECK_EQ(channel_init(&c, &cfg), 0);
  TU_CHECK_EQ(channel_send(&c, 0, &b, 1, 1), CHAN_QUEUED);
  TU_CHECK_EQ(channel_send(&c, 0, &b, 1, 2), CHAN_QUEUED);
  TU_CHECK_EQ(channel_send(&c, 0, &b, 1, 3), CHAN_QUEUE_FULL);
  TU_CHECK_EQ(channel_stats(&c, 0)->queue_dropped, 1);
  TU_CHECK_EQ(channel_stats(&c, 0)->duplicated, 2);
  d = channel_pop(&c);
  TU_CHECK_EQ(d.due, 1);
  channel_release(&c, &d);
  /* Room for the original, not for its copy. */
  TU_CHECK_EQ(channel_send(&c, 0, &b, 1, 4), CHAN_QUEUED);
  TU_CHECK_EQ(channel_stats(&c, 0)->queue_dropped, 2);
  TU_CHECK_EQ(channel_held(&c, 0), 4);
  for (i = 0; i < 4; i++) {
    d = channel_pop(&c);
    TU_CHECK_EQ(*d.data, 7);
    channel_release(&c, &d);
  }
  TU_CHECK(channel_peek(&c) == NULL);
  channel_free(&c);
}

/* keep_order: jitter larger than the spacing reorders nothing; without
 * it, some datagrams overtake. */
static void test_channel_keep_order(void) {
  int keep;

  for (keep = 0; keep <= 1; keep++) {
    struct chan_config cfg = base();
    struct channel c;
    uint32_t i, prev = 0, overtaken = 0;

    cfg.delay_ns = 1000000;
    cfg.jitter_ns = 500000;
    cfg.keep_order = keep;
    TU_CHECK_EQ(channel_init(&c, &cfg), 0);
    for (i = 0; i < 1000; i++) {
      uint8_t buf[4];
      put_id(buf, i);
      TU_CHECK_EQ(channel_send(&c, 0, buf, 4, (uint64_t)i * 10000u),
                  CHAN_QUEUED);
    }
    for (i = 0; channel_peek(&c); i++) {
      struct chan_dgram d = channel_pop(&c);
      uint32_t id = get_id(d.data);
      overtaken += i > 0 && id < prev;
      prev = id;
      channel_release(&c, &d);
    }
    TU_CHECK_MSG(keep ? overtaken == 0 : overtaken > 100,
                 "keep_order %d: %u out of order", keep, overtaken);
    channel_free(&c);
  }
}

int main(void) {
  test_channel_model();
  test_channel_rates();
  test_channel_blackout();
  test_channel_rate_limit();
  test_channel_queue_limit();
  test_channel_keep_order();
  return tu_finish("test_channel");
}
