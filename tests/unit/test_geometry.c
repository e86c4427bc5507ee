/*
 * test_geometry.c -- pf_geometry_for() and pf_geometry_position()
 * (lib/dataplane/pf_geometry.c) against what the sender really emits:
 * for several AU shapes, every datagram's header (block, K, M, shard
 * index, block count) must be the one the geometry and
 * pf_geometry_position() put at its position (the wire order of
 * doc/wire-format.md 5.3).  Also the argument checks and the
 * struct_size rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/pf_sender.h"
#include "dataplane/pf_wire.h"
#include "testutil.h"

/*
 * Submits an AU of |len| bytes to an unsealed sender (|live_pct|: a
 * share set after creation, or -1) and compares every datagram with
 * the geometry.
 */
static void check_shape(uint32_t fec_scheme, size_t len, uint32_t payload,
                        uint32_t kmax, uint32_t pct, int live_pct) {
  pf_sender_config c;
  pf_sender *s = NULL;
  pf_geometry g;
  pf_dgram_batch b;
  uint8_t *frame = malloc(len ? len : 1);
  uint32_t eff = live_pct >= 0 ? (uint32_t)live_pct : pct;
  size_t p, bad = 0;

  pf_sender_config_default(&c);
  c.fec_scheme = fec_scheme;
  c.fec_percent = pct;
  c.max_data_per_block = kmax;
  c.shard_payload = payload;
  c.max_frame_bytes = len ? len : 1;
  TU_CHECK(frame != NULL);
  TU_CHECK_EQ(pf_sender_new(&s, &c, NULL), 0);
  if (!s || !frame)
    goto out;
  if (live_pct >= 0)
    TU_CHECK_EQ(pf_sender_set_fec_percent(s, (uint32_t)live_pct), 0);
  tu_fill(len + kmax, frame, len);
  memset(&g, 0, sizeof(g));
  g.struct_size = sizeof(g);
  TU_CHECK_EQ(pf_geometry_for(&g, len, payload, kmax, eff, fec_scheme), 0);
  TU_CHECK_EQ(pf_sender_submit_frame(s, frame, len, 0, 0, 0), 0);
  TU_CHECK_EQ(pf_sender_next_batch(s, &b, 0, PF_TIME_NONE), 0);
  TU_CHECK_MSG(b.count == g.total,
               "code %u len %zu K_max %u %u%%: %zu datagrams, geometry %zu",
               fec_scheme, len, kmax, eff, b.count, g.total);
  for (p = 0; p < b.count && p < g.total; p++) {
    pf_pkt_header h;
    size_t blk;
    uint32_t idx, k, m;

    TU_CHECK_EQ(pf_wire_header_decode(&h, b.data + p * b.stride,
                                      b.dgram_bytes),
                0);
    blk = (size_t)-1;
    idx = UINT32_MAX;
    TU_CHECK_EQ(pf_geometry_position(&g, p, &blk, &idx), 0);
    k = blk == g.blocks - 1 ? g.k_last : g.k_full;
    m = blk == g.blocks - 1 ? g.m_last : g.m_full;
    if (blk >= g.blocks || h.block_count != g.blocks ||
        h.block_index != blk ||
        h.shard_index != idx || h.data_shards != k ||
        h.recovery_shards != m)
      bad++;
  }
  /* One past the last datagram is not a position. */
  {
    size_t blk;
    uint32_t idx;
    TU_CHECK_EQ(pf_geometry_position(&g, g.total, &blk, &idx),
                PF_ERR_INVALID_ARGUMENT);
  }
  TU_CHECK_MSG(bad == 0,
               "code %u len %zu K_max %u %u%%: %zu datagrams differ from the "
               "geometry",
               fec_scheme, len, kmax, eff, bad);
out:
  free(frame);
  pf_sender_del(s);
}

static void test_pf_geometry_matches_sender(void) {
  /* The worked example of doc/wire-format.md 5.3. */
  check_shape(PF_FEC_GF8, 100, 16, 4, 50, -1);
  check_shape(PF_FEC_GF8, 0, 16, 4, 50, -1);          /* empty AU */
  check_shape(PF_FEC_GF8, 64, 16, 4, 50, -1);         /* exact blocks */
  check_shape(PF_FEC_GF8, 1, 1024, 64, 25, -1);       /* one shard */
  check_shape(PF_FEC_GF8, 100000, 1024, 64, 25, -1);  /* short last */
  check_shape(PF_FEC_GF8, 100000, 1024, 200, 0, -1);  /* no parity */
  check_shape(PF_FEC_GF8, 300000, 1200, 150, 15, 90); /* M clamped */
  check_shape(PF_FEC_GF16, 100000, 1024, 64, 25, -1);
  check_shape(PF_FEC_GF16, 500000, 512, 300, 10, -1);
  check_shape(PF_FEC_GF16, 12345, 16, 40, 90, -1);
}

/* The table of doc/wire-format.md 5.3: S 16, K_max 4, 50 %, 100 bytes. */
static void test_pf_geometry_position_example(void) {
  static const size_t want_block[11] = {0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1};
  static const uint32_t want_idx[11] = {0, 1, 2, 3, 0, 1, 2, 4, 5, 3, 4};
  pf_geometry g;
  size_t p, blk;
  uint32_t idx;

  memset(&g, 0, sizeof(g));
  g.struct_size = sizeof(g);
  TU_CHECK_EQ(pf_geometry_for(&g, 100, 16, 4, 50, PF_FEC_GF8), 0);
  TU_CHECK_EQ(g.total, 11);
  for (p = 0; p < 11; p++) {
    TU_CHECK_EQ(pf_geometry_position(&g, p, &blk, &idx), 0);
    TU_CHECK_MSG(blk == want_block[p] && idx == want_idx[p],
                 "position %zu: (%zu,%u), want (%zu,%u)", p, blk, idx,
                 want_block[p], want_idx[p]);
  }
  /* Arguments, struct_size, a geometry that does not add up. */
  TU_CHECK_EQ(pf_geometry_position(NULL, 0, &blk, &idx),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_geometry_position(&g, 0, NULL, &idx),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_geometry_position(&g, 0, &blk, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_geometry_position(&g, SIZE_MAX, &blk, &idx),
              PF_ERR_INVALID_ARGUMENT);
  g.struct_size = sizeof(size_t);
  TU_CHECK_EQ(pf_geometry_position(&g, 0, &blk, &idx), PF_ERR_ABI);
  g.struct_size = sizeof(g);
  g.k_full = 0;
  TU_CHECK_EQ(pf_geometry_position(&g, 0, &blk, &idx),
              PF_ERR_INVALID_ARGUMENT);
  g.k_full = 4;
  g.total = 1000; /* more datagrams than the blocks hold */
  TU_CHECK_EQ(pf_geometry_position(&g, 999, &blk, &idx),
              PF_ERR_INVALID_ARGUMENT);
}

static void test_pf_geometry_values(void) {
  pf_geometry g;

  memset(&g, 0, sizeof(g));
  g.struct_size = sizeof(g);
  TU_CHECK_EQ(pf_geometry_for(&g, 100, 16, 4, 50, PF_FEC_GF8), 0);
  TU_CHECK_EQ(g.struct_size, sizeof(g));
  TU_CHECK_EQ(g.total_data, 7);
  TU_CHECK_EQ(g.blocks, 2);
  TU_CHECK_EQ(g.k_full, 4);
  TU_CHECK_EQ(g.m_full, 2);
  TU_CHECK_EQ(g.k_last, 3);
  TU_CHECK_EQ(g.m_last, 2);
  TU_CHECK_EQ(g.total, 11);
  TU_CHECK_EQ(g.m_asked, 2);

  /* 250 data shards at 25 %: 63 asked, 5 fit GF8, all of them GF16. */
  TU_CHECK_EQ(pf_geometry_for(&g, 250 * 1024, 1024, 250, 25, PF_FEC_GF8), 0);
  TU_CHECK_EQ(g.m_asked, 63);
  TU_CHECK_EQ(g.m_full, 5);
  TU_CHECK_EQ(g.total, 255);
  TU_CHECK_EQ(pf_geometry_for(&g, 250 * 1024, 1024, 250, 25, PF_FEC_GF16),
              0);
  TU_CHECK_EQ(g.m_full, 63);
  TU_CHECK_EQ(g.total, 313);

  /* Empty AU: one zero shard, no parity. */
  TU_CHECK_EQ(pf_geometry_for(&g, 0, 1024, 64, 25, PF_FEC_GF8), 0);
  TU_CHECK_EQ(g.total_data, 1);
  TU_CHECK_EQ(g.m_last, 0);
  TU_CHECK_EQ(g.total, 1);

  /* 65535 blocks are the most one AU can have. */
  TU_CHECK_EQ(pf_geometry_for(&g, 65535u * 2, 2, 1, 0, PF_FEC_GF8), 0);
  TU_CHECK_EQ(g.blocks, 65535);
  TU_CHECK_EQ(pf_geometry_for(&g, 65535u * 2 + 1, 2, 1, 0, PF_FEC_GF8),
              PF_ERR_LIMIT);
}

static void test_pf_geometry_args(void) {
  pf_geometry g;
  struct {
    pf_geometry g;
    uint8_t future[16];
  } big;

  memset(&g, 0, sizeof(g));
  g.struct_size = sizeof(g);
  TU_CHECK_EQ(pf_geometry_for(NULL, 100, 16, 4, 50, PF_FEC_GF8),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_geometry_for(&g, 100, 0, 4, 50, PF_FEC_GF8),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_geometry_for(&g, 100, PF_PKT_MAX_SHARD_PAYLOAD + 1, 4, 50,
                              PF_FEC_GF8),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_geometry_for(&g, 100, 16, 0, 50, PF_FEC_GF8),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_geometry_for(&g, 100, 16, 65536, 50, PF_FEC_GF16),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_geometry_for(&g, 100, 16, 4, PF_FEC_PERCENT_MAX + 1,
                              PF_FEC_GF8),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_geometry_for(&g, 100, 16, 4, 50, 7),
              PF_ERR_INVALID_ARGUMENT);

  /* struct_size: below the first layout refused, larger accepted with
   * the unknown tail left alone. */
  g.struct_size = sizeof(size_t);
  TU_CHECK_EQ(pf_geometry_for(&g, 100, 16, 4, 50, PF_FEC_GF8), PF_ERR_ABI);
  g.struct_size = 0;
  TU_CHECK_EQ(pf_geometry_for(&g, 100, 16, 4, 50, PF_FEC_GF8), PF_ERR_ABI);
  memset(&big, 0xee, sizeof(big));
  big.g.struct_size = sizeof(big);
  TU_CHECK_EQ(pf_geometry_for(&big.g, 100, 16, 4, 50, PF_FEC_GF8), 0);
  TU_CHECK_EQ(big.g.struct_size, sizeof(big));
  TU_CHECK_EQ(big.g.total, 11);
  TU_CHECK_EQ(big.future[0], 0xee);
  TU_CHECK_EQ(big.future[15], 0xee);
}

int main(void) {
  test_pf_geometry_matches_sender();
  test_pf_geometry_position_example();
  test_pf_geometry_values();
  test_pf_geometry_args();
  return tu_finish("test_geometry");
}
