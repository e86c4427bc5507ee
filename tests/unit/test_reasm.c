/*
 * test_reasm.c -- the reassembler: the per-packet firewall cases of the
 * original packet tests (doc/wire-format.md 12.5: limits {shard 16, K_max 8,
 * total 12, max_frame 4096}), the capture-time and index windows, the
 * separate probe window, completed memory, budgets and delivery rules.
 * FEC recovery end to end is in test_receiver.c.
 */
#include <stdlib.h>
#include <string.h>

#include "base/pf_mem.h"
#include "dataplane/pf_reasm.h"
#include "dataplane/pf_wire.h"
#include "testutil.h"

#define S 16u
#define MS 1000000ull

static pf_reasm_limits lim;

static void limits_default(void) {
  /* max_fec_percent 50: total = 8 + ceil(8 * 50 / 100) = 12. */
  int rv = pf_reasm_limits_derive(&lim, PF_FEC_GF8, S, 8, 50, 4096, 0, 32, 64,
                                  120 * MS);
  TU_CHECK_EQ(rv, 0);
  TU_CHECK_EQ(lim.max_total_shards, 12);
  TU_CHECK_EQ(lim.max_blocks, 32);
  TU_CHECK_EQ(lim.budget_bytes, 4 * 4096);
}

static pf_reasm *mk(void) {
  pf_reasm *r = NULL;

  TU_CHECK_EQ(pf_reasm_new(&r, &lim, NULL), 0);
  return r;
}

/* The base header of the original tests: a complete 16-byte frame. */
static pf_pkt_header base(void) {
  pf_pkt_header h;

  memset(&h, 0, sizeof(h));
  h.frame_bytes = 16;
  h.block_count = 1;
  h.data_shards = 1;
  h.shard_bytes = S;
  h.magic = PF_WIRE_MAGIC;
  h.version = 1;
  h.fec_scheme = 0;
  h.flags = PF_WIRE_FLAG_PIC;
  return h;
}

/* Writes header + S payload bytes of value |fill|; returns 40 + S. */
static size_t pkt(uint8_t *out, const pf_pkt_header *h, uint8_t fill) {
  pf_wire_header_encode(out, h);
  memset(out + PF_WIRE_HEADER_BYTES, fill, S);
  return PF_WIRE_HEADER_BYTES + S;
}

static int push(pf_reasm *r, const pf_pkt_header *h, uint8_t fill, int *why) {
  uint8_t buf[PF_WIRE_HEADER_BYTES + S];
  size_t n = pkt(buf, h, fill);

  return pf_reasm_push(r, buf, n, 0, why);
}

static uint64_t drops_total(const pf_reasm *r) {
  const pf_reasm_counters *c = pf_reasm_get_counters(r);
  uint64_t sum = 0;
  size_t i;

  for (i = 0; i < PF_DROP_NREASONS; i++)
    sum += c->drops[i];
  return sum;
}

static int frames_ready(pf_reasm *r) {
  pf_frame f;
  int n = 0;

  f.struct_size = sizeof(f);
  while (pf_reasm_next_frame(r, &f) == 0) {
    n++;
    TU_CHECK_EQ(pf_reasm_frame_done(r, &f), 0);
    f.struct_size = sizeof(f);
  }
  return n;
}

/* Frames delivered (and given back) by pushd(). */
static int delivered;

/* push() that hands every finished frame out and back at once. */
static int pushd(pf_reasm *r, const pf_pkt_header *h, uint8_t fill, int *why) {
  int rv = push(r, h, fill, why);

  delivered += frames_ready(r);
  return rv;
}

/* --------------------------------------------------------- firewall */

static void test_pf_reasm_base_header_accepted(void) {
  pf_reasm *r = mk();
  pf_pkt_header h = base();
  pf_frame f;
  int why = -1;
  size_t i;

  TU_CHECK_EQ(push(r, &h, 0xAB, &why), 0);
  TU_CHECK_EQ(why, PF_DROP_NONE);
  f.struct_size = sizeof(f);
  TU_CHECK_EQ(pf_reasm_next_frame(r, &f), 0);
  TU_CHECK_EQ(f.len, 16);
  TU_CHECK_EQ(f.frame_index, 0);
  for (i = 0; i < f.len; i++)
    if (f.data[i] != 0xAB)
      break;
  TU_CHECK_EQ(i, 16);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_completed, 1);
  TU_CHECK_EQ(pf_reasm_frame_done(r, &f), 0);
  TU_CHECK_EQ(pf_reasm_frame_done(r, &f), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_reasm_next_frame(r, &f), PF_ERR_NOFRAME);
  pf_reasm_del(r);
}

struct fw_case {
  const char *name;
  void (*mutate)(pf_pkt_header *h);
  int why;
};

static void m_magic(pf_pkt_header *h) {
  h->magic = 0xC8;
}
static void m_shard_big(pf_pkt_header *h) {
  h->shard_bytes = S + 2;
}
static void m_shard_small(pf_pkt_header *h) {
  h->shard_bytes = S - 2;
}
static void m_k0(pf_pkt_header *h) {
  h->data_shards = 0;
}
static void m_k9(pf_pkt_header *h) {
  /* 9 data shards would also need 144 bytes; K alone is over the limit */
  h->frame_bytes = 9 * S;
  h->data_shards = 9;
}
static void m_km_max(pf_pkt_header *h) {
  h->data_shards = 65535;
  h->recovery_shards = 65535;
}
static void m_total13(pf_pkt_header *h) {
  h->recovery_shards = 12;
}
static void m_index(pf_pkt_header *h) {
  h->shard_index = 1;
}
static void m_bc0(pf_pkt_header *h) {
  h->block_count = 0;
}
static void m_bc33(pf_pkt_header *h) {
  h->block_count = 33;
}
static void m_bi(pf_pkt_header *h) {
  h->block_index = 1;
}
static void m_fb(pf_pkt_header *h) {
  h->frame_bytes = 4097;
}
static void m_geo_bc(pf_pkt_header *h) {
  h->block_count = 2;
}
static void m_geo_k(pf_pkt_header *h) {
  h->frame_bytes = 2 * S;
}
static void m_geo_k2(pf_pkt_header *h) {
  h->frame_bytes = 2 * S;
  h->data_shards = 1;
  h->recovery_shards = 1;
  h->shard_index = 1;
}
static void m_geo_last(pf_pkt_header *h) {
  /* 13 shards: blocks of 8 and 5; block 1 claims K = 8 */
  h->frame_bytes = 13 * S;
  h->block_count = 2;
  h->block_index = 1;
  h->data_shards = 8;
}
/* block_index == block_count with K = K_max: with K = 1 (m_bi) the
 * derived-K check would also catch a broken block_index bound; here it
 * cannot (a block before the last has K = K_max), so only the bound
 * stands between this packet and a write past the frame buffer. */
static void m_bi_kmax(pf_pkt_header *h) {
  h->frame_bytes = 8 * S;
  h->data_shards = 8;
  h->block_index = 1;
}
/* The amplification datagram: K 1, M = limit - 1, a parity index. */
static void m_amp(pf_pkt_header *h) {
  h->recovery_shards = 11;
  h->shard_index = 1;
}
static void m_geo_first(pf_pkt_header *h) {
  h->frame_bytes = 13 * S;
  h->block_count = 2;
  h->block_index = 0;
  h->data_shards = 5;
}

static void test_pf_reasm_firewall(void) {
  static const struct fw_case cases[] = {
      {"bad magic", m_magic, PF_DROP_BAD_MAGIC},
      {"shard_bytes 18", m_shard_big, PF_DROP_GEOMETRY},
      {"shard_bytes 14", m_shard_small, PF_DROP_GEOMETRY},
      {"K 0", m_k0, PF_DROP_LIMITS},
      {"K 9 > K_max", m_k9, PF_DROP_LIMITS},
      {"K = M = 65535", m_km_max, PF_DROP_LIMITS},
      {"K + M 13 > 12", m_total13, PF_DROP_LIMITS},
      {"shard_index >= K + M", m_index, PF_DROP_GEOMETRY},
      {"block_count 0", m_bc0, PF_DROP_GEOMETRY},
      {"block_count 33 > max", m_bc33, PF_DROP_LIMITS},
      {"block_index >= block_count", m_bi, PF_DROP_GEOMETRY},
      {"block_index == block_count, K = K_max", m_bi_kmax, PF_DROP_GEOMETRY},
      {"K 1, M 11 > M(1, 50 %) = 2", m_amp, PF_DROP_GEOMETRY},
      {"frame_bytes > max", m_fb, PF_DROP_LIMITS},
      {"block_count != derived", m_geo_bc, PF_DROP_GEOMETRY},
      {"K != derived (1 of 2)", m_geo_k, PF_DROP_GEOMETRY},
      {"K != derived, parity", m_geo_k2, PF_DROP_GEOMETRY},
      {"last block K = K_max", m_geo_last, PF_DROP_GEOMETRY},
      {"first block K short", m_geo_first, PF_DROP_GEOMETRY},
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    pf_reasm *r = mk();
    pf_pkt_header h = base();
    int why = -1, rv;

    cases[i].mutate(&h);
    rv = push(r, &h, 1, &why);
    TU_CHECK_MSG(rv == PF_ERR_DROP && why == cases[i].why,
                 "case '%s': rv %d reason %d, want reason %d", cases[i].name,
                 rv, why, cases[i].why);
    TU_CHECK_MSG(drops_total(r) == 1, "case '%s': packets_dropped %llu",
                 cases[i].name, (unsigned long long)drops_total(r));
    TU_CHECK_MSG(pf_reasm_get_counters(r)->drops[cases[i].why] == 1,
                 "case '%s': not counted as reason %d", cases[i].name,
                 cases[i].why);
    TU_CHECK_EQ(pf_reasm_inflight_bytes(r), 0);
    TU_CHECK_EQ(pf_reasm_inflight_frames(r), 0);
    TU_CHECK_EQ(frames_ready(r), 0);
    pf_reasm_del(r);
  }
}

/* GF16: shapes reed-solomon-simd cannot decode are no punktfunk/1
 * blocks: K_max's parity is capped to them, and such a block is dropped
 * before anything is allocated. */
static void test_pf_reasm_gf16_shapes(void) {
  pf_reasm_limits l16;
  pf_reasm *r = NULL;
  pf_pkt_header h = base();
  int why = -1, rv;

  /* K_max 40000 at 90 %: M is capped at 16384 (NextPow2(M) + K <= 65536). */
  TU_CHECK_EQ(pf_reasm_limits_derive(&l16, PF_FEC_GF16, S, 40000, 90,
                                     (uint64_t)S * 60000, 0, 8, 64,
                                     120000000),
              0);
  TU_CHECK_EQ(l16.max_total_shards, 40000 + 16384);
  TU_CHECK_EQ(pf_reasm_new(&r, &l16, NULL), 0);
  /* Last block of a 60000-shard frame: K 20000; M 36000 fits the total
   * (56000 <= 56384) but NextPow2(20000) + 36000 > 65536. */
  h.fec_scheme = PF_FEC_GF16;
  h.frame_bytes = S * 60000u;
  h.block_count = 2;
  h.block_index = 1;
  h.data_shards = 20000;
  h.recovery_shards = 36000;
  h.shard_index = 0;
  rv = push(r, &h, 1, &why);
  TU_CHECK_MSG(rv == PF_ERR_DROP && why == PF_DROP_LIMITS, "rv %d why %d", rv,
               why);
  TU_CHECK_EQ(pf_reasm_inflight_bytes(r), 0);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->drops[PF_DROP_LIMITS], 1);
  /* M 18001: a compatible shape, but more than a sender at 90 % makes
   * for K 20000 (18000). */
  h.recovery_shards = 18001;
  rv = push(r, &h, 1, &why);
  TU_CHECK_MSG(rv == PF_ERR_DROP && why == PF_DROP_GEOMETRY, "rv %d why %d",
               rv, why);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->drops[PF_DROP_GEOMETRY], 1);
  /* The same block with M 18000 is taken. */
  h.recovery_shards = 18000;
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  pf_reasm_del(r);
}

static void test_pf_reasm_short_packets(void) {
  uint8_t buf[PF_WIRE_HEADER_BYTES + S + 8];
  pf_pkt_header h = base();
  pf_reasm *r = mk();
  size_t n = pkt(buf, &h, 7), len;
  int why;

  for (len = 0; len < n; len++) {
    why = -1;
    TU_CHECK_EQ(pf_reasm_push(r, buf, len, 0, &why), PF_ERR_DROP);
    TU_CHECK_EQ(why, PF_DROP_TOO_SHORT);
  }
  TU_CHECK_EQ(pf_reasm_get_counters(r)->drops[PF_DROP_TOO_SHORT], n);
  TU_CHECK_EQ(drops_total(r), n);
  TU_CHECK_EQ(frames_ready(r), 0);
  /* Trailing bytes beyond 40 + shard_bytes are ignored. */
  memset(buf + n, 0xEE, 8);
  TU_CHECK_EQ(pf_reasm_push(r, buf, n + 8, 0, &why), 0);
  TU_CHECK_EQ(frames_ready(r), 1);
  pf_reasm_del(r);
}

/* version, fec_scheme, flags and stream_seq are not checked. */
static void test_pf_reasm_unchecked_fields(void) {
  pf_reasm *r = mk();
  pf_pkt_header h = base();
  int why;

  h.version = 77;
  h.fec_scheme = 9;
  h.flags = 0xF0;
  h.stream_seq = 0xDEADBEEF;
  TU_CHECK_EQ(push(r, &h, 3, &why), 0);
  TU_CHECK_EQ(frames_ready(r), 1);
  pf_reasm_del(r);
}

/* --------------------------------------------------------- windows */

/* A two-shard frame with only shard 0 sent stays open. */
static pf_pkt_header half(uint32_t idx, uint64_t pts, uint32_t uflags) {
  pf_pkt_header h = base();

  h.frame_index = idx;
  h.pts_ns = pts;
  h.user_flags = uflags;
  h.frame_bytes = 2 * S;
  h.data_shards = 2;
  return h;
}

static void test_pf_reasm_loss_window_120fps(void) {
  const uint64_t period = 8333333; /* 120 fps */
  pf_reasm *r = mk();
  pf_pkt_header h = half(0, 0, 0);
  pf_frame_loss l;
  uint32_t f;
  int why;

  TU_CHECK_EQ(push(r, &h, 1, &why), 0); /* frame 0: 1 of 2 shards */
  for (f = 1; f <= 14; f++) {           /* pts up to 116.7 ms */
    pf_pkt_header c = base();
    c.frame_index = f;
    c.pts_ns = f * period;
    TU_CHECK_EQ(pushd(r, &c, 2, &why), 0);
  }
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_dropped, 0);
  TU_CHECK_EQ(pf_reasm_inflight_frames(r), 1); /* frame 0 still open */
  {
    pf_pkt_header c = base(); /* frame 15: 125 ms > 120 ms */
    c.frame_index = 15;
    c.pts_ns = 15 * period;
    TU_CHECK_EQ(pushd(r, &c, 2, &why), 0);
  }
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_dropped, 1);
  /* No double count: more frames, and the straggler of frame 0. */
  for (f = 16; f <= 40; f++) {
    pf_pkt_header c = base();
    c.frame_index = f;
    c.pts_ns = f * period;
    TU_CHECK_EQ(pushd(r, &c, 2, &why), 0);
  }
  h.shard_index = 1;
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK(why == PF_DROP_LATE || why == PF_DROP_STALE);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_dropped, 1);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_completed, 40);
  l.struct_size = sizeof(l);
  TU_CHECK_EQ(pf_reasm_next_loss(r, &l), 0);
  TU_CHECK_EQ(l.frame_index, 0);
  TU_CHECK_EQ(l.reason, PF_LOSS_TIME_WINDOW);
  TU_CHECK_EQ(pf_reasm_next_loss(r, &l), PF_ERR_NOFRAME);
  TU_CHECK_EQ(pf_reasm_inflight_frames(r), 0);
  pf_reasm_del(r);
}

static void test_pf_reasm_index_window(void) {
  pf_reasm *r = mk();
  pf_pkt_header h = half(1000, 0, 0);
  pf_frame_loss l;
  uint32_t f;
  int why;

  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  for (f = 1001; f <= 1064; f++) { /* same pts: only the index window */
    pf_pkt_header c = base();
    c.frame_index = f;
    TU_CHECK_EQ(pushd(r, &c, 2, &why), 0);
  }
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_dropped, 0);
  {
    pf_pkt_header c = base();
    c.frame_index = 1065; /* 65 behind: given up */
    TU_CHECK_EQ(pushd(r, &c, 2, &why), 0);
  }
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_dropped, 1);
  l.struct_size = sizeof(l);
  TU_CHECK_EQ(pf_reasm_next_loss(r, &l), 0);
  TU_CHECK_EQ(l.frame_index, 1000);
  TU_CHECK_EQ(l.reason, PF_LOSS_INDEX_WINDOW);
  /* 65 behind: out of the window and of the completed memory. */
  h = half(1000, 0, 0);
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_STALE);
  h = half(999, 0, 0);
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_STALE);
  /* 64 behind and finished: remembered, so a straggler is late. */
  h = base();
  h.frame_index = 1001;
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_LATE);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_completed, 65);
  pf_reasm_del(r);
}

/* Wrapping frame indices: UINT32_MAX is followed by 0. */
static void test_pf_reasm_index_wrap(void) {
  pf_reasm *r = mk();
  pf_pkt_header h = half(UINT32_MAX - 1, 0, 0);
  uint32_t f;
  int why, i;

  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  for (i = 0, f = UINT32_MAX; i < 10; i++, f++) {
    pf_pkt_header c = base();
    c.frame_index = f;
    TU_CHECK_EQ(pushd(r, &c, 2, &why), 0);
  }
  h.shard_index = 1; /* frame UINT32_MAX - 1 still open: completes */
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_dropped, 0);
  TU_CHECK_EQ(frames_ready(r), 1);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_completed, 11);
  pf_reasm_del(r);
}

static void test_pf_reasm_probe_window_independent(void) {
  pf_reasm *r = mk();
  pf_pkt_header p = half(0, 0, PF_USER_FLAG_PROBE);
  pf_pkt_header v = half(0, 0, 0);
  pf_frame f;
  uint32_t i;
  int why;

  /* Same index 0 in both windows; both stay open. */
  TU_CHECK_EQ(push(r, &p, 0x11, &why), 0);
  TU_CHECK_EQ(push(r, &v, 0x22, &why), 0);
  TU_CHECK_EQ(pf_reasm_inflight_frames(r), 2);
  /* Video moves 200 frames and 2 s ahead; the probe frame survives. */
  for (i = 1; i <= 200; i++) {
    pf_pkt_header c = base();
    c.frame_index = i;
    c.pts_ns = i * 10 * MS;
    TU_CHECK_EQ(pushd(r, &c, 2, &why), 0);
  }
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_dropped, 1); /* video 0 */
  TU_CHECK_EQ(pf_reasm_get_counters(r)->probe_frames_dropped, 0);
  p.shard_index = 1;
  TU_CHECK_EQ(push(r, &p, 0x33, &why), 0);
  f.struct_size = sizeof(f);
  TU_CHECK_EQ(pf_reasm_next_frame(r, &f), 0);
  TU_CHECK_EQ(f.frame_index, 0);
  TU_CHECK(f.flags & PF_USER_FLAG_PROBE);
  TU_CHECK_EQ(f.len, 2 * S);
  TU_CHECK(f.data[0] == 0x11 && f.data[S] == 0x33);
  TU_CHECK_EQ(pf_reasm_frame_done(r, &f), 0);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->probe_frames_completed, 1);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_completed, 200);
  /* And the other way: probe traffic far ahead does not age video. */
  v = half(250, 3000 * MS, 0);
  TU_CHECK_EQ(push(r, &v, 1, &why), 0);
  for (i = 1; i <= 200; i++) {
    pf_pkt_header c = base();
    c.frame_index = i;
    c.pts_ns = 100000 * MS + i * 10 * MS;
    c.user_flags = PF_USER_FLAG_PROBE;
    TU_CHECK_EQ(pushd(r, &c, 2, &why), 0);
  }
  v.shard_index = 1;
  TU_CHECK_EQ(push(r, &v, 1, &why), 0);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_dropped, 1);
  TU_CHECK_EQ(frames_ready(r), 1);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_completed, 201);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->probe_frames_completed, 201);
  pf_reasm_del(r);
}

/* --------------------------------------------------------- per frame */

static void test_pf_reasm_duplicates_and_late(void) {
  pf_reasm *r = mk();
  pf_pkt_header h = half(5, 0, 0);
  int why;

  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_DUPLICATE);
  h.shard_index = 1;
  TU_CHECK_EQ(push(r, &h, 2, &why), 0);
  TU_CHECK_EQ(push(r, &h, 2, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_LATE);
  TU_CHECK_EQ(frames_ready(r), 1);
  TU_CHECK_EQ(push(r, &h, 2, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_LATE);
  pf_reasm_del(r);
}

/* Geometry must not change inside an open frame or block. */
static void test_pf_reasm_geometry_pinned(void) {
  pf_reasm *r = mk();
  pf_pkt_header h = half(9, 0, 0), g;
  int why;

  h.recovery_shards = 2;
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  g = h; /* same frame, other M for the block */
  g.shard_index = 1;
  g.recovery_shards = 3;
  TU_CHECK_EQ(push(r, &g, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_GEOMETRY);
  g = h; /* same frame index, other size */
  g.frame_bytes = 2 * S - 1;
  g.shard_index = 1;
  TU_CHECK_EQ(push(r, &g, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_GEOMETRY);
  h.shard_index = 1;
  TU_CHECK_EQ(push(r, &h, 2, &why), 0);
  TU_CHECK_EQ(frames_ready(r), 1);
  pf_reasm_del(r);
}

static void test_pf_reasm_frame_count_budget(void) {
  pf_reasm *r;
  pf_pkt_header h;
  pf_frame f;
  int why;

  TU_CHECK_EQ(pf_reasm_limits_derive(&lim, PF_FEC_GF8, S, 8, 50, 4096, 0, 2, 64,
                                     120 * MS),
              0);
  r = mk();
  h = half(1, 0, 0);
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  h = half(2, 0, 0);
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  h = half(3, 0, 0);
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_BUDGET);
  /* Finish frame 1, keep it borrowed: still no room. */
  h = half(1, 0, 0);
  h.shard_index = 1;
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  f.struct_size = sizeof(f);
  TU_CHECK_EQ(pf_reasm_next_frame(r, &f), 0);
  h = half(3, 0, 0);
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_BUDGET);
  TU_CHECK_EQ(pf_reasm_frame_done(r, &f), 0);
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  pf_reasm_del(r);
  limits_default();
}

static void test_pf_reasm_byte_budget(void) {
  pf_reasm *r;
  pf_pkt_header h;
  int why;

  /* Budget = one max frame exactly. */
  TU_CHECK_EQ(pf_reasm_limits_derive(&lim, PF_FEC_GF8, S, 8, 50, 4096, 4096, 8,
                                     64, 120 * MS),
              0);
  r = mk();
  h = base();
  h.frame_index = 1;
  h.frame_bytes = 4096; /* 256 shards, 32 blocks */
  h.data_shards = 8;
  h.block_count = 32;
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  TU_CHECK_EQ(pf_reasm_inflight_bytes(r), 4096);
  h = base();
  h.frame_index = 2;
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_BUDGET);
  /* Parity for the open frame cannot be held either. */
  h = base();
  h.frame_index = 1;
  h.frame_bytes = 4096;
  h.data_shards = 8;
  h.recovery_shards = 4;
  h.block_count = 32;
  h.block_index = 1;
  h.shard_index = 9;
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_BUDGET);
  TU_CHECK(pf_reasm_peak_inflight_bytes(r) <= 4096);
  pf_reasm_del(r);
  limits_default();
}

static void test_pf_reasm_release_on_next_and_reset(void) {
  pf_reasm *r;
  pf_pkt_header h;
  pf_frame f, g;
  int why;

  lim.release_on_next = 1;
  r = mk();
  h = base();
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  h.frame_index = 1;
  TU_CHECK_EQ(push(r, &h, 2, &why), 0);
  f.struct_size = sizeof(f);
  TU_CHECK_EQ(pf_reasm_next_frame(r, &f), 0);
  TU_CHECK_EQ(pf_reasm_inflight_frames(r), 2);
  g.struct_size = sizeof(g);
  TU_CHECK_EQ(pf_reasm_next_frame(r, &g), 0); /* releases f */
  TU_CHECK_EQ(pf_reasm_inflight_frames(r), 1);
  TU_CHECK_EQ(pf_reasm_frame_done(r, &f), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(g.frame_index, 1);
  /* reset: open and queued frames go, the borrowed one stays valid. */
  h = half(7, 0, 0);
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  h = base();
  h.frame_index = 8;
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  TU_CHECK_EQ(pf_reasm_inflight_frames(r), 3);
  pf_reasm_reset(r);
  TU_CHECK_EQ(pf_reasm_inflight_frames(r), 1);
  TU_CHECK(g.data[0] == 2);
  TU_CHECK_EQ(pf_reasm_frame_done(r, &g), 0);
  TU_CHECK_EQ(pf_reasm_next_frame(r, &f), PF_ERR_NOFRAME);
  /* After a reset an old index may start again. */
  h = base();
  TU_CHECK_EQ(push(r, &h, 5, &why), 0);
  TU_CHECK_EQ(frames_ready(r), 1);
  f.struct_size = 4;
  TU_CHECK_EQ(pf_reasm_next_frame(r, &f), PF_ERR_ABI);
  pf_reasm_del(r);
  lim.release_on_next = 0;
}

/*
 * M is tied to K (doc/wire-format.md 10.3): the bound is
 * pf_wire_recovery_for(K, max_fec_percent), the sender's own M.  K 30
 * at 15 % is 4.5 -> 5 (ceil); a floor in the bound would refuse the
 * sender's fifth parity shard.
 */
static void test_pf_reasm_parity_bound(void) {
  pf_reasm_limits l;
  pf_reasm *r = NULL;
  pf_pkt_header h = base();
  int why = -1, rv;

  TU_CHECK_EQ(pf_wire_recovery_for(30, 15), 5);
  TU_CHECK_EQ(pf_reasm_limits_derive(&l, PF_FEC_GF8, S, 30, 15, 4096, 0, 8,
                                     64, 120 * MS),
              0);
  TU_CHECK_EQ(l.max_total_shards, 35);
  TU_CHECK_EQ(pf_reasm_new(&r, &l, NULL), 0);
  if (!r)
    return;
  /* One 30-shard block; its last parity shard (index 34) is taken... */
  h.frame_bytes = 30 * S;
  h.data_shards = 30;
  h.recovery_shards = 5;
  h.shard_index = 34;
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  TU_CHECK_EQ(why, PF_DROP_NONE);
  /* ...M 6 for K 29 (4.35 -> 5) is not what a 15 % sender makes (K + M
   * 35 is within max_total_shards: only the M bound sees it). */
  h.frame_index = 1;
  h.frame_bytes = 29 * S;
  h.data_shards = 29;
  h.recovery_shards = 6;
  h.shard_index = 29;
  rv = push(r, &h, 1, &why);
  TU_CHECK_MSG(rv == PF_ERR_DROP && why == PF_DROP_GEOMETRY, "rv %d why %d",
               rv, why);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->drops[PF_DROP_GEOMETRY], 1);
  /* K 13 (a last block): M(13, 15 %) = max(ceil(1.95), 2) = 2. */
  h.frame_index = 2;
  h.frame_bytes = 13 * S;
  h.data_shards = 13;
  h.recovery_shards = 3;
  h.shard_index = 13;
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_GEOMETRY);
  h.recovery_shards = 2;
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  pf_reasm_del(r);
  /* max_fec_percent 0: no parity at all. */
  TU_CHECK_EQ(pf_reasm_limits_derive(&l, PF_FEC_GF8, S, 8, 0, 4096, 0, 8, 64,
                                     120 * MS),
              0);
  r = NULL;
  TU_CHECK_EQ(pf_reasm_new(&r, &l, NULL), 0);
  if (!r)
    return;
  h = base();
  h.recovery_shards = 0;
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  h.frame_index = 1;
  h.recovery_shards = 2;
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_GEOMETRY);
  pf_reasm_del(r);
}

/*
 * GF16 amplification: with pf-recv's gf16 limits (K_max 200 at 90 %,
 * K + M <= 380) one datagram of K 1, M 379 and a parity index used to
 * complete its block at once and cost a decode over 512 positions.
 */
static void test_pf_reasm_gf16_amplification(void) {
  pf_reasm_limits l;
  pf_reasm *r = NULL;
  pf_pkt_header h = base();
  int why = -1, rv;

  TU_CHECK_EQ(pf_reasm_limits_derive(&l, PF_FEC_GF16, S, 200, 90, 1u << 20, 0,
                                     8, 64, 120 * MS),
              0);
  TU_CHECK_EQ(l.max_total_shards, 380);
  TU_CHECK_EQ(pf_reasm_new(&r, &l, NULL), 0);
  if (!r)
    return;
  h.fec_scheme = PF_FEC_GF16;
  h.recovery_shards = 379;
  h.shard_index = 1;
  rv = push(r, &h, 1, &why);
  TU_CHECK_MSG(rv == PF_ERR_DROP && why == PF_DROP_GEOMETRY, "rv %d why %d",
               rv, why);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->drops[PF_DROP_GEOMETRY], 1);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->frames_completed, 0);
  TU_CHECK_EQ(pf_reasm_inflight_frames(r), 0);
  /* K 1 at 90 %: M 2 is what a sender makes; that block decodes. */
  h.recovery_shards = 2;
  TU_CHECK_EQ(push(r, &h, 1, &why), 0);
  TU_CHECK_EQ(frames_ready(r), 1);
  pf_reasm_del(r);
}

/*
 * A frame index far ahead of the window (one forged unsealed datagram,
 * or one from another run) does not move it: the real frames that
 * follow are not made stale.  Sustained far-ahead traffic with nothing
 * of the current window in between (an outage of more than the window)
 * does move it, after 16 datagrams.
 */
static void test_pf_reasm_far_ahead(void) {
  pf_reasm *r = mk();
  const pf_reasm_counters *c = pf_reasm_get_counters(r);
  pf_pkt_header h;
  uint32_t f;
  int why, i;

  delivered = 0;
  for (f = 10; f < 20; f++) {
    h = base();
    h.frame_index = f;
    TU_CHECK_EQ(pushd(r, &h, 1, &why), 0);
  }
  /* The forged jump of 2^31 - 1, and 65 ahead (window 64). */
  h = base();
  h.frame_index = 19u + 0x7FFFFFFFu;
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_FAR_AHEAD);
  h.frame_index = 19 + 65;
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_FAR_AHEAD);
  TU_CHECK_EQ(c->drops[PF_DROP_FAR_AHEAD], 2);
  /* The real stream goes on. */
  for (f = 20; f < 30; f++) {
    h = base();
    h.frame_index = f;
    TU_CHECK_EQ(pushd(r, &h, 1, &why), 0);
  }
  TU_CHECK_EQ(delivered, 20);
  TU_CHECK_EQ(c->drops[PF_DROP_STALE], 0);
  /* 64 ahead is a normal step. */
  h = base();
  h.frame_index = 29 + 64;
  TU_CHECK_EQ(pushd(r, &h, 1, &why), 0);
  TU_CHECK_EQ(delivered, 21);
  /* Forged bursts of 15 interleaved with the real stream never jump. */
  for (f = 94; f < 104; f++) {
    for (i = 0; i < 15; i++) {
      h = base();
      h.frame_index = 5000u + (uint32_t)i;
      TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
      TU_CHECK_EQ(why, PF_DROP_FAR_AHEAD);
    }
    h = base();
    h.frame_index = f;
    TU_CHECK_EQ(pushd(r, &h, 1, &why), 0);
  }
  TU_CHECK_EQ(delivered, 31);
  TU_CHECK_EQ(c->window_resyncs, 0);
  /* An outage: the stream comes back 1000 frames on.  Its first 15
   * datagrams are dropped, the 16th moves the window, the rest flow. */
  for (f = 1103; f < 1118; f++) {
    h = base();
    h.frame_index = f;
    TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
    TU_CHECK_EQ(why, PF_DROP_FAR_AHEAD);
  }
  for (f = 1118; f < 1130; f++) {
    h = base();
    h.frame_index = f;
    TU_CHECK_EQ(pushd(r, &h, 1, &why), 0);
  }
  TU_CHECK_EQ(c->window_resyncs, 1);
  TU_CHECK_EQ(delivered, 31 + 12);
  /* ...and the old index space is behind the window now. */
  h = base();
  h.frame_index = 104;
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_STALE);
  pf_reasm_del(r);
}

/*
 * pf_sender numbers probe and video AUs in one index space: START is
 * probe 0, the video 1..100, END probe 101.  END is 101 ahead of the
 * probe window but next to the video window: not far ahead.  A forged
 * probe far ahead of both is, and its first packet cannot set the probe
 * window far from the video either.
 */
static void test_pf_reasm_far_ahead_shared_index(void) {
  pf_reasm *r = mk();
  pf_pkt_header h;
  uint32_t f;
  int why;

  delivered = 0;
  h = base();
  h.frame_index = 5000;
  h.user_flags = PF_USER_FLAG_PROBE;
  for (f = 1; f <= 100; f++) {
    pf_pkt_header v = base();
    v.frame_index = f;
    TU_CHECK_EQ(pushd(r, &v, 1, &why), 0);
  }
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP); /* first probe, far */
  TU_CHECK_EQ(why, PF_DROP_FAR_AHEAD);
  h.frame_index = 0; /* START (late) */
  TU_CHECK_EQ(pushd(r, &h, 1, &why), 0);
  h.frame_index = 101; /* END */
  TU_CHECK_EQ(pushd(r, &h, 1, &why), 0);
  TU_CHECK_EQ(delivered, 102);
  h.frame_index = 101 + 65 + 1000;
  TU_CHECK_EQ(push(r, &h, 1, &why), PF_ERR_DROP);
  TU_CHECK_EQ(why, PF_DROP_FAR_AHEAD);
  TU_CHECK_EQ(pf_reasm_get_counters(r)->drops[PF_DROP_FAR_AHEAD], 2);
  pf_reasm_del(r);
}

/*
 * Size products on attacker-controlled values are checked: the frame
 * buffer of the largest frame (ceil((2^32 - 1) / 9152) shards of 9152
 * bytes, 4294969536 bytes) passes 2^32, so a 32-bit build refuses these
 * limits instead of wrapping to a 2240-byte buffer.
 */
static void test_pf_reasm_size_overflow(void) {
  pf_reasm_limits l;
  size_t out = 0;
  int rv;

  rv = pf_reasm_limits_derive(&l, PF_FEC_GF8, 9152, 200, 15, UINT32_MAX, 0, 8,
                              64, 120 * MS);
  if (sizeof(size_t) == 4) {
    TU_CHECK_EQ(rv, PF_ERR_INVALID_ARGUMENT);
  } else {
    TU_CHECK_EQ(rv, 0);
    TU_CHECK(l.budget_bytes == (size_t)4 * 4294969536ull);
  }
  /* The helper itself at both widths. */
  TU_CHECK_EQ(pf_mul_overflow(SIZE_MAX / 2 + 1, 2, &out), 1);
  TU_CHECK_EQ(pf_mul_overflow(SIZE_MAX, 1, &out), 0);
  TU_CHECK(out == SIZE_MAX);
  TU_CHECK_EQ(pf_mul_overflow(469293, 9152, &out), sizeof(size_t) == 4);
  if (sizeof(size_t) > 4)
    TU_CHECK(out == 4294969536ull);
  TU_CHECK_EQ(pf_mul_overflow(65536, 65536, &out), sizeof(size_t) == 4);
}

static void test_pf_reasm_limits_derive(void) {
  pf_reasm_limits l;

  /* GF8 default: 200 + 180 clamps to 255. */
  TU_CHECK_EQ(pf_reasm_limits_derive(&l, PF_FEC_GF8, 1024, 200, 90, 64u << 20,
                                     0, 32, 64, 120 * MS),
              0);
  TU_CHECK_EQ(l.max_total_shards, 255);
  TU_CHECK_EQ(l.max_blocks, 328);
  TU_CHECK_EQ(pf_reasm_limits_derive(&l, PF_FEC_GF16, 1024, 200, 90, 64u << 20,
                                     0, 32, 64, 120 * MS),
              0);
  TU_CHECK_EQ(l.max_total_shards, 380);
  TU_CHECK_EQ(pf_wire_recovery_for(3, 50), 2);
  TU_CHECK_EQ(pf_wire_recovery_for(4, 15), 2);
  TU_CHECK_EQ(pf_wire_recovery_for(100, 15), 15);
  TU_CHECK_EQ(pf_wire_recovery_for(10, 0), 0);
  TU_CHECK_EQ(
      pf_reasm_limits_derive(&l, PF_FEC_GF8, 15, 8, 50, 4096, 0, 8, 64, 1),
      PF_ERR_INVALID_ARGUMENT); /* odd shard */
  TU_CHECK_EQ(
      pf_reasm_limits_derive(&l, PF_FEC_GF8, 16, 256, 50, 4096, 0, 8, 64, 1),
      PF_ERR_INVALID_ARGUMENT); /* K_max > 255 */
  TU_CHECK_EQ(
      pf_reasm_limits_derive(&l, PF_FEC_GF8, 16, 8, 50, 4096, 4000, 8, 64, 1),
      PF_ERR_INVALID_ARGUMENT); /* budget < one frame */
  TU_CHECK_EQ(
      pf_reasm_limits_derive(&l, PF_FEC_GF8, 2, 1, 50, UINT32_MAX, 0, 8, 64, 1),
      PF_ERR_INVALID_ARGUMENT); /* > 65535 blocks */
  TU_CHECK_EQ(pf_reasm_limits_derive(&l, 7, 16, 8, 50, 4096, 0, 8, 64, 1),
              PF_ERR_INVALID_ARGUMENT);
}

int main(void) {
  limits_default();
  test_pf_reasm_base_header_accepted();
  test_pf_reasm_firewall();
  test_pf_reasm_short_packets();
  test_pf_reasm_gf16_shapes();
  test_pf_reasm_unchecked_fields();
  test_pf_reasm_loss_window_120fps();
  test_pf_reasm_index_window();
  test_pf_reasm_index_wrap();
  test_pf_reasm_probe_window_independent();
  test_pf_reasm_duplicates_and_late();
  test_pf_reasm_geometry_pinned();
  test_pf_reasm_frame_count_budget();
  test_pf_reasm_byte_budget();
  test_pf_reasm_release_on_next_and_reset();
  test_pf_reasm_limits_derive();
  test_pf_reasm_parity_bound();
  test_pf_reasm_gf16_amplification();
  test_pf_reasm_far_ahead();
  test_pf_reasm_far_ahead_shared_index();
  test_pf_reasm_size_overflow();
  return tu_finish("test_reasm");
}
