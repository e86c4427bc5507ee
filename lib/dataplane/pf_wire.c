/*
 * pf_wire.c -- encoder and decoder of the 40-byte punktfunk/1 header.
 * No struct is ever overlaid on wire bytes.
 */
#include "dataplane/pf_wire.h"

#include <punktfunk/punktfunk.h>

uint32_t pf_wire_recovery_for(uint32_t k, uint32_t pct) {
  uint64_t m;

  if (k == 0 || pct == 0)
    return 0;
  m = ((uint64_t)k * pct + 99u) / 100u;
  if (m < PF_WIRE_MIN_RECOVERY)
    m = PF_WIRE_MIN_RECOVERY;
  return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

uint8_t *pf_wire_header_encode(uint8_t *out, const pf_pkt_header *h) {
  uint8_t *p = out;

  p = pf_put_u64le(p, h->pts_ns);
  p = pf_put_u32le(p, h->frame_index);
  p = pf_put_u32le(p, h->stream_seq);
  p = pf_put_u32le(p, h->frame_bytes);
  p = pf_put_u32le(p, h->user_flags);
  p = pf_put_u16le(p, h->block_index);
  p = pf_put_u16le(p, h->block_count);
  p = pf_put_u16le(p, h->data_shards);
  p = pf_put_u16le(p, h->recovery_shards);
  p = pf_put_u16le(p, h->shard_index);
  p = pf_put_u16le(p, h->shard_bytes);
  *p++ = h->magic;
  *p++ = h->version;
  *p++ = h->fec_scheme;
  *p++ = h->flags;
  return p;
}

int pf_wire_header_decode(pf_pkt_header *h, const uint8_t *buf, size_t len) {
  if (!buf || len < PF_WIRE_HEADER_BYTES)
    return PF_ERR_MALFORMED;
  h->pts_ns = pf_get_u64le(buf);
  h->frame_index = pf_get_u32le(buf + 8);
  h->stream_seq = pf_get_u32le(buf + 12);
  h->frame_bytes = pf_get_u32le(buf + 16);
  h->user_flags = pf_get_u32le(buf + 20);
  h->block_index = pf_get_u16le(buf + 24);
  h->block_count = pf_get_u16le(buf + 26);
  h->data_shards = pf_get_u16le(buf + 28);
  h->recovery_shards = pf_get_u16le(buf + 30);
  h->shard_index = pf_get_u16le(buf + 32);
  h->shard_bytes = pf_get_u16le(buf + 34);
  h->magic = buf[36];
  h->version = buf[37];
  h->fec_scheme = buf[38];
  h->flags = buf[39];
  return 0;
}
