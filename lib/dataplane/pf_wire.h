/*
 * pf_wire.h -- the punktfunk/1 data-plane packet header (40 bytes,
 * little-endian) and datagram layout.  doc/wire-format.md sections 1-3
 * are the spec.
 *
 *   off size field
 *     0    8 pts_ns          capture timestamp, ns
 *     8    4 frame_index     access unit number, wrapping
 *    12    4 stream_seq      per-packet counter, wrapping
 *    16    4 frame_bytes     exact AU length
 *    20    4 user_flags      application flags
 *    24    2 block_index     FEC block within the frame
 *    26    2 block_count     blocks in the frame
 *    28    2 data_shards     K of this block
 *    30    2 recovery_shards M of this block
 *    32    2 shard_index     0..K-1 data, K..K+M-1 parity
 *    34    2 shard_bytes     shard payload length
 *    36    1 magic           0xC9
 *    37    1 version         protocol phase (1 GF8 profile, 2 GF16)
 *    38    1 fec_scheme      0 GF(2^8), 1 GF(2^16)
 *    39    1 flags           PIC 1, EOF 2, SOF 4, PROBE 8
 *
 * Sealed datagram: seq (u64 big-endian, clear, = AAD) || AEAD(header ||
 * shard) || tag (16).  Unsealed datagram: header || shard.
 */
#ifndef PF_WIRE_H
#define PF_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define PF_WIRE_HEADER_BYTES 40u
#define PF_WIRE_SEQ_BYTES 8u
#define PF_WIRE_TAG_BYTES 16u
#define PF_WIRE_CRYPTO_OVERHEAD (PF_WIRE_SEQ_BYTES + PF_WIRE_TAG_BYTES)
#define PF_WIRE_MAX_DATAGRAM 9216u
#define PF_WIRE_MIN_SHARD 512u
#define PF_WIRE_MAGIC 0xC9u

#define PF_WIRE_FLAG_PIC 0x1u
#define PF_WIRE_FLAG_EOF 0x2u
#define PF_WIRE_FLAG_SOF 0x4u
#define PF_WIRE_FLAG_PROBE 0x8u

/* Smallest parity count of a protected block (Moonlight's
 * minRequiredFecPackets). */
#define PF_WIRE_MIN_RECOVERY 2u

typedef struct pf_pkt_header {
  uint64_t pts_ns;
  uint32_t frame_index;
  uint32_t stream_seq;
  uint32_t frame_bytes;
  uint32_t user_flags;
  uint16_t block_index;
  uint16_t block_count;
  uint16_t data_shards;
  uint16_t recovery_shards;
  uint16_t shard_index;
  uint16_t shard_bytes;
  uint8_t magic;
  uint8_t version;
  uint8_t fec_scheme;
  uint8_t flags;
} pf_pkt_header;

/* Writes the 40-byte header; returns out + 40. */
/*
 * The parity rule of doc/wire-format.md section 2.3, stated once: a block
 * of |k| data shards at |pct| percent parity gets
 *   M(k, pct) = 0                               if k = 0 or pct = 0,
 *               max(ceil(k * pct / 100), 2)      otherwise
 * (no clamp to the code's shard limit; the sender clamps K + M to it).
 * The sender computes each block's M with it, and the receiver drops a
 * block whose M exceeds M(K, max_fec_percent): both call this function,
 * so they cannot disagree.
 */
uint32_t pf_wire_recovery_for(uint32_t k, uint32_t pct);

uint8_t *pf_wire_header_encode(uint8_t *out, const pf_pkt_header *h);

/*
 * Reads a header from the first 40 bytes of |buf|.  Returns 0, or
 * PF_ERR_MALFORMED when |len| < 40.  Field values are NOT judged here
 * (that is the receiver's firewall).
 */
int pf_wire_header_decode(pf_pkt_header *h, const uint8_t *buf, size_t len);

/* Little-endian / big-endian accessors: get returns the value, put
 * returns one past the last byte written. */
static inline uint16_t pf_get_u16le(const uint8_t *p) {
  return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t pf_get_u32le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static inline uint64_t pf_get_u64le(const uint8_t *p) {
  return (uint64_t)pf_get_u32le(p) | (uint64_t)pf_get_u32le(p + 4) << 32;
}
static inline uint64_t pf_get_u64be(const uint8_t *p) {
  uint64_t v = 0;
  int i;
  for (i = 0; i < 8; i++)
    v = v << 8 | p[i];
  return v;
}
static inline uint8_t *pf_put_u16le(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  return p + 2;
}
static inline uint8_t *pf_put_u32le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
  return p + 4;
}
static inline uint8_t *pf_put_u64le(uint8_t *p, uint64_t v) {
  p = pf_put_u32le(p, (uint32_t)v);
  return pf_put_u32le(p, (uint32_t)(v >> 32));
}
static inline uint8_t *pf_put_u64be(uint8_t *p, uint64_t v) {
  int i;
  for (i = 7; i >= 0; i--)
    *p++ = (uint8_t)(v >> (8 * i));
  return p;
}

#endif /* PF_WIRE_H */
