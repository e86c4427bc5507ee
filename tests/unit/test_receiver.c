/*
 * test_receiver.c -- the public receiver end to end: packets are built
 * here (pf_wire_header_encode + pf_fec_encode, data-first wire order as
 * the original packetizer) and fed through pf_receiver_read_datagram().
 *
 * - the multi-block kill cases of the original tests (doc/wire-format.md
 *   12.5)
 *   for GF16 and GF8, in order and reversed with duplicates;
 * - seeded property runs: <= M losses per block always recover byte
 *   exact, > M never deliver;
 * - truncation and bit-flip sweeps;
 * - a hostile flood that checks peak allocation through tu_alloc;
 * - the allocation-failure sweep of pf_receiver_new and the frame path;
 * - sealed mode: forged, tampered, replayed, misdirected datagrams;
 * - config and stats struct_size rules;
 * - in-order delivery (order_hold_frames) and the run lock.
 *
 * `test_receiver --write-corpus DIR` writes the fuzz seed corpus
 * (fuzz/corpus/receiver) instead of testing.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/pf_aead.h"
#include "dataplane/pf_reasm.h"
#include "dataplane/pf_receiver.h"
#include "dataplane/pf_wire.h"
#include "testutil.h"

#define MS 1000000ull

/* ------------------------------------------------------------ packets */

struct geo {
  uint32_t fec_scheme, S, kmax, pct;
};

typedef struct tpkt {
  uint8_t *buf; /* plaintext: header || shard */
  size_t len;
  uint16_t block, shard;
  int data;
} tpkt;

static int gf16_ok = -1;

/* 1 when this build has a working GF16 coder. */
static int have_gf16(void) {
  pf_fec_config c;
  pf_fec *f = NULL;
  uint8_t a[2][4] = {{1, 2, 3, 4}, {5, 6, 7, 8}}, p[2][4];
  const uint8_t *d[2] = {a[0], a[1]};
  uint8_t *pp[2] = {p[0], p[1]};

  if (gf16_ok >= 0)
    return gf16_ok;
  pf_fec_config_default(&c);
  c.fec_scheme = PF_FEC_GF16;
  c.data_shards = 2;
  c.parity_shards = 2;
  gf16_ok = pf_fec_new(&f, &c, NULL) == 0 && pf_fec_encode(f, d, pp, 4) == 0;
  pf_fec_del(f);
  if (!gf16_ok)
    printf("test_receiver: GF16 unavailable in this build: GF16 legs "
           "skipped\n");
  return gf16_ok;
}

static size_t div_up(size_t a, size_t b) {
  return a / b + (a % b != 0);
}

static void free_pkts(tpkt *p, size_t n) {
  size_t i;

  for (i = 0; p && i < n; i++)
    free(p[i].buf);
  free(p);
}

/*
 * Cuts |len| bytes into punktfunk/1 packets: every block's data shards
 * in order, then every block's parity (the newer packetizer's order).
 * Returns the packet count (0 on failure).
 */
static size_t packetize(tpkt **out, const uint8_t *data, size_t len,
                        const struct geo *g, uint32_t idx, uint64_t pts,
                        uint32_t uflags) {
  size_t total_data = len ? div_up(len, g->S) : 1;
  size_t blocks = div_up(total_data, g->kmax), b, i, n = 0, cap;
  size_t ceiling = g->fec_scheme == PF_FEC_GF8 ? 255 : 65535;
  uint8_t *frame = calloc(total_data, g->S);
  uint8_t **par = NULL;
  size_t *ms = calloc(blocks, sizeof(size_t));
  tpkt *p;
  uint32_t seq = 0;

  cap = total_data * 2 + blocks * 4 + 8;
  p = calloc(cap, sizeof(*p));
  par = calloc(blocks * 256 + 1, sizeof(*par));
  if (!frame || !ms || !p || !par)
    goto fail;
  if (len)
    memcpy(frame, data, len);
  for (b = 0; b < blocks; b++) {
    size_t k = b + 1 == blocks ? total_data - b * g->kmax : g->kmax;
    size_t m = pf_wire_recovery_for(k, g->pct);
    if (k + m > ceiling)
      m = ceiling - k;
    ms[b] = m;
    if (m > 0) {
      pf_fec_config c;
      pf_fec *f = NULL;
      const uint8_t *dp[256];
      for (i = 0; i < m; i++) {
        par[b * 256 + i] = calloc(1, g->S);
        if (!par[b * 256 + i])
          goto fail;
      }
      for (i = 0; i < k; i++)
        dp[i] = frame + (b * g->kmax + i) * g->S;
      pf_fec_config_default(&c);
      c.fec_scheme = g->fec_scheme;
      c.data_shards = (uint32_t)k;
      c.parity_shards = (uint32_t)m;
      if (pf_fec_new(&f, &c, NULL) != 0 ||
          pf_fec_encode(f, dp, &par[b * 256], g->S) != 0) {
        pf_fec_del(f);
        goto fail;
      }
      pf_fec_del(f);
    }
  }
  for (int pass = 0; pass < 2; pass++) {
    for (b = 0; b < blocks; b++) {
      size_t k = b + 1 == blocks ? total_data - b * g->kmax : g->kmax;
      size_t first = pass ? k : 0, last = pass ? k + ms[b] : k;
      for (i = first; i < last; i++) {
        pf_pkt_header h;
        memset(&h, 0, sizeof(h));
        h.pts_ns = pts;
        h.frame_index = idx;
        h.stream_seq = seq++;
        h.frame_bytes = (uint32_t)len;
        h.user_flags = uflags;
        h.block_index = (uint16_t)b;
        h.block_count = (uint16_t)blocks;
        h.data_shards = (uint16_t)k;
        h.recovery_shards = (uint16_t)ms[b];
        h.shard_index = (uint16_t)i;
        h.shard_bytes = (uint16_t)g->S;
        h.magic = PF_WIRE_MAGIC;
        h.version = 1;
        h.fec_scheme = (uint8_t)g->fec_scheme;
        h.flags = PF_WIRE_FLAG_PIC | (n == 0 ? PF_WIRE_FLAG_SOF : 0);
        p[n].buf = malloc(PF_WIRE_HEADER_BYTES + g->S);
        if (!p[n].buf)
          goto fail;
        p[n].len = PF_WIRE_HEADER_BYTES + g->S;
        p[n].block = (uint16_t)b;
        p[n].shard = (uint16_t)i;
        p[n].data = i < k;
        pf_wire_header_encode(p[n].buf, &h);
        memcpy(p[n].buf + PF_WIRE_HEADER_BYTES,
               i < k ? frame + (b * g->kmax + i) * g->S
                     : par[b * 256 + (i - k)],
               g->S);
        n++;
      }
    }
  }
  p[n - 1].buf[39] |= PF_WIRE_FLAG_EOF;
  for (i = 0; i < blocks * 256; i++)
    free(par[i]);
  free(par);
  free(ms);
  free(frame);
  *out = p;
  return n;
fail:
  if (par)
    for (i = 0; i < blocks * 256; i++)
      free(par[i]);
  free(par);
  free(ms);
  free(frame);
  free_pkts(p, n);
  *out = NULL;
  return 0;
}

static void receiver_cfg(pf_receiver_config *c, const struct geo *g,
                         uint32_t max_frame) {
  pf_receiver_config_default(c);
  c->fec_scheme = g->fec_scheme;
  c->shard_payload = g->S;
  c->max_data_per_block = g->kmax;
  c->max_fec_percent = g->pct;
  c->max_frame_bytes = max_frame;
}

static pf_receiver *mk(const pf_receiver_config *c, const pf_mem *mem) {
  pf_receiver *r = NULL;
  int rv = pf_receiver_new(&r, c, mem);

  TU_CHECK_EQ(rv, 0);
  return r;
}

static pf_receiver_stats stats(const pf_receiver *r) {
  pf_receiver_stats st;

  memset(&st, 0, sizeof(st));
  st.struct_size = sizeof(st);
  TU_CHECK_EQ(pf_receiver_get_stats(r, &st), 0);
  return st;
}

/*
 * Hands out every ready frame; each must be |want| (len |wlen|) when
 * want is not NULL.  Returns how many frames came out.
 */
static int drain(pf_receiver *r, const uint8_t *want, size_t wlen) {
  pf_frame f;
  int n = 0;

  for (;;) {
    f.struct_size = sizeof(f);
    if (pf_receiver_next_frame(r, &f) != 0)
      break;
    n++;
    if (want) {
      TU_CHECK_EQ(f.len, wlen);
      TU_CHECK(f.len != wlen || wlen == 0 || memcmp(f.data, want, wlen) == 0);
    }
    TU_CHECK_EQ(pf_receiver_frame_done(r, &f), 0);
  }
  return n;
}

static void frame_bytes_100(uint8_t *d) {
  size_t i;

  for (i = 0; i < 100; i++)
    d[i] = (uint8_t)((i * 31 + 3) & 0xFF);
}

/* ------------------------------------------------------------ e2e */

static void test_pf_receiver_wire_order(void) {
  static const uint16_t want[11][2] = {{0, 0}, {0, 1}, {0, 2}, {0, 3},
                                       {1, 0}, {1, 1}, {1, 2}, {0, 4},
                                       {0, 5}, {1, 3}, {1, 4}};
  struct geo g = {PF_FEC_GF8, 16, 4, 50};
  uint8_t d[100];
  tpkt *p;
  size_t n, i;

  frame_bytes_100(d);
  n = packetize(&p, d, sizeof(d), &g, 0, 0, 0);
  TU_CHECK_EQ(n, 11);
  for (i = 0; i < n && i < 11; i++)
    TU_CHECK_MSG(p[i].block == want[i][0] && p[i].shard == want[i][1],
                 "packet %zu is (%u,%u)", i, p[i].block, p[i].shard);
  free_pkts(p, n);
}

/*
 * Kills |kill| (wire positions) from the 11-packet frame of the original
 * test; |reverse_dup| sends the rest last-to-first, each twice.
 */
static void kill_case(uint32_t fec_scheme, const size_t *kill, size_t nkill,
                      int reverse_dup) {
  struct geo g = {fec_scheme, 16, 4, 50};
  pf_receiver_config c;
  pf_receiver_stats st;
  pf_receiver *r;
  uint8_t d[100], dead[11] = {0};
  tpkt *p;
  size_t n, i, j;
  pf_frame f;

  frame_bytes_100(d);
  n = packetize(&p, d, sizeof(d), &g, 7, 1234, 0x10);
  TU_CHECK_EQ(n, 11);
  receiver_cfg(&c, &g, 4096);
  r = mk(&c, NULL);
  for (i = 0; i < nkill; i++)
    dead[kill[i]] = 1;
  for (j = 0; j < n; j++) {
    size_t k = reverse_dup ? n - 1 - j : j;
    if (dead[k])
      continue;
    (void)pf_receiver_read_datagram(r, p[k].buf, p[k].len, 555);
    if (reverse_dup)
      (void)pf_receiver_read_datagram(r, p[k].buf, p[k].len, 556);
  }
  f.struct_size = sizeof(f);
  TU_CHECK_EQ(pf_receiver_next_frame(r, &f), 0);
  TU_CHECK_EQ(f.len, 100);
  TU_CHECK(f.len == 100 && memcmp(f.data, d, 100) == 0);
  TU_CHECK_EQ(f.frame_index, 7);
  TU_CHECK_EQ(f.pts_ns, 1234);
  TU_CHECK_EQ(f.flags, 0x10);
  TU_CHECK(f.received_ns == 555 || f.received_ns == 556);
  TU_CHECK_EQ(pf_receiver_frame_done(r, &f), 0);
  /* Everything that was killed arrives late now. */
  for (i = 0; i < nkill; i++)
    TU_CHECK_EQ(
        pf_receiver_read_datagram(r, p[kill[i]].buf, p[kill[i]].len, 600),
        PF_ERR_DROP);
  st = stats(r);
  TU_CHECK_EQ(st.frames_completed, 1);
  TU_CHECK_EQ(st.frames_dropped, 0);
  TU_CHECK_EQ(st.fec_recovered_shards, nkill + (reverse_dup ? 1 : 0));
  TU_CHECK_EQ(st.fec_late_shards, nkill + (reverse_dup ? 1 : 0));
  /* Before the killed ones came back late: */
  TU_CHECK_EQ(st.fec_recovered_shards - (st.fec_late_shards - nkill), nkill);
  TU_CHECK_EQ(st.packets_dropped,
              st.drop_late + st.drop_duplicate); /* nothing else */
  pf_receiver_del(r);
  free_pkts(p, n);
}

/* The counts at the moment the frame is out: recovered - late == killed. */
static void kill_case_exact(uint32_t fec_scheme, const size_t *kill, size_t nkill,
                            int reverse_dup) {
  struct geo g = {fec_scheme, 16, 4, 50};
  pf_receiver_config c;
  pf_receiver_stats st;
  pf_receiver *r;
  uint8_t d[100], dead[11] = {0};
  tpkt *p;
  size_t n, i, j;

  frame_bytes_100(d);
  n = packetize(&p, d, sizeof(d), &g, 0, 0, 0);
  receiver_cfg(&c, &g, 4096);
  r = mk(&c, NULL);
  for (i = 0; i < nkill; i++)
    dead[kill[i]] = 1;
  for (j = 0; j < n; j++) {
    size_t k = reverse_dup ? n - 1 - j : j;
    if (dead[k])
      continue;
    (void)pf_receiver_read_datagram(r, p[k].buf, p[k].len, 0);
    if (reverse_dup)
      (void)pf_receiver_read_datagram(r, p[k].buf, p[k].len, 0);
  }
  TU_CHECK_EQ(drain(r, d, 100), 1);
  st = stats(r);
  TU_CHECK_MSG(st.fec_recovered_shards - st.fec_late_shards == nkill,
               "code %u reverse %d: recovered %llu late %llu killed %zu", fec_scheme,
               reverse_dup, (unsigned long long)st.fec_recovered_shards,
               (unsigned long long)st.fec_late_shards, nkill);
  pf_receiver_del(r);
  free_pkts(p, n);
}

static void test_pf_receiver_multiblock_kills(void) {
  static const size_t k16[] = {0, 2, 5}, k8[] = {1, 3, 6};

  kill_case(PF_FEC_GF8, k8, 3, 0);
  kill_case(PF_FEC_GF8, k8, 3, 1);
  kill_case_exact(PF_FEC_GF8, k8, 3, 0);
  kill_case_exact(PF_FEC_GF8, k8, 3, 1);
  if (have_gf16()) {
    kill_case(PF_FEC_GF16, k16, 3, 0);
    kill_case(PF_FEC_GF16, k16, 3, 1);
    kill_case_exact(PF_FEC_GF16, k16, 3, 0);
    kill_case_exact(PF_FEC_GF16, k16, 3, 1);
  }
}

/* ------------------------------------------------------------ property */

static void shuffle(size_t *a, size_t n, uint64_t *st) {
  size_t i;

  for (i = n; i > 1; i--) {
    size_t j = (size_t)(tu_splitmix64(st) % i), t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
  }
}

static void property_run(uint32_t fec_scheme, uint64_t seed) {
  static const uint32_t sizes[] = {16, 32, 64};
  static const uint32_t pcts[] = {0, 20, 50, 100};
  uint64_t st = seed;
  const int iters = 150;
  int it, expect_ok = 0, got = 0, bad = 0;

  for (it = 0; it < iters; it++) {
    struct geo g;
    pf_receiver_config c;
    pf_receiver *r;
    uint8_t *d;
    tpkt *p;
    size_t len, n, i, *order, b, blocks;
    int over, rounds;
    uint8_t *lost;
    pf_frame f;

    g.fec_scheme = fec_scheme;
    g.S = sizes[tu_splitmix64(&st) % 3];
    g.kmax = 1 + (uint32_t)(tu_splitmix64(&st) % 8);
    g.pct = pcts[tu_splitmix64(&st) % 4];
    len = (size_t)(tu_splitmix64(&st) % 1500);
    over = (int)(tu_splitmix64(&st) % 3 == 0); /* one block over M */
    d = malloc(len + 1);
    tu_fill(tu_splitmix64(&st), d, len);
    n = packetize(&p, d, len, &g, (uint32_t)it, (uint64_t)it * 10 * MS, 0);
    if (!TU_CHECK(n > 0)) {
      free(d);
      continue;
    }
    lost = calloc(n, 1);
    order = calloc(n, sizeof(*order));
    blocks = p[0].buf[26] | (size_t)p[0].buf[27] << 8;
    /* Per block: lose a random number <= M of its shards, or M + 1.. */
    for (b = 0; b < blocks; b++) {
      size_t idx[512], cnt = 0, m = 0, k = 0, nl;
      for (i = 0; i < n; i++) {
        if (p[i].block != b)
          continue;
        idx[cnt++] = i;
        if (p[i].data)
          k++;
        else
          m++;
      }
      if (over && b == blocks - 1)
        nl = m + 1 + (size_t)(tu_splitmix64(&st) % (k));
      else
        nl = (size_t)(tu_splitmix64(&st) % (m + 1));
      if (nl > cnt)
        nl = cnt;
      shuffle(idx, cnt, &st);
      for (i = 0; i < nl; i++)
        lost[idx[i]] = 1;
    }
    for (i = 0; i < n; i++)
      order[i] = i;
    if (tu_splitmix64(&st) % 2)
      shuffle(order, n, &st);
    rounds = tu_splitmix64(&st) % 4 == 0 ? 2 : 1; /* duplicates */
    receiver_cfg(&c, &g, 2048);
    r = mk(&c, NULL);
    if (!r) {
      free(d);
      free(lost);
      free(order);
      free_pkts(p, n);
      continue;
    }
    for (int rd = 0; rd < rounds; rd++)
      for (i = 0; i < n; i++)
        if (!lost[order[i]]) {
          int rv =
              pf_receiver_read_datagram(r, p[order[i]].buf, p[order[i]].len, 0);
          TU_CHECK(rv == 0 || rv == PF_ERR_DROP);
        }
    f.struct_size = sizeof(f);
    if (!over)
      expect_ok++;
    if (pf_receiver_next_frame(r, &f) == 0) {
      got++;
      if (over || f.len != len || (len && memcmp(f.data, d, len) != 0)) {
        bad++;
        fprintf(stderr, "property seed %llu iter %d: over %d len %zu got %zu\n",
                (unsigned long long)seed, it, over, len, f.len);
      }
      TU_CHECK_EQ(pf_receiver_frame_done(r, &f), 0);
      TU_CHECK_EQ(pf_receiver_next_frame(r, &f), PF_ERR_NOFRAME);
    } else if (!over) {
      bad++;
      fprintf(stderr,
              "property seed %llu iter %d: recoverable frame "
              "(len %zu S %u kmax %u pct %u) not delivered\n",
              (unsigned long long)seed, it, len, g.S, g.kmax, g.pct);
    }
    pf_receiver_del(r);
    free(d);
    free(lost);
    free(order);
    free_pkts(p, n);
  }
  TU_CHECK_EQ(bad, 0);
  TU_CHECK_EQ(got, expect_ok);
  TU_CHECK(expect_ok > iters / 2 && expect_ok < iters);
}

static void test_pf_receiver_property(void) {
  property_run(PF_FEC_GF8, 0xC0FFEE);
  if (have_gf16())
    property_run(PF_FEC_GF16, 0xBEEF);
}

/* A long stream on one receiver: frames keep flowing, memory is reused. */
static void test_pf_receiver_stream_steady_state(void) {
  struct geo g = {PF_FEC_GF8, 64, 8, 25};
  pf_receiver_config c;
  pf_receiver_stats st;
  pf_receiver *r;
  tu_alloc ta;
  size_t allocs_warm = 0;
  uint32_t fi;
  int ok = 0;

  tu_alloc_init(&ta);
  receiver_cfg(&c, &g, 16384);
  r = mk(&c, &ta.mem);
  for (fi = 0; fi < 400 && r; fi++) {
    uint8_t d[3000];
    size_t len = 2000 + fi % 7 * 100, n, i, lostn = 0;
    tpkt *p;
    tu_fill(fi, d, len);
    n = packetize(&p, d, len, &g, fi, fi * 16 * MS, 0);
    for (i = 0; i < n; i++) {
      /* drop 1 of every 13 packets: at most one per block here */
      if ((fi * 31 + i) % 13 == 0 && lostn++ < 2)
        continue;
      (void)pf_receiver_read_datagram(r, p[i].buf, p[i].len, fi);
    }
    ok += drain(r, d, len);
    free_pkts(p, n);
    if (fi == 50)
      allocs_warm = ta.allocs;
  }
  st = stats(r);
  TU_CHECK_EQ(ok, 400);
  TU_CHECK_EQ(st.frames_completed, 400);
  TU_CHECK(st.fec_recovered_shards > 0);
  /* Warm: after 50 frames no further allocation at all. */
  TU_CHECK_MSG(ta.allocs == allocs_warm, "allocations after warm-up: %zu",
               ta.allocs - allocs_warm);
  pf_receiver_del(r);
  TU_CHECK_EQ(ta.live, 0);
}

/* ------------------------------------------------------------ sweeps */

static void test_pf_receiver_truncation_sweep(void) {
  struct geo g = {PF_FEC_GF8, 16, 4, 50};
  pf_receiver_config c;
  pf_receiver_stats st;
  pf_receiver *r;
  uint8_t d[100];
  tpkt *p;
  size_t n, i, len;

  frame_bytes_100(d);
  n = packetize(&p, d, sizeof(d), &g, 0, 0, 0);
  receiver_cfg(&c, &g, 4096);
  r = mk(&c, NULL);
  for (i = 0; i < n; i++)
    for (len = 0; len < p[i].len; len++)
      TU_CHECK_EQ(pf_receiver_read_datagram(r, p[i].buf, len, 0), PF_ERR_DROP);
  TU_CHECK_EQ(drain(r, NULL, 0), 0);
  st = stats(r);
  TU_CHECK_EQ(st.drop_too_short, n * p[0].len);
  TU_CHECK_EQ(st.inflight_bytes, 0);
  for (i = 0; i < n; i++)
    (void)pf_receiver_read_datagram(r, p[i].buf, p[i].len, 0);
  TU_CHECK_EQ(drain(r, d, 100), 1);
  pf_receiver_del(r);
  free_pkts(p, n);
}

/*
 * Flips every header bit of every packet of a frame, one at a time, on a
 * fresh receiver that gets the other packets intact.  Unsealed datagrams
 * have no integrity check, so a flipped block_index or shard_index can
 * misplace a shard (that is what sealing is for); every other header
 * field is either validated or harmless: whatever frame comes out must
 * be byte-exact.
 */
static void test_pf_receiver_bitflip_sweep(void) {
  struct geo g = {PF_FEC_GF8, 16, 4, 50};
  pf_receiver_config c;
  uint8_t d[100], tmp[PF_WIRE_HEADER_BYTES + 16];
  tpkt *p;
  size_t n, i, j, bit, exact = 0;

  frame_bytes_100(d);
  n = packetize(&p, d, sizeof(d), &g, 3, 0, 0);
  receiver_cfg(&c, &g, 4096);
  for (i = 0; i < n; i++) {
    for (bit = 0; bit < PF_WIRE_HEADER_BYTES * 8; bit++) {
      size_t byte = bit / 8;
      int index_field = (byte >= 24 && byte < 26) || (byte >= 32 && byte < 34);
      pf_receiver *r = mk(&c, NULL);
      pf_frame f;
      if (!r)
        continue;
      memcpy(tmp, p[i].buf, p[i].len);
      tmp[byte] ^= (uint8_t)(1u << (bit % 8));
      TU_CHECK(pf_receiver_read_datagram(r, tmp, p[i].len, 0) != PF_ERR_NOMEM);
      for (j = 0; j < n; j++)
        if (j != i)
          (void)pf_receiver_read_datagram(r, p[j].buf, p[j].len, 0);
      for (;;) {
        f.struct_size = sizeof(f);
        if (pf_receiver_next_frame(r, &f) != 0)
          break;
        TU_CHECK(f.len <= 4096);
        if (f.frame_index == 3 && !index_field) {
          int same = f.len == 100 && memcmp(f.data, d, 100) == 0;
          TU_CHECK_MSG(same, "packet %zu bit %zu: wrong frame delivered", i,
                       bit);
          exact += same;
        }
        TU_CHECK_EQ(pf_receiver_frame_done(r, &f), 0);
      }
      pf_receiver_del(r);
    }
  }
  TU_CHECK(exact > n * 200); /* most flips still let the frame through */
  free_pkts(p, n);
}

/* ------------------------------------------------------------ memory */

/* Largest allocation of one FEC coder for any block shape allowed. */
static size_t coder_bytes_max(uint32_t fec_scheme, size_t kmax, size_t total,
                              size_t S) {
  size_t k, m, best = 0;

  for (k = 1; k <= kmax; k++) {
    for (m = 1; k + m <= total; m++) {
      tu_alloc a;
      pf_fec_config c;
      pf_fec *f = NULL;
      tu_alloc_init(&a);
      pf_fec_config_default(&c);
      c.fec_scheme = fec_scheme;
      c.data_shards = (uint32_t)k;
      c.parity_shards = (uint32_t)m;
      c.max_shard_bytes = fec_scheme == PF_FEC_GF16 ? S : 0;
      if (pf_fec_new(&f, &c, &a.mem) == 0) {
        uint8_t *sh[64];
        uint8_t pres[64];
        size_t i;
        /* a decode may size work space too */
        for (i = 0; i < k + m; i++) {
          sh[i] = calloc(1, S);
          pres[i] = i >= 1;
        }
        if (k + m > 1 && pf_fec_decode(f, sh, pres, S) < 0)
          best += 0; /* only the allocations matter here */
        for (i = 0; i < k + m; i++)
          free(sh[i]);
        pf_fec_del(f);
      }
      if (a.peak_bytes > best)
        best = a.peak_bytes;
    }
  }
  return best;
}

static void test_pf_receiver_hostile_flood(void) {
  const uint32_t S = 64, KMAX = 16, MAXF = 65536;
  struct geo g = {PF_FEC_GF8, S, KMAX, 50};
  pf_receiver_config c;
  pf_receiver_stats st;
  pf_receiver *r;
  tu_alloc ta;
  uint64_t rs = 0xF100D, budget;
  size_t base, coders, i, bound, n = 300000;
  uint8_t dg[PF_WIRE_HEADER_BYTES + 64 + 32];
  uint32_t center = 1000;

  tu_alloc_init(&ta);
  receiver_cfg(&c, &g, MAXF);
  c.max_inflight_frames = 16;
  r = mk(&c, &ta.mem);
  if (!r)
    return;
  base = ta.live_bytes;
  budget = 4ull * MAXF;
  /* 4 cached + 1 being created (doc/internals/reassembly.md) */
  coders = 5 * coder_bytes_max(PF_FEC_GF8, KMAX, KMAX + 8, S);
  bound = base + (size_t)budget + coders;
  for (i = 0; i < n; i++) {
    uint64_t x = tu_splitmix64(&rs);
    size_t len = PF_WIRE_HEADER_BYTES + S;
    int kind = (int)(x % 16);
    if (kind == 0) { /* garbage of any length */
      len = (size_t)(tu_splitmix64(&rs) % sizeof(dg));
      tu_fill(x, dg, len);
    } else { /* firewall-clean headers with hostile choices */
      pf_pkt_header h;
      uint32_t fb = (uint32_t)(tu_splitmix64(&rs) % (MAXF + 1));
      size_t td = fb ? div_up(fb, S) : 1, blocks = div_up(td, KMAX), k;
      memset(&h, 0, sizeof(h));
      if (kind < 6)
        fb = MAXF - (uint32_t)(x >> 40) % 64; /* big frames */
      td = fb ? div_up(fb, S) : 1;
      blocks = div_up(td, KMAX);
      h.frame_bytes = fb;
      h.block_count = (uint16_t)blocks;
      h.block_index = (uint16_t)(tu_splitmix64(&rs) % blocks);
      k = h.block_index + 1u == blocks ? td - (blocks - 1) * KMAX : KMAX;
      h.data_shards = (uint16_t)k;
      h.recovery_shards = (uint16_t)(tu_splitmix64(&rs) % (KMAX + 8 - k + 1));
      h.shard_index = (uint16_t)(tu_splitmix64(&rs) % (k + h.recovery_shards));
      h.shard_bytes = (uint16_t)S;
      h.magic = PF_WIRE_MAGIC;
      if (x % 1000 == 7)
        center += (uint32_t)(tu_splitmix64(&rs) % 100000); /* index jump */
      h.frame_index = center + (uint32_t)(tu_splitmix64(&rs) % 80) - 40;
      h.pts_ns =
          (x % 3 == 0) ? tu_splitmix64(&rs) : (uint64_t)h.frame_index * 5 * MS;
      h.user_flags = (x >> 20) % 5 == 0 ? PF_USER_FLAG_PROBE : 0;
      pf_wire_header_encode(dg, &h);
      tu_fill(x, dg + PF_WIRE_HEADER_BYTES, S);
      if (x % 5 == 0)
        center++;
    }
    (void)pf_receiver_read_datagram(r, dg, len, i);
    if (i % 97 == 0)
      (void)drain(r, NULL, 0);
    if (ta.live_bytes > bound)
      break;
  }
  st = stats(r);
  TU_CHECK_MSG(ta.peak_bytes <= bound,
               "peak %zu > fixed %zu + budget %llu + coders %zu", ta.peak_bytes,
               base, (unsigned long long)budget, coders);
  TU_CHECK(st.peak_inflight_bytes <= budget);
  TU_CHECK(st.drop_budget > 0); /* the flood did reach the limits */
  TU_CHECK(st.drop_limits + st.drop_geometry + st.drop_too_short +
               st.drop_bad_magic >
           0);
  TU_CHECK(st.packets_dropped > n / 2);
  printf("test_receiver: flood: fixed %zu B, peak %zu B, bound %zu B, "
         "budget drops %llu\n",
         base, ta.peak_bytes, bound, (unsigned long long)st.drop_budget);
  pf_receiver_reset(r);
  pf_receiver_del(r);
  TU_CHECK_EQ(ta.live, 0);
}

static void test_pf_receiver_alloc_failures(void) {
  struct geo g = {PF_FEC_GF8, 16, 4, 50};
  pf_receiver_config c;
  pf_receiver_stats st;
  pf_receiver *r = NULL;
  uint8_t d[100];
  tu_alloc ta;
  tpkt *p;
  size_t n, fail, i;
  int rv = -1;

  receiver_cfg(&c, &g, 4096);
  for (fail = 1; fail < 1000; fail++) {
    tu_alloc_init(&ta);
    ta.fail_at = fail;
    r = NULL;
    rv = pf_receiver_new(&r, &c, &ta.mem);
    if (rv == 0)
      break;
    TU_CHECK_EQ(rv, PF_ERR_NOMEM);
    TU_CHECK(r == NULL);
    TU_CHECK_EQ(ta.live, 0);
  }
  TU_CHECK_EQ(rv, 0);
  TU_CHECK(fail > 5);
  if (!r)
    return;
  /* The frame path: fail the frame buffer, then a parity buffer. */
  frame_bytes_100(d);
  n = packetize(&p, d, sizeof(d), &g, 0, 0, 0);
  ta.fail_at = ta.attempts + 1;
  TU_CHECK_EQ(pf_receiver_read_datagram(r, p[0].buf, p[0].len, 0),
              PF_ERR_NOMEM);
  ta.fail_at = 0;
  for (i = 1; i < n; i++) {
    if (i == 7) { /* parity (0,4): its buffer allocation fails */
      ta.fail_at = ta.attempts + 1;
      TU_CHECK_EQ(pf_receiver_read_datagram(r, p[i].buf, p[i].len, 0),
                  PF_ERR_NOMEM);
      ta.fail_at = 0;
      continue;
    }
    (void)pf_receiver_read_datagram(r, p[i].buf, p[i].len, 0);
  }
  /* Block 1 lost nothing; block 0 lost (0,0) and (0,4); (0,5) fills in. */
  TU_CHECK_EQ(drain(r, d, 100), 1);
  st = stats(r);
  TU_CHECK_EQ(st.drop_nomem, 2);
  pf_receiver_del(r);
  TU_CHECK_EQ(ta.live, 0);
  free_pkts(p, n);
}

/* ------------------------------------------------------------ sealed */

static const uint8_t KEY16[16] = {7, 7, 7, 7, 7, 7, 7, 7,
                                  7, 7, 7, 7, 7, 7, 7, 1};
static const uint8_t SALT[4] = {1, 2, 3, 4};

static size_t seal_all(pf_aead *a, uint64_t seq0, const tpkt *p, size_t n,
                       uint8_t (*out)[256], size_t *olen) {
  size_t i;

  for (i = 0; i < n; i++) {
    ptrdiff_t rv = pf_aead_seal(a, out[i], 256, seq0 + i, p[i].buf, p[i].len);
    TU_CHECK(rv > 0);
    olen[i] = rv > 0 ? (size_t)rv : 0;
  }
  return n;
}

/* A receiver of the host's AES-128-GCM stream (KEY16, SALT). */
static pf_receiver *sealed_receiver(const struct geo *g) {
  pf_receiver_config c;

  receiver_cfg(&c, g, 4096);
  c.aead = PF_AEAD_AES128GCM;
  memcpy(c.key, KEY16, 16);
  c.key_len = 16;
  memcpy(c.salt, SALT, 4);
  c.peer_direction = PF_DIR_HOST;
  return mk(&c, NULL);
}

static void test_pf_receiver_sealed(void) {
  struct geo g = {PF_FEC_GF8, 16, 4, 50};
  pf_receiver_config c;
  pf_receiver_stats st;
  pf_receiver *r;
  pf_aead *host = NULL, *client = NULL;
  uint8_t d[100], dg[11][256], bad[256];
  size_t olen[11], n, i, bit, auth0;
  uint64_t late0;
  uint64_t rs = 42;
  tpkt *p;

  frame_bytes_100(d);
  n = packetize(&p, d, sizeof(d), &g, 0, 0, 0);
  TU_CHECK_EQ(
      pf_aead_new(&host, PF_AEAD_AES128GCM, KEY16, 16, SALT, PF_DIR_HOST, NULL),
      0);
  TU_CHECK_EQ(pf_aead_new(&client, PF_AEAD_AES128GCM, KEY16, 16, SALT,
                          PF_DIR_CLIENT, NULL),
              0);
  if (!host || !client)
    goto out;
  r = sealed_receiver(&g);
  if (!r)
    goto out;
  seal_all(host, 100, p, n, dg, olen);

  /* Forged: random datagrams of every plausible length. */
  for (i = 0; i < 200; i++) {
    size_t len = 24 + (size_t)(tu_splitmix64(&rs) % 200);
    tu_fill(tu_splitmix64(&rs), bad, len);
    TU_CHECK_EQ(pf_receiver_read_datagram(r, bad, len, 0), PF_ERR_DROP);
  }
  st = stats(r);
  TU_CHECK_EQ(st.drop_auth, 200);
  /* Tampered: every bit of packet 0 (seq, ciphertext, tag). */
  auth0 = st.drop_auth;
  for (bit = 0; bit < olen[0] * 8; bit++) {
    memcpy(bad, dg[0], olen[0]);
    bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    TU_CHECK_EQ(pf_receiver_read_datagram(r, bad, olen[0], 0), PF_ERR_DROP);
  }
  st = stats(r);
  TU_CHECK_EQ(st.drop_auth - auth0, olen[0] * 8);
  /* Truncated: every prefix. */
  for (i = 0; i < olen[0]; i++)
    TU_CHECK_EQ(pf_receiver_read_datagram(r, dg[0], i, 0), PF_ERR_DROP);
  st = stats(r);
  TU_CHECK_EQ(st.drop_too_short, 24);
  TU_CHECK_EQ(st.drop_auth - auth0, olen[0] * 8 + olen[0] - 24);
  /* Sealed by the wrong direction (a reflected client datagram). */
  seal_all(client, 100, p, 1, &bad, &i);
  TU_CHECK_EQ(pf_receiver_read_datagram(r, bad, i, 0), PF_ERR_DROP);
  TU_CHECK_EQ(pf_receiver_last_drop(r), PF_DROP_AUTH);
  TU_CHECK_EQ(stats(r).packets_received, 0);
  TU_CHECK_EQ(drain(r, NULL, 0), 0);
  /* The real ones, once each, then replayed. */
  for (i = 1; i < n; i++) {
    TU_CHECK_EQ(pf_receiver_read_datagram(r, dg[i], olen[i], 0),
                i >= 8 ? PF_ERR_DROP : 0); /* 7 completes the frame */
    if (i == 1) { /* replayed while the frame assembles */
      TU_CHECK_EQ(pf_receiver_read_datagram(r, dg[i], olen[i], 0),
                  PF_ERR_DROP);
      TU_CHECK_EQ(pf_receiver_last_drop(r), PF_DROP_REPLAY);
    }
  }
  TU_CHECK_EQ(drain(r, d, 100), 1);
  /* The frame is finished, so its AU's seqs (1 was block 0's data
   * shard 1: the AU starts one seq before it) are dropped unopened as
   * late: replays, datagram 0 that never made it, and forgeries. */
  late0 = stats(r).drop_late;
  for (i = 0; i < n; i++) {
    TU_CHECK_EQ(pf_receiver_read_datagram(r, dg[i], olen[i], 0), PF_ERR_DROP);
    TU_CHECK_EQ(pf_receiver_last_drop(r), PF_DROP_LATE);
  }
  memcpy(bad, dg[3], olen[3]);
  bad[olen[3] - 1] ^= 1;
  TU_CHECK_EQ(pf_receiver_read_datagram(r, bad, olen[3], 0), PF_ERR_DROP);
  TU_CHECK_EQ(pf_receiver_last_drop(r), PF_DROP_LATE);
  st = stats(r);
  TU_CHECK_EQ(st.drop_late - late0, n + 1);
  TU_CHECK_EQ(st.drop_replay, 1);
  /* 1..7 were opened; 8.. came after the frame finished: unopened. */
  TU_CHECK_EQ(st.packets_received, 7);
  TU_CHECK_EQ(st.frames_completed, 1);
  TU_CHECK_EQ(st.fec_recovered_shards, 1);
  TU_CHECK_EQ(st.packets_dropped, st.drop_auth + st.drop_too_short +
                                      st.drop_replay + st.drop_late +
                                      st.drop_duplicate);
  /* Too long. */
  {
    uint8_t *big = calloc(1, PF_PKT_MAX_DATAGRAM + 1);
    TU_CHECK_EQ(pf_receiver_read_datagram(r, big, PF_PKT_MAX_DATAGRAM + 1, 0),
                PF_ERR_DROP);
    TU_CHECK_EQ(pf_receiver_last_drop(r), PF_DROP_TOO_LONG);
    free(big);
  }
  pf_receiver_del(r);

  /* ChaCha20-Poly1305 with a client-sent stream. */
  {
    uint8_t k32[32];
    pf_aead *cc = NULL;
    memset(k32, 0x5a, sizeof(k32));
    if (pf_aead_new(&cc, PF_AEAD_CHACHA20POLY1305, k32, 32, SALT, PF_DIR_CLIENT,
                    NULL) == 0) {
      receiver_cfg(&c, &g, 4096);
      memcpy(c.salt, SALT, 4);
      c.aead = PF_AEAD_CHACHA20POLY1305;
      memcpy(c.key, k32, 32);
      c.key_len = 32;
      c.peer_direction = PF_DIR_CLIENT;
      r = mk(&c, NULL);
      seal_all(cc, 0, p, n, dg, olen);
      for (i = n; r && i-- > 0;) /* reversed: replay window reorders */
        (void)pf_receiver_read_datagram(r, dg[i], olen[i], 0);
      TU_CHECK_EQ(drain(r, d, 100), 1);
      pf_receiver_del(r);
      pf_aead_del(cc);
    } else {
      printf("test_receiver: ChaCha20-Poly1305 unavailable: skipped\n");
    }
  }
out:
  pf_aead_del(host);
  pf_aead_del(client);
  free_pkts(p, n);
}

/* ------------------------------------------------------------ sender */

/*
 * The real sender (lib/dataplane/pf_sender.c) into the receiver: 30 AUs of random
 * sizes, sealed and unsealed, GF8 and GF16, with every 11th datagram
 * lost.  At 50 % parity and K_max 8 no block loses more than M, so every
 * AU must come out byte-exact.
 */
/*
 * Sealed mode drops the datagrams of a finished frame's AU unopened:
 * the AU's seq range is [seq of block 0 data shard i] - i plus the sum
 * of K + M.  Both wire orders (data first; block by block as in the
 * oldest packetizer), the boundary with the next AU, and a sender that
 * does not number AUs consecutively (the shortcut switches itself off).
 */
/* Frames finished, datagrams opened, drops as late; frames handed out
 * byte-exact (-1: not drained). */
static void check_skip_counts(pf_receiver *r, uint64_t completed,
                              uint64_t opened, uint64_t late, int frames,
                              const uint8_t *d) {
  pf_receiver_stats st;

  if (!r)
    return;
  st = stats(r);
  TU_CHECK_EQ(st.frames_completed, completed);
  TU_CHECK_EQ(st.packets_received, opened);
  TU_CHECK_EQ(st.drop_late, late);
  if (frames >= 0)
    TU_CHECK_EQ(drain(r, d, 100), frames);
}

static void test_pf_receiver_sealed_skip(void) {
  struct geo g = {PF_FEC_GF8, 16, 4, 50};
  pf_aead *host = NULL;
  pf_receiver *r;
  uint8_t d[100], dg[2][11][256];
  size_t olen[2][11], n0 = 0, n1 = 0, i, f;
  tpkt *p0 = NULL, *p1 = NULL, bb[11];
  static const size_t bb_order[11] = {0, 1, 2, 3, 7, 8, 4, 5, 6, 9, 10};

  frame_bytes_100(d);
  n0 = packetize(&p0, d, sizeof(d), &g, 0, 0, 0);
  n1 = packetize(&p1, d, sizeof(d), &g, 1, 0, 0);
  TU_CHECK_EQ(n0, 11); /* 7 data in blocks of 4 + 3, then 2 + 2 parity */
  TU_CHECK_EQ(n1, 11);
  TU_CHECK_EQ(
      pf_aead_new(&host, PF_AEAD_AES128GCM, KEY16, 16, SALT, PF_DIR_HOST, NULL),
      0);
  if (!host || n0 != 11 || n1 != 11)
    goto out;

  /* Data first: the frame finishes with its 7th datagram; the 4 parity
   * datagrams are not opened; the next AU starts at the range's end. */
  seal_all(host, 100, p0, n0, dg[0], olen[0]);
  seal_all(host, 111, p1, n1, dg[1], olen[1]);
  r = sealed_receiver(&g);
  for (f = 0; r && f < 2; f++)
    for (i = 0; i < 11; i++) {
      TU_CHECK_EQ(pf_receiver_read_datagram(r, dg[f][i], olen[f][i], 0),
                  i < 7 ? 0 : PF_ERR_DROP);
      if (i >= 7)
        TU_CHECK_EQ(pf_receiver_last_drop(r), PF_DROP_LATE);
    }
  check_skip_counts(r, 2, 14, 8, 2, d);
  pf_receiver_del(r);

  /* Block by block: block 0's data and parity, then block 1's.  The
   * frame finishes with block 1's last data shard (9th datagram). */
  for (i = 0; i < 11; i++)
    bb[i] = p0[bb_order[i]];
  seal_all(host, 100, bb, 11, dg[0], olen[0]);
  r = sealed_receiver(&g);
  for (i = 0; r && i < 11; i++) {
    /* Block 0 finishes at its 4th data shard, so its parity is late
     * inside the reassembler (opened); block 1's parity is unopened. */
    TU_CHECK_EQ(pf_receiver_read_datagram(r, dg[0][i], olen[0][i], 0),
                i < 4 || (i >= 6 && i < 9) ? 0 : PF_ERR_DROP);
  }
  check_skip_counts(r, 1, 9, 4, 1, d);
  pf_receiver_del(r);

  /* Not consecutive: the last data shard carries seq 400, the rest
   * 100..110.  The finishing datagram lies outside [100, 111): the
   * receiver stops skipping and opens everything, as without it. */
  seal_all(host, 100, p0, n0, dg[0], olen[0]);
  TU_CHECK(pf_aead_seal(host, dg[0][6], 256, 400, p0[6].buf, p0[6].len) > 0);
  r = sealed_receiver(&g);
  for (i = 0; r && i < 11; i++)
    TU_CHECK_EQ(pf_receiver_read_datagram(r, dg[0][i], olen[0][i], 0),
                i < 7 ? 0 : PF_ERR_DROP);
  seal_all(host, 111, p1, n1, dg[1], olen[1]);
  for (i = 0; r && i < 11; i++)
    TU_CHECK_EQ(pf_receiver_read_datagram(r, dg[1][i], olen[1][i], 0),
                i < 7 ? 0 : PF_ERR_DROP);
  check_skip_counts(r, 2, 22, 8, -1, d);
  pf_receiver_del(r);
out:
  pf_aead_del(host);
  free_pkts(p0, n0);
  free_pkts(p1, n1);
}

/*
 * pf_sender into pf_receiver.  The receiver's max_fec_percent is the
 * sender's share exactly, so every block's M is at the receiver's bound
 * (pf_wire_recovery_for(K, pct), K from 1 to K_max over the random frame
 * sizes): a receiver bound below the sender's M drops parity as
 * geometry.
 */
static void sender_leg_pct(uint32_t fec_scheme, uint32_t aead, uint32_t kmax,
                           uint32_t pct) {
  pf_sender_config sc;
  pf_receiver_config rc;
  pf_sender *snd = NULL;
  pf_receiver *r = NULL;
  uint64_t st = 0xABCD + fec_scheme * 7 + aead;
  size_t sent = 0, lost = 0;
  uint32_t fi;
  int got = 0;

  pf_sender_config_default(&sc);
  sc.fec_scheme = fec_scheme;
  sc.fec_percent = pct;
  sc.max_data_per_block = kmax;
  sc.shard_payload = 64;
  sc.max_frame_bytes = 8192;
  if (aead != PF_AEAD_NONE) {
    sc.aead = aead;
    sc.key_len = 16;
    memset(sc.key, 0x42, 16);
    memcpy(sc.salt, SALT, 4);
  }
  pf_receiver_config_default(&rc);
  rc.fec_scheme = fec_scheme;
  rc.shard_payload = 64;
  rc.max_data_per_block = kmax;
  rc.max_fec_percent = pct;
  rc.max_frame_bytes = 8192;
  rc.aead = aead;
  rc.key_len = sc.key_len;
  memcpy(rc.key, sc.key, sizeof(rc.key));
  memcpy(rc.salt, sc.salt, 4);
  if (!TU_CHECK(pf_sender_new(&snd, &sc, NULL) == 0) ||
      !TU_CHECK(pf_receiver_new(&r, &rc, NULL) == 0))
    goto out;
  for (fi = 0; fi < 30; fi++) {
    uint8_t d[8192];
    size_t len = (size_t)(tu_splitmix64(&st) % sizeof(d)), i;
    pf_dgram_batch b;
    pf_frame f;

    tu_fill(fi * 977u, d, len);
    TU_CHECK_EQ(pf_sender_submit_frame(snd, d, len, fi * 16 * MS, fi & 0xF0, 0),
                0);
    memset(&b, 0, sizeof(b));
    TU_CHECK_EQ(pf_sender_next_batch(snd, &b, 0, PF_TIME_NONE), 0);
    for (i = 0; i < b.count; i++, sent++) {
      if (sent % 11 == 5) {
        lost++;
        continue;
      }
      TU_CHECK(pf_receiver_read_datagram(r, b.data + i * b.stride,
                                         b.dgram_bytes, fi) != PF_ERR_NOMEM);
    }
    f.struct_size = sizeof(f);
    if (TU_CHECK(pf_receiver_next_frame(r, &f) == 0)) {
      got++;
      TU_CHECK_EQ(f.frame_index, fi);
      TU_CHECK_EQ(f.flags, fi & 0xF0);
      TU_CHECK_EQ(f.len, len);
      TU_CHECK(f.len == len && (len == 0 || memcmp(f.data, d, len) == 0));
      TU_CHECK_EQ(pf_receiver_frame_done(r, &f), 0);
    }
  }
  TU_CHECK_EQ(got, 30);
  {
    pf_receiver_stats rs = stats(r);
    TU_CHECK_EQ(rs.frames_completed, 30);
    TU_CHECK(rs.fec_recovered_shards + 0 >= 1);
    TU_CHECK(rs.fec_recovered_shards <= lost);
    TU_CHECK_EQ(
        rs.drop_auth + rs.drop_replay + rs.drop_geometry + rs.drop_limits, 0);
  }
out:
  pf_sender_del(snd);
  pf_receiver_del(r);
}

static void sender_leg(uint32_t fec_scheme, uint32_t aead) {
  sender_leg_pct(fec_scheme, aead, 8, 50);
  /* K * pct not a multiple of 100: K 30 at 15 % is 4.5 -> M 5. */
  sender_leg_pct(fec_scheme, aead, 30, 15);
}

static void test_pf_receiver_with_sender(void) {
  sender_leg(PF_FEC_GF8, PF_AEAD_NONE);
  sender_leg(PF_FEC_GF8, PF_AEAD_AES128GCM);
  if (have_gf16()) {
    sender_leg(PF_FEC_GF16, PF_AEAD_NONE);
    sender_leg(PF_FEC_GF16, PF_AEAD_AES128GCM);
  }
}

/* ------------------------------------------------------------ config */

static void test_pf_receiver_config(void) {
  pf_receiver_config c;
  pf_receiver_stats st;
  pf_receiver *r = NULL;
  struct {
    pf_receiver_config c;
    uint8_t future[32];
  } big;

  memset(&c, 0xa5, sizeof(c));
  pf_receiver_config_default(&c);
  TU_CHECK_EQ(c.struct_size, sizeof(c));
  TU_CHECK_EQ(c.fec_scheme, PF_FEC_GF8);
  TU_CHECK_EQ(c.shard_payload, 1024);
  TU_CHECK_EQ(c.max_data_per_block, 200);
  TU_CHECK_EQ(c.max_frame_bytes, 64u << 20);
  TU_CHECK_EQ(c.max_inflight_frames, 32);
  TU_CHECK_EQ(c.loss_window_frames, 64);
  TU_CHECK_EQ(c.loss_window_ns, 120 * MS);
  TU_CHECK_EQ(c.aead, PF_AEAD_NONE);
  TU_CHECK_EQ(c.peer_direction, PF_DIR_HOST);
  /* The defaults make a receiver (a few MB of fixed state). */
  TU_CHECK_EQ(pf_receiver_new(&r, &c, NULL), 0);
  st = stats(r);
  TU_CHECK_EQ(st.inflight_bytes, 0);
  printf("test_receiver: default config: %zu bytes fixed\n",
         pf_reasm_fixed_bytes(pf_receiver_reasm(r)));
  pf_receiver_del(r);
  pf_receiver_del(NULL);

  c.struct_size = offsetof(pf_receiver_config, fec_impl);
  TU_CHECK_EQ(pf_receiver_new(&r, &c, NULL), PF_ERR_ABI);
  TU_CHECK(r == NULL);
  pf_receiver_config_default(&big.c);
  memset(big.future, 0xff, sizeof(big.future));
  big.c.struct_size = sizeof(big);
  big.c.max_frame_bytes = 1 << 20;
  TU_CHECK_EQ(pf_receiver_new(&r, &big.c, NULL), 0);
  pf_receiver_del(r);

#define BAD(stmt)                                                              \
  do {                                                                         \
    pf_receiver_config_default(&c);                                            \
    c.max_frame_bytes = 1 << 20;                                               \
    stmt;                                                                      \
    r = NULL;                                                                  \
    TU_CHECK_MSG(pf_receiver_new(&r, &c, NULL) == PF_ERR_INVALID_ARGUMENT,     \
                 "config accepted: %s", #stmt);                                \
    pf_receiver_del(r);                                                        \
  } while (0)
  BAD(c.shard_payload = 1023);
  BAD(c.shard_payload = 0);
  BAD(c.shard_payload = 9154);
  BAD(c.max_data_per_block = 0);
  BAD(c.max_data_per_block = 256);
  BAD(c.fec_scheme = 2);
  BAD(c.max_frame_bytes = 0);
  BAD(c.inflight_budget_bytes = 1000);
  BAD(c.max_inflight_frames = 0);
  BAD(c.loss_window_frames = 0);
  BAD(c.loss_window_ns = 0);
  BAD(c.peer_direction = 2);
  BAD(c.release_on_next = 2);
  BAD(c.fec_impl = 99);
  BAD(c.aead = 3; c.key_len = 16; c.key[0] = 1);
  BAD(c.aead = PF_AEAD_AES128GCM; c.key_len = 16); /* all-zero key */
  BAD(c.aead = PF_AEAD_AES128GCM; c.key_len = 32; c.key[0] = 1);
#undef BAD
  TU_CHECK_EQ(pf_receiver_new(NULL, &c, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_receiver_new(&r, NULL, NULL), PF_ERR_INVALID_ARGUMENT);

  /* stats / frame struct_size rules */
  pf_receiver_config_default(&c);
  c.max_frame_bytes = 1 << 20;
  TU_CHECK_EQ(pf_receiver_new(&r, &c, NULL), 0);
  st.struct_size = offsetof(pf_receiver_stats, peak_inflight_bytes);
  TU_CHECK_EQ(pf_receiver_get_stats(r, &st), PF_ERR_ABI);
  TU_CHECK_EQ(pf_receiver_get_stats(r, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_receiver_read_datagram(NULL, NULL, 0, 0),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_receiver_read_datagram(r, NULL, 5, 0),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_receiver_read_datagram(r, NULL, 0, 0), PF_ERR_DROP);
  {
    pf_frame f;
    pf_frame_loss l;
    f.struct_size = sizeof(f);
    TU_CHECK_EQ(pf_receiver_next_frame(r, &f), PF_ERR_NOFRAME);
    f.handle_ = 1;
    TU_CHECK_EQ(pf_receiver_frame_done(r, &f), PF_ERR_INVALID_ARGUMENT);
    l.struct_size = sizeof(l);
    TU_CHECK_EQ(pf_receiver_next_loss(r, &l), PF_ERR_NOFRAME);
    l.struct_size = 2;
    TU_CHECK_EQ(pf_receiver_next_loss(r, &l), PF_ERR_ABI);
  }
  pf_receiver_reset(r);
  pf_receiver_reset(NULL);
  pf_receiver_del(r);
}

/* ------------------------------------------------------------ corpus */

/* Appends one datagram as u16 LE length || bytes (fuzz_receiver's input
 * after its leading config byte). */
static void rec_put(FILE *fp, const uint8_t *b, size_t n) {
  uint8_t l[2] = {(uint8_t)n, (uint8_t)(n >> 8)};
  fwrite(l, 1, 2, fp);
  fwrite(b, 1, n, fp);
}

static int write_corpus(const char *dir) {
  struct geo g = {PF_FEC_GF8, 16, 4, 50};
  static const char *names[] = {"one-frame",        "killed-3", "reversed-dups",
                                "two-frames-empty", "probe",    "gf16-frame"};
  size_t v;

  for (v = 0; v < sizeof(names) / sizeof(names[0]); v++) {
    char path[4096];
    uint8_t d[300];
    tpkt *p = NULL;
    size_t n, i;
    FILE *fp;
    uint8_t cfgbyte = v == 5 ? 1 : 0;

    snprintf(path, sizeof(path), "%s/%s", dir, names[v]);
    fp = fopen(path, "wb");
    if (!fp)
      return 1;
    fwrite(&cfgbyte, 1, 1, fp);
    g.fec_scheme = v == 5 ? PF_FEC_GF16 : PF_FEC_GF8;
    frame_bytes_100(d);
    n = packetize(&p, d, 100, &g, 0, 0, v == 4 ? PF_USER_FLAG_PROBE : 0);
    for (i = 0; i < n; i++) {
      size_t k = v == 2 ? n - 1 - i : i;
      if (v == 1 && (k == 1 || k == 3 || k == 6))
        continue;
      rec_put(fp, p[k].buf, p[k].len);
      if (v == 2)
        rec_put(fp, p[k].buf, p[k].len);
    }
    free_pkts(p, n);
    if (v == 3) {
      tu_fill(3, d, 300);
      n = packetize(&p, d, 300, &g, 1, 8 * MS, 0);
      for (i = 0; i < n; i++)
        rec_put(fp, p[i].buf, p[i].len);
      free_pkts(p, n);
      n = packetize(&p, d, 0, &g, 2, 16 * MS, 0);
      for (i = 0; i < n; i++)
        rec_put(fp, p[i].buf, p[i].len);
      free_pkts(p, n);
    }
    fclose(fp);
  }
  return 0;
}

/* ------------------------------------------------------------ order */

/* Feeds all datagrams of frame |idx| (|len| bytes, |uflags|) at |now|,
 * or only the first |only| of them when only > 0. */
static void feed_frame(pf_receiver *r, const struct geo *g, uint32_t idx,
                       size_t len, uint32_t uflags, uint64_t now,
                       size_t only) {
  uint8_t d[64];
  tpkt *p;
  size_t n, i;

  memset(d, (int)(idx + 1), sizeof(d));
  n = packetize(&p, d, len, g, idx, (uint64_t)idx * MS, uflags);
  TU_CHECK(n > 0);
  for (i = 0; i < n && (only == 0 || i < only); i++)
    (void)pf_receiver_read_datagram(r, p[i].buf, p[i].len, now);
  free_pkts(p, n);
}

/* Hands out every ready frame, appending the indices to |out|. */
static size_t take(pf_receiver *r, uint32_t *out, size_t cap) {
  pf_frame f;
  size_t n = 0;

  for (;;) {
    memset(&f, 0, sizeof(f));
    f.struct_size = sizeof(f);
    if (pf_receiver_next_frame(r, &f) != 0)
      break;
    TU_CHECK(f.len > 0 && f.data[0] == (uint8_t)(f.frame_index + 1));
    if (n < cap)
      out[n] = f.frame_index;
    n++;
    TU_CHECK_EQ(pf_receiver_frame_done(r, &f), 0);
  }
  return n;
}

static pf_receiver *ordered_receiver(const struct geo *g, uint32_t hold,
                                     uint32_t first, uint32_t loss_window) {
  pf_receiver_config c;

  receiver_cfg(&c, g, 4096);
  c.order_hold_frames = hold;
  c.order_first_index = first;
  c.order_hold_ns = 50 * MS;
  if (loss_window)
    c.loss_window_frames = loss_window;
  return mk(&c, NULL);
}

static void test_pf_receiver_order(void) {
  struct geo g = {PF_FEC_GF8, 16, 4, 50};
  static const uint32_t feed[] = {0, 2, 3, 1, 5, 4};
  static const size_t after[] = {1, 0, 0, 3, 0, 2}; /* frames out */
  uint32_t out[16], want = 0;
  pf_receiver_stats st;
  pf_receiver *r;
  size_t i, j, n;

  /* Reordered frames come out in index order, each as soon as it can. */
  r = ordered_receiver(&g, 4, 0, 0);
  if (!r)
    return;
  for (i = 0; i < 6; i++) {
    feed_frame(r, &g, feed[i], 10, 0, 1 * MS, 0);
    n = take(r, out, 16);
    TU_CHECK_EQ(n, after[i]);
    for (j = 0; j < n && j < 16; j++)
      TU_CHECK_EQ(out[j], want++);
  }
  TU_CHECK_EQ(want, 6);
  TU_CHECK_EQ(pf_receiver_next_deadline(r), PF_TIME_NONE);
  pf_receiver_del(r);

  /* A gap is skipped once the held frame has waited order_hold_ns (by
   * the caller's clock, not before); the missing frame, when it comes
   * after all, is given back, not handed out. */
  r = ordered_receiver(&g, 4, 0, 0);
  if (!r)
    return;
  feed_frame(r, &g, 0, 10, 0, 1 * MS, 0);
  feed_frame(r, &g, 2, 10, 0, 10 * MS, 0);
  TU_CHECK_EQ(take(r, out, 16), 1);
  TU_CHECK_EQ(pf_receiver_next_deadline(r), 60 * MS);
  pf_receiver_tick(r, 60 * MS - 1);
  TU_CHECK_EQ(take(r, out, 16), 0);
  pf_receiver_tick(r, 60 * MS);
  TU_CHECK_EQ(take(r, out, 16), 1);
  TU_CHECK_EQ(out[0], 2);
  feed_frame(r, &g, 1, 10, 0, 61 * MS, 0);
  TU_CHECK_EQ(take(r, out, 16), 0);
  st = stats(r);
  TU_CHECK_EQ(st.order_skipped_frames, 1);
  TU_CHECK_EQ(st.order_late_frames, 1);
  TU_CHECK_EQ(st.order_held_frames, 0);
  TU_CHECK_EQ(st.inflight_frames, 0); /* the late frame was given back */
  pf_receiver_del(r);

  /* A full hold gives the oldest gap up at once; probe frames are never
   * held; order_first_index is where the cursor starts. */
  r = ordered_receiver(&g, 3, 2, 0);
  if (!r)
    return;
  feed_frame(r, &g, 0, 10, PF_USER_FLAG_PROBE, 1 * MS, 0);
  TU_CHECK_EQ(take(r, out, 16), 1);
  TU_CHECK_EQ(out[0], 0);
  for (i = 4; i < 6; i++) {
    feed_frame(r, &g, (uint32_t)i, 10, 0, 1 * MS, 0);
    TU_CHECK_EQ(take(r, out, 16), 0);
  }
  TU_CHECK_EQ(stats(r).order_held_frames, 2);
  feed_frame(r, &g, 6, 10, 0, 1 * MS, 0); /* the third: full */
  n = take(r, out, 16);
  TU_CHECK_EQ(n, 3);
  TU_CHECK(n == 3 && out[0] == 4 && out[1] == 5 && out[2] == 6);
  feed_frame(r, &g, 8, 10, 0, 1 * MS, 0);
  TU_CHECK_EQ(take(r, out, 16), 0);
  TU_CHECK_EQ(stats(r).order_skipped_frames, 2); /* 2 and 3 */
  /* The end of the stream: release what is held. */
  pf_receiver_release_held(r);
  n = take(r, out, 16);
  TU_CHECK(n == 1 && out[0] == 8);
  feed_frame(r, &g, 10, 10, 0, 1 * MS, 0);
  n = take(r, out, 16);
  TU_CHECK(n == 1 && out[0] == 10);
  pf_receiver_del(r);

  /* A frame the reassembler gives up (reported lost) is not waited for:
   * frame 1 gets one of its two data shards, frames 2..4 wait for it
   * until the index window (2) gives it up; no time passes. */
  r = ordered_receiver(&g, 8, 0, 2);
  if (!r)
    return;
  feed_frame(r, &g, 0, 10, 0, 1 * MS, 0);
  feed_frame(r, &g, 1, 20, 0, 1 * MS, 1);
  feed_frame(r, &g, 2, 10, 0, 1 * MS, 0);
  feed_frame(r, &g, 3, 10, 0, 1 * MS, 0);
  TU_CHECK_EQ(take(r, out, 16), 1);
  feed_frame(r, &g, 4, 10, 0, 1 * MS, 0);
  n = take(r, out, 16);
  TU_CHECK(n == 3 && out[0] == 2 && out[1] == 3 && out[2] == 4);
  TU_CHECK_EQ(stats(r).order_skipped_frames, 0);
  {
    pf_frame_loss l;
    memset(&l, 0, sizeof(l));
    l.struct_size = sizeof(l);
    TU_CHECK_EQ(pf_receiver_next_loss(r, &l), 0);
    TU_CHECK_EQ(l.frame_index, 1);
    TU_CHECK_EQ(pf_receiver_next_loss(r, &l), PF_ERR_NOFRAME);
  }
  pf_receiver_del(r);

  /* Without the option nothing is held: frames come as they finish. */
  r = ordered_receiver(&g, 0, 0, 0);
  if (!r)
    return;
  feed_frame(r, &g, 2, 10, 0, 1 * MS, 0);
  n = take(r, out, 16);
  TU_CHECK(n == 1 && out[0] == 2);
  pf_receiver_tick(r, 1);
  pf_receiver_release_held(r);
  TU_CHECK_EQ(pf_receiver_next_deadline(r), PF_TIME_NONE);
  pf_receiver_del(r);
  pf_receiver_tick(NULL, 0);
  pf_receiver_release_held(NULL);
  TU_CHECK_EQ(pf_receiver_next_deadline(NULL), PF_TIME_NONE);
}

static void test_pf_receiver_order_config(void) {
  struct geo g = {PF_FEC_GF8, 16, 4, 50};
  pf_receiver_config c;
  pf_receiver *r = NULL;

  receiver_cfg(&c, &g, 4096);
  TU_CHECK_EQ(c.order_hold_frames, 0);
  TU_CHECK_EQ(c.order_hold_ns, 200 * MS);
  TU_CHECK_EQ(c.run_lock, 0);
  c.order_hold_frames = c.max_inflight_frames;
  TU_CHECK_EQ(pf_receiver_new(&r, &c, NULL), PF_ERR_INVALID_ARGUMENT);
  c.max_inflight_frames = 4096;
  c.order_hold_frames = 1025;
  TU_CHECK_EQ(pf_receiver_new(&r, &c, NULL), PF_ERR_INVALID_ARGUMENT);
  c.order_hold_frames = 16;
  c.order_hold_ns = 0;
  TU_CHECK_EQ(pf_receiver_new(&r, &c, NULL), PF_ERR_INVALID_ARGUMENT);
  c.order_hold_ns = 1;
  c.release_on_next = 1;
  TU_CHECK_EQ(pf_receiver_new(&r, &c, NULL), PF_ERR_INVALID_ARGUMENT);
  c.release_on_next = 0;
  c.run_lock = 2;
  TU_CHECK_EQ(pf_receiver_new(&r, &c, NULL), PF_ERR_INVALID_ARGUMENT);
  c.run_lock = 1;
  TU_CHECK_EQ(pf_receiver_new(&r, &c, NULL), 0);
  /* Unsealed datagrams carry no seq: no run to lock onto. */
  TU_CHECK_EQ(pf_receiver_lock_run(r, 5), PF_ERR_UNSUPPORTED);
  TU_CHECK_EQ(pf_receiver_lock_run(NULL, 5), PF_ERR_INVALID_ARGUMENT);
  pf_receiver_del(r);
}

/* ------------------------------------------------------------ run lock */

/* Seals and feeds frame |idx| as datagrams seq0, seq0 + 1, ...; returns
 * how many were used. */
static size_t feed_sealed(pf_receiver *r, pf_aead *a, const struct geo *g,
                          uint32_t idx, uint64_t seq0, size_t only) {
  uint8_t d[20], dg[8][256];
  size_t olen[8], n, i, used = 0;
  tpkt *p;

  /* Frames 50 and up (the old run's) are two data shards: one datagram
   * does not finish them. */
  memset(d, (int)(idx + 1), sizeof(d));
  n = packetize(&p, d, idx >= 50 ? 20 : 10, g, idx, (uint64_t)idx * MS, 0);
  TU_CHECK(n > 0 && n <= 8);
  if (n == 0 || n > 8)
    return 0;
  seal_all(a, seq0, p, n, dg, olen);
  for (i = 0; i < n && (only == 0 || i < only); i++)
    used += pf_receiver_read_datagram(r, dg[i], olen[i], 1 * MS) == 0;
  free_pkts(p, n);
  return used;
}

static pf_receiver *lock_receiver(const struct geo *g, uint32_t run_lock) {
  pf_receiver_config c;

  receiver_cfg(&c, g, 4096);
  c.aead = PF_AEAD_AES128GCM;
  memcpy(c.key, KEY16, 16);
  c.key_len = 16;
  memcpy(c.salt, SALT, 4);
  c.run_lock = run_lock;
  return mk(&c, NULL);
}

static void test_pf_receiver_run_lock(void) {
  struct geo g = {PF_FEC_GF8, 16, 4, 50}; /* a 10-byte frame: 3 datagrams */
  const uint64_t old = (uint64_t)1 << 40, real = 1000;
  pf_receiver *r;
  pf_aead *host = NULL;
  uint32_t out[8];
  uint32_t i;

  TU_CHECK_EQ(
      pf_aead_new(&host, PF_AEAD_AES128GCM, KEY16, 16, SALT, PF_DIR_HOST, NULL),
      0);
  if (!host)
    return;

  /* The attack: one datagram recorded from an earlier run with the same
   * key, far ahead in seq, arrives first.  A strict window shuts the
   * real run out wholesale. */
  r = lock_receiver(&g, 0);
  if (!r)
    goto out;
  TU_CHECK_EQ(feed_sealed(r, host, &g, 50, old, 1), 1);
  for (i = 0; i < 4; i++)
    TU_CHECK_EQ(feed_sealed(r, host, &g, i, real + 3 * i, 0), 0);
  TU_CHECK_EQ(stats(r).drop_replay, 12);
  pf_receiver_del(r);

  /* With run_lock the real run's first frame (its START) gets through,
   * the caller locks onto its first seq, and from then on the old run's
   * datagrams are dropped as other_run: every real frame arrives. */
  r = lock_receiver(&g, 1);
  if (!r)
    goto out;
  TU_CHECK_EQ(feed_sealed(r, host, &g, 50, old, 1), 1);
  TU_CHECK_EQ(feed_sealed(r, host, &g, 0, real, 0), 1); /* + 2 unneeded */
  TU_CHECK_EQ(feed_sealed(r, host, &g, 51, old + 4, 1), 1); /* pre-lock */
  TU_CHECK_EQ(pf_receiver_lock_run(r, real), 0);
  TU_CHECK_EQ(pf_receiver_lock_run(r, real), 0);
  TU_CHECK_EQ(pf_receiver_lock_run(r, real + 1), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(feed_sealed(r, host, &g, 52, old + 8, 1), 0);
  TU_CHECK_EQ(feed_sealed(r, host, &g, 53, real - 500, 1), 0); /* before */
  TU_CHECK_EQ(feed_sealed(r, host, &g, 54, real + 3 + ((uint64_t)1 << 32) + 3,
                          1),
              0); /* more than 2^32 ahead of the newest */
  for (i = 1; i < 4; i++)
    TU_CHECK_EQ(feed_sealed(r, host, &g, i, real + 3 * i, 0), 1);
  TU_CHECK_EQ(stats(r).drop_other_run, 3);
  TU_CHECK_EQ(stats(r).drop_replay, 0);
  /* A repeat inside the run is still refused. */
  TU_CHECK_EQ(feed_sealed(r, host, &g, 1, real + 3, 1), 0);
  TU_CHECK_EQ(stats(r).packets_dropped,
              stats(r).drop_other_run + stats(r).drop_replay +
                  stats(r).drop_late + stats(r).drop_duplicate +
                  stats(r).drop_stale);
  /* Only the real run's frames completed. */
  {
    size_t n = take(r, out, 8);
    TU_CHECK_EQ(n, 4);
  }
  pf_receiver_del(r);
out:
  pf_aead_del(host);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
    return write_corpus(argv[2]);
  test_pf_receiver_config();
  test_pf_receiver_wire_order();
  test_pf_receiver_multiblock_kills();
  test_pf_receiver_property();
  test_pf_receiver_stream_steady_state();
  test_pf_receiver_truncation_sweep();
  test_pf_receiver_bitflip_sweep();
  test_pf_receiver_hostile_flood();
  test_pf_receiver_alloc_failures();
  test_pf_receiver_sealed();
  test_pf_receiver_sealed_skip();
  test_pf_receiver_with_sender();
  test_pf_receiver_order();
  test_pf_receiver_order_config();
  test_pf_receiver_run_lock();
  return tu_finish("test_receiver");
}
