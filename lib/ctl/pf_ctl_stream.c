/*
 * pf_ctl_stream.c -- u16 LE length || payload framing of the control
 * stream, and the incremental reader (doc/wire-format.md, chapter 13,
 * "Stream framing").
 */
#include "ctl/pf_ctl_stream.h"

#include <string.h>

#include <punktfunk/punktfunk.h>

enum { ST_PREFIX = 0, ST_PAYLOAD, ST_DONE, ST_FAILED };

int pf_ctl_frame_encode(uint8_t *out, size_t cap, const uint8_t *payload,
                        size_t len) {
  if (!out || (!payload && len))
    return PF_ERR_INVALID_ARGUMENT;
  if (len > PF_CTL_FRAME_MAX)
    return PF_ERR_MALFORMED;
  if (cap < PF_CTL_FRAME_PREFIX_BYTES ||
      cap - PF_CTL_FRAME_PREFIX_BYTES < len)
    return PF_ERR_NOBUF;
  out[0] = (uint8_t)len;
  out[1] = (uint8_t)(len >> 8);
  if (len)
    memmove(out + PF_CTL_FRAME_PREFIX_BYTES, payload, len);
  return (int)(PF_CTL_FRAME_PREFIX_BYTES + len);
}

void pf_ctl_reader_init(pf_ctl_reader *r, size_t max_len) {
  if (!r)
    return;
  r->max_len =
      (max_len == 0 || max_len > PF_CTL_FRAME_MAX) ? PF_CTL_FRAME_MAX : max_len;
  r->need = 0;
  r->have = 0;
  r->prefix_have = 0;
  r->state = ST_PREFIX;
}

int pf_ctl_reader_feed(pf_ctl_reader *r, const uint8_t *in, size_t len,
                       size_t *consumed, const uint8_t **msg,
                       size_t *msg_len) {
  size_t used = 0, take;

  if (!r || !consumed || !msg || !msg_len || (!in && len))
    return PF_ERR_INVALID_ARGUMENT;
  *consumed = 0;
  *msg = NULL;
  *msg_len = 0;
  if (r->state == ST_FAILED)
    return PF_ERR_MALFORMED;
  if (r->state == ST_DONE) { /* the last message was handed out */
    r->state = ST_PREFIX;
    r->prefix_have = 0;
    r->have = 0;
  }
  if (r->state == ST_PREFIX) {
    while (r->prefix_have < PF_CTL_FRAME_PREFIX_BYTES && used < len)
      r->prefix[r->prefix_have++] = in[used++];
    *consumed = used;
    if (r->prefix_have < PF_CTL_FRAME_PREFIX_BYTES)
      return 0;
    r->need = (size_t)r->prefix[0] | (size_t)r->prefix[1] << 8;
    if (r->need > r->max_len) {
      r->state = ST_FAILED;
      return PF_ERR_MALFORMED;
    }
    r->have = 0;
    r->state = ST_PAYLOAD;
  }
  /* ST_PAYLOAD: have <= need <= max_len <= sizeof(buf). */
  take = r->need - r->have;
  if (take > len - used)
    take = len - used;
  if (take)
    memcpy(r->buf + r->have, in + used, take);
  r->have += take;
  used += take;
  *consumed = used;
  if (r->have < r->need)
    return 0;
  r->state = ST_DONE;
  *msg = r->buf;
  *msg_len = r->need;
  return 1;
}

int pf_ctl_reader_partial(const pf_ctl_reader *r) {
  if (!r)
    return 0;
  return (r->state == ST_PREFIX && r->prefix_have > 0) ||
         r->state == ST_PAYLOAD;
}
