/*
 * bench_sender.c -- throughput of the full sender path (packetize + FEC +
 * seal, pf_sender_submit_frame + pf_sender_next_batch) on one core, next
 * to its two expensive parts measured alone in the same run: raw
 * AES-128-GCM sealing of the same datagrams (pf_aead_seal) and raw FEC
 * encoding of the same blocks (pf_fec_encode).
 *
 * The ratio is sender throughput / throughput of (FEC + AEAD alone), i.e.
 * (t_fec + t_aead) / t_sender; the target is >= 70 %.  Not a test: run
 * with `make bench`.  Numbers are MB/s of AU payload (1 MB = 10^6 B).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

#include "dataplane/pf_aead.h"
#include "dataplane/pf_sender.h"

#define SHARD 1408u /* pf_shard_payload_for_mtu(1500, 0) */
#define KMAX 200u
#define PCT 20u
#define MIN_NS 300000000ull /* run each measurement at least 0.3 s */
#define RUNS 3

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* ns per frame of one run of |fn| (at least MIN_NS long). */
typedef int (*bench_fn)(void *ctx);
static uint64_t run_once(bench_fn fn, void *ctx) {
  uint64_t t0 = pf_clock_now_ns(), t, n = 0;

  do {
    if (fn(ctx) != 0) {
      fprintf(stderr, "bench_sender: a measured call failed\n");
      exit(1);
    }
    n++;
    t = pf_clock_now_ns() - t0;
  } while (t < MIN_NS);
  return t / n;
}

/* Medians over RUNS rounds; the three measurements are interleaved so
 * that a change of machine load hits all of them alike. */
static void measure(bench_fn *fns, void *ctx, double *out) {
  uint64_t r[3][RUNS];
  int i, j;

  for (i = 0; i < RUNS; i++)
    for (j = 0; j < 3; j++)
      r[j][i] = run_once(fns[j], ctx);
  for (j = 0; j < 3; j++) {
    qsort(r[j], RUNS, sizeof(r[j][0]), cmp_u64);
    out[j] = (double)r[j][RUNS / 2];
  }
}

struct ctx {
  size_t len;
  uint8_t *frame;
  pf_sender *sender;
  uint64_t clock;
  /* raw parts */
  pf_aead *aead;
  uint8_t *dgram;
  size_t ndgram;
  uint64_t seq;
  pf_fec *fec_full, *fec_last;
  pf_geometry g;
  const uint8_t **dptr;
  uint8_t **pptr;
  uint8_t *parity;
};

static int run_sender(void *p) {
  struct ctx *c = p;
  pf_dgram_batch b;
  int rv;

  rv = pf_sender_submit_frame(c->sender, c->frame, c->len, c->clock, 0,
                              c->clock);
  c->clock += 16666667;
  if (rv != 0)
    return rv;
  return pf_sender_next_batch(c->sender, &b, 0, PF_TIME_NONE);
}

static int run_aead(void *p) {
  struct ctx *c = p;
  size_t i, dlen = 24 + 40 + SHARD;

  /* The same number of datagrams of the same size, sealed in place in a
   * buffer as large as the sender's. */
  for (i = 0; i < c->ndgram; i++) {
    uint8_t *d = c->dgram + i * dlen;
    if (pf_aead_seal(c->aead, d, dlen, c->seq++, d + 8, 40 + SHARD) !=
        (ptrdiff_t)dlen)
      return -1;
  }
  return 0;
}

static int run_fec(void *p) {
  struct ctx *c = p;
  size_t b, i;

  for (b = 0; b < c->g.blocks; b++) {
    int last = b == c->g.blocks - 1;
    uint32_t k = last ? c->g.k_last : c->g.k_full;
    uint32_t m = last ? c->g.m_last : c->g.m_full;
    for (i = 0; i < k; i++) {
      size_t off = (b * KMAX + i) * SHARD;
      /* The short last shard is read as a full one: the frame buffer
       * has a shard of slack. */
      c->dptr[i] = c->frame + off;
    }
    for (i = 0; i < m; i++)
      c->pptr[i] = c->parity + i * SHARD;
    if (m > 0 &&
        pf_fec_encode(last ? c->fec_last : c->fec_full, c->dptr, c->pptr,
                      SHARD) != 0)
      return -1;
  }
  return 0;
}

static int make_fec(pf_fec **f, uint32_t k, uint32_t m) {
  pf_fec_config fc;

  pf_fec_config_default(&fc);
  fc.fec_scheme = PF_FEC_GF8;
  fc.data_shards = k;
  fc.parity_shards = m;
  return pf_fec_new(f, &fc, NULL);
}

int main(void) {
  static const size_t sizes[] = {64u * 1024u, 1024u * 1024u,
                                 4u * 1024u * 1024u};
  static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8,
                                  9, 10, 11, 12, 13, 14, 15, 16};
  static const uint8_t salt[4] = {9, 8, 7, 6};
  size_t si, i;
  int worst_ok = 1;

  printf("bench_sender: GF8 %u%% FEC, K_max %u, shard %u B (sealed datagram "
         "%u B), AES-128-GCM, one core\n",
         PCT, KMAX, SHARD, SHARD + 64);
  printf("%-8s %6s %12s %12s %12s %14s %7s\n", "frame", "dgrams",
         "sender MB/s", "aead MB/s", "fec MB/s", "fec+aead MB/s", "ratio");
  for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
    struct ctx c;
    pf_sender_config cfg;
    bench_fn fns[3] = {run_sender, run_aead, run_fec};
    double t[3], ts, ta, tf, mbs;
    int rv;

    memset(&c, 0, sizeof(c));
    c.len = sizes[si];
    c.frame = malloc(c.len + SHARD);
    c.dgram = NULL;
    c.dptr = calloc(KMAX, sizeof(*c.dptr));
    c.pptr = calloc(KMAX, sizeof(*c.pptr));
    c.parity = malloc((size_t)KMAX * SHARD);
    if (!c.frame || !c.dptr || !c.pptr || !c.parity)
      return 1;
    for (i = 0; i < c.len + SHARD; i++)
      c.frame[i] = (uint8_t)(i * 131 + 7);

    pf_sender_config_default(&cfg);
    cfg.shard_payload = SHARD;
    cfg.max_data_per_block = KMAX;
    cfg.fec_percent = PCT;
    cfg.aead = PF_AEAD_AES128GCM;
    memcpy(cfg.key, key, 16);
    cfg.key_len = 16;
    memcpy(cfg.salt, salt, 4);
    rv = pf_sender_new(&c.sender, &cfg, NULL);
    if (rv == 0)
      rv = pf_aead_new(&c.aead, PF_AEAD_AES128GCM, key, 16, salt,
                       PF_AEAD_DIR_HOST, NULL);
    c.g.struct_size = sizeof(c.g);
    if (rv == 0)
      rv = pf_geometry_for(&c.g, c.len, SHARD, KMAX, PCT, PF_FEC_GF8);
    if (rv == 0 && c.g.blocks > 1)
      rv = make_fec(&c.fec_full, c.g.k_full, c.g.m_full);
    if (rv == 0)
      rv = make_fec(&c.fec_last, c.g.k_last, c.g.m_last);
    if (rv != 0) {
      fprintf(stderr, "bench_sender: setup failed: %s\n", pf_strerror(rv));
      return 1;
    }
    c.ndgram = c.g.total;
    c.dgram = malloc(c.ndgram * (SHARD + 64));
    if (!c.dgram)
      return 1;
    memset(c.dgram, 0x5a, c.ndgram * (SHARD + 64));

    measure(fns, &c, t);
    ts = t[0];
    ta = t[1];
    tf = t[2];
    mbs = (double)c.len * 1e3; /* bytes per frame * 1e9 ns/s / 1e6 */
    if (si == 0)
      printf("(FEC kernel: %s)\n", pf_fec_impl_name(c.fec_last));
    printf("%-8s %6zu %12.0f %12.0f %12.0f %14.0f %6.0f%%\n",
           c.len >= 1024 * 1024 ? (c.len == 1024 * 1024 ? "1 MiB" : "4 MiB")
                                : "64 KiB",
           c.g.total, mbs / ts, mbs / ta, mbs / tf, mbs / (ta + tf),
           100.0 * (ta + tf) / ts);
    if ((ta + tf) / ts < 0.70)
      worst_ok = 0;

    pf_sender_del(c.sender);
    pf_aead_del(c.aead);
    pf_fec_del(c.fec_full);
    pf_fec_del(c.fec_last);
    free(c.frame);
    free(c.dgram);
    free(c.dptr);
    free(c.pptr);
    free(c.parity);
  }
  printf("bench_sender: target ratio >= 70%%: %s\n",
         worst_ok ? "met" : "NOT met");
  return 0;
}
