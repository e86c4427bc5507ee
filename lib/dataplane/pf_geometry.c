/*
 * pf_geometry.c -- how the sender cuts an AU into FEC blocks and
 * datagrams (doc/wire-format.md sections 5.2 and 5.3).  pf_sender.c
 * cuts every AU with pf_geometry_for(), so a tool that plans with it
 * (pf-loss sweep) cannot disagree with what is sent;
 * pf_geometry_position() maps a datagram's place in that order back to
 * its block and shard.
 */
#include "dataplane/pf_geometry.h"
#include "dataplane/pf_wire.h"

#include <stddef.h>
#include <string.h>

/* The first published layout of pf_geometry (ABI 1) ends here. */
#define GEOMETRY_V1_SIZE (offsetof(pf_geometry, m_asked) + sizeof(uint32_t))

#define MAX_BLOCKS 65535u

uint32_t pf_sender_block_parity(uint32_t k, uint32_t pct, uint32_t ceiling) {
  uint32_t m = pf_wire_recovery_for(k, pct);

  if (k >= ceiling)
    return 0;
  return m > ceiling - k ? ceiling - k : m;
}

int pf_geometry_for(pf_geometry *geom, size_t frame_bytes,
                    uint32_t shard_payload, uint32_t max_data_per_block,
                    uint32_t fec_percent, uint32_t fec_scheme) {
  pf_geometry g;
  size_t size, total_data, blocks;
  uint32_t ceiling;

  if (!geom)
    return PF_ERR_INVALID_ARGUMENT;
  memcpy(&size, geom, sizeof(size));
  if (size < GEOMETRY_V1_SIZE)
    return PF_ERR_ABI;
  if (fec_scheme == PF_FEC_GF8)
    ceiling = PF_FEC8_MAX_SHARDS;
  else if (fec_scheme == PF_FEC_GF16)
    ceiling = PF_FEC16_MAX_SHARDS;
  else
    return PF_ERR_INVALID_ARGUMENT;
  if (shard_payload == 0 || shard_payload > PF_PKT_MAX_SHARD_PAYLOAD ||
      max_data_per_block == 0 || max_data_per_block > MAX_BLOCKS ||
      fec_percent > PF_FEC_PERCENT_MAX)
    return PF_ERR_INVALID_ARGUMENT;
  total_data = frame_bytes == 0 ? 1 : (frame_bytes - 1) / shard_payload + 1;
  blocks = (total_data - 1) / max_data_per_block + 1;
  if (blocks > MAX_BLOCKS)
    return PF_ERR_LIMIT;
  memset(&g, 0, sizeof(g));
  g.struct_size = size;
  g.total_data = total_data;
  g.blocks = blocks;
  g.k_full = max_data_per_block;
  g.m_full = pf_sender_block_parity(max_data_per_block, fec_percent, ceiling);
  g.k_last = (uint32_t)(total_data - (blocks - 1) * max_data_per_block);
  /* An empty AU has nothing to protect: one zero shard, no parity. */
  g.m_last = frame_bytes == 0
                 ? 0
                 : pf_sender_block_parity(g.k_last, fec_percent, ceiling);
  g.total = total_data + (blocks - 1) * g.m_full + g.m_last;
  g.m_asked = pf_wire_recovery_for(max_data_per_block, fec_percent);
  memcpy(geom, &g, size < sizeof(g) ? size : sizeof(g));
  return 0;
}

int pf_geometry_position(const pf_geometry *geom, size_t position,
                         size_t *block, uint32_t *shard_index) {
  pf_geometry g;
  size_t size, j, b, idx;

  if (!geom || !block || !shard_index)
    return PF_ERR_INVALID_ARGUMENT;
  memcpy(&size, geom, sizeof(size));
  if (size < GEOMETRY_V1_SIZE)
    return PF_ERR_ABI;
  memset(&g, 0, sizeof(g));
  memcpy(&g, geom, size < sizeof(g) ? size : sizeof(g));
  if (g.k_full == 0 || g.blocks == 0 || g.k_last == 0 ||
      position >= g.total || g.total_data > g.total)
    return PF_ERR_INVALID_ARGUMENT;
  /* Data first: data shard i of block b is position b * k_full + i. */
  if (position < g.total_data) {
    b = position / g.k_full;
    idx = position % g.k_full;
  } else {
    /* Then the parity of every block: parity j of block b is position
     * total_data + b * m_full + j (doc/wire-format.md 5.3). */
    j = position - g.total_data;
    if (g.m_full > 0 && j / g.m_full < g.blocks - 1) {
      b = j / g.m_full;
      idx = g.k_full + j % g.m_full;
    } else {
      b = g.blocks - 1;
      idx = g.k_last + (j - (g.blocks - 1) * g.m_full);
    }
  }
  /* A geometry that pf_geometry_for() did not make may not add up. */
  if (b >= g.blocks ||
      idx >= (size_t)(b == g.blocks - 1 ? g.k_last + g.m_last
                                        : g.k_full + g.m_full))
    return PF_ERR_INVALID_ARGUMENT;
  *block = b;
  *shard_index = (uint32_t)idx;
  return 0;
}
