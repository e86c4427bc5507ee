/*
 * pf_stream_desc.c -- the START / END stream descriptor codec
 * (doc/wire-format.md section 11): 88 big-endian bytes, magic "PFsr",
 * version 2.
 */
#include <string.h>

#include <punktfunk/punktfunk.h>

#define MAGIC "PFsr"

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

static void put_be64(uint8_t *p, uint64_t v) {
  put_be32(p, (uint32_t)(v >> 32));
  put_be32(p + 4, (uint32_t)v);
}

static uint64_t get_be64(const uint8_t *p) {
  return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static int type_ok(uint32_t t) {
  return t == PF_STREAM_DESC_START || t == PF_STREAM_DESC_END;
}

int pf_stream_desc_encode(uint8_t *out, size_t out_len,
                          const pf_stream_desc *d) {
  if (!out || !d || !type_ok(d->type) || d->fec > 255 || d->framing > 255)
    return PF_ERR_INVALID_ARGUMENT;
  if (out_len < PF_STREAM_DESC_BYTES)
    return PF_ERR_NOBUF;
  memset(out, 0, PF_STREAM_DESC_BYTES);
  memcpy(out, MAGIC, 4);
  out[4] = PF_STREAM_DESC_VERSION;
  out[5] = (uint8_t)d->type;
  out[6] = (uint8_t)d->fec;
  out[7] = (uint8_t)d->framing;
  put_be32(out + 8, d->shard_payload);
  put_be32(out + 12, d->max_data_per_block);
  put_be32(out + 16, d->fec_percent);
  put_be32(out + 20, d->framing_arg);
  put_be64(out + 24, d->stream_id);
  put_be64(out + 32, d->frames);
  put_be64(out + 40, d->bytes);
  memcpy(out + 48, d->app, sizeof(d->app));
  put_be64(out + 80, d->first_seq);
  return (int)PF_STREAM_DESC_BYTES;
}

int pf_stream_desc_decode(pf_stream_desc *d, const uint8_t *buf, size_t len) {
  if (!d || (!buf && len > 0))
    return PF_ERR_INVALID_ARGUMENT;
  memset(d, 0, sizeof(*d));
  if (len < PF_STREAM_DESC_BYTES || memcmp(buf, MAGIC, 4) != 0 ||
      buf[4] != PF_STREAM_DESC_VERSION || !type_ok(buf[5]))
    return PF_ERR_MALFORMED;
  d->type = buf[5];
  d->fec = buf[6];
  d->framing = buf[7];
  d->shard_payload = get_be32(buf + 8);
  d->max_data_per_block = get_be32(buf + 12);
  d->fec_percent = get_be32(buf + 16);
  d->framing_arg = get_be32(buf + 20);
  d->stream_id = get_be64(buf + 24);
  d->frames = get_be64(buf + 32);
  d->bytes = get_be64(buf + 40);
  memcpy(d->app, buf + 48, sizeof(d->app));
  d->first_seq = get_be64(buf + 80);
  return 0;
}
