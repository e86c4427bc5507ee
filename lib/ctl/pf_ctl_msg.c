/*
 * pf_ctl_msg.c -- Hello / Welcome / Start, the typed "PKFc" messages and
 * the QUIC-datagram plane headers (doc/wire-format.md, chapter 13).
 * Every field is read and written byte by byte, little-endian; no struct
 * is overlaid on wire bytes and every length is checked before the read.
 */
#include "ctl/pf_ctl_msg.h"

#include <string.h>

#include <punktfunk/punktfunk.h>

#include "dataplane/pf_wire.h" /* pf_get_* / pf_put_* */

static int magic_is(const uint8_t *buf, const char *magic) {
  return memcmp(buf, magic, 4) == 0;
}

/* ------------------------------------------------------------ Hello */

int pf_ctl_hello_encode(uint8_t *out, size_t cap, const pf_ctl_hello *h) {
  size_t n = PF_CTL_HELLO_BASE_BYTES;
  uint8_t *p;

  if (!out || !h)
    return PF_ERR_INVALID_ARGUMENT;
  if (h->n_tail > PF_CTL_HELLO_TAIL_LAUNCH ||
      h->name_len > PF_CTL_HELLO_NAME_MAX ||
      h->launch_len > PF_CTL_HELLO_LAUNCH_MAX)
    return PF_ERR_INVALID_ARGUMENT;
  if (h->n_tail >= PF_CTL_HELLO_TAIL_COMPOSITOR)
    n += 1;
  if (h->n_tail >= PF_CTL_HELLO_TAIL_GAMEPAD)
    n += 1;
  if (h->n_tail >= PF_CTL_HELLO_TAIL_BITRATE)
    n += 4;
  if (h->n_tail >= PF_CTL_HELLO_TAIL_NAME)
    n += 1u + h->name_len;
  if (h->n_tail >= PF_CTL_HELLO_TAIL_LAUNCH)
    n += 1u + h->launch_len;
  if (cap < n)
    return PF_ERR_NOBUF;

  memcpy(out, PF_CTL_MAGIC, 4);
  p = pf_put_u32le(out + 4, h->abi);
  p = pf_put_u32le(p, h->width);
  p = pf_put_u32le(p, h->height);
  p = pf_put_u32le(p, h->refresh_hz);
  if (h->n_tail >= PF_CTL_HELLO_TAIL_COMPOSITOR)
    *p++ = h->compositor;
  if (h->n_tail >= PF_CTL_HELLO_TAIL_GAMEPAD)
    *p++ = h->gamepad;
  if (h->n_tail >= PF_CTL_HELLO_TAIL_BITRATE)
    p = pf_put_u32le(p, h->bitrate_kbps);
  if (h->n_tail >= PF_CTL_HELLO_TAIL_NAME) {
    *p++ = h->name_len;
    memcpy(p, h->name, h->name_len);
    p += h->name_len;
  }
  if (h->n_tail >= PF_CTL_HELLO_TAIL_LAUNCH) {
    *p++ = h->launch_len;
    memcpy(p, h->launch, h->launch_len);
    p += h->launch_len;
  }
  return (int)(p - out);
}

/* Reads "u8 len || bytes" at buf[*off] into dst (NUL-terminated).
 * Returns 1 when read, 0 when it does not fit in |len| (the tail ends),
 * PF_ERR_MALFORMED when the length byte exceeds |max|. */
static int read_str(char *dst, uint8_t *dst_len, size_t max,
                    const uint8_t *buf, size_t len, size_t *off) {
  size_t n;

  if (len - *off < 1)
    return 0;
  n = buf[*off];
  if (n > max)
    return PF_ERR_MALFORMED;
  if (len - *off - 1 < n)
    return 0;
  memcpy(dst, buf + *off + 1, n);
  dst[n] = '\0';
  *dst_len = (uint8_t)n;
  *off += 1 + n;
  return 1;
}

int pf_ctl_hello_decode(pf_ctl_hello *h, const uint8_t *buf, size_t len) {
  size_t off = PF_CTL_HELLO_BASE_BYTES;
  int rv;

  if (!h || (!buf && len))
    return PF_ERR_INVALID_ARGUMENT;
  if (len < PF_CTL_HELLO_BASE_BYTES || !magic_is(buf, PF_CTL_MAGIC))
    return PF_ERR_MALFORMED;
  memset(h, 0, sizeof(*h));
  h->abi = pf_get_u32le(buf + 4);
  h->width = pf_get_u32le(buf + 8);
  h->height = pf_get_u32le(buf + 12);
  h->refresh_hz = pf_get_u32le(buf + 16);

  if (len - off < 1)
    return 0;
  h->compositor = buf[off++];
  h->n_tail = PF_CTL_HELLO_TAIL_COMPOSITOR;
  if (len - off < 1)
    return 0;
  h->gamepad = buf[off++];
  h->n_tail = PF_CTL_HELLO_TAIL_GAMEPAD;
  if (len - off < 4)
    return 0;
  h->bitrate_kbps = pf_get_u32le(buf + off);
  off += 4;
  h->n_tail = PF_CTL_HELLO_TAIL_BITRATE;
  rv = read_str(h->name, &h->name_len, PF_CTL_HELLO_NAME_MAX, buf, len, &off);
  if (rv <= 0)
    return rv;
  h->n_tail = PF_CTL_HELLO_TAIL_NAME;
  rv = read_str(h->launch, &h->launch_len, PF_CTL_HELLO_LAUNCH_MAX, buf, len,
                &off);
  if (rv <= 0)
    return rv;
  h->n_tail = PF_CTL_HELLO_TAIL_LAUNCH;
  /* Video caps, audio channels, codecs ... follow: skipped. */
  return 0;
}

/* ---------------------------------------------------------- Welcome */

/* Offset just past trailing field |i| (1-based), i.e. the length of a
 * Welcome that carries fields 1..i. */
static const uint8_t welcome_end[9] = {53, 54, 55, 59, 60, 64, 65, 66, 67};

int pf_ctl_welcome_encode(uint8_t *out, size_t cap,
                          const pf_ctl_welcome *w) {
  size_t n;
  uint8_t *p;

  if (!out || !w)
    return PF_ERR_INVALID_ARGUMENT;
  if (w->n_tail > PF_CTL_WELCOME_TAIL_CODEC ||
      w->fec_scheme > PF_CTL_FEC_GF16 || w->fec_percent > 100)
    return PF_ERR_INVALID_ARGUMENT;
  n = welcome_end[w->n_tail];
  if (cap < n)
    return PF_ERR_NOBUF;

  memcpy(out, PF_CTL_MAGIC, 4);
  p = pf_put_u32le(out + 4, w->abi);
  p = pf_put_u16le(p, w->udp_port);
  p = pf_put_u32le(p, w->width);
  p = pf_put_u32le(p, w->height);
  p = pf_put_u32le(p, w->refresh_hz);
  *p++ = w->fec_scheme;
  *p++ = w->fec_percent;
  p = pf_put_u16le(p, w->max_data_per_block);
  p = pf_put_u16le(p, w->shard_payload);
  *p++ = w->encrypt ? 1 : 0;
  memcpy(p, w->key, PF_CTL_WELCOME_KEY_BYTES);
  p += PF_CTL_WELCOME_KEY_BYTES;
  memcpy(p, w->salt, PF_CTL_WELCOME_SALT_BYTES);
  p += PF_CTL_WELCOME_SALT_BYTES;
  p = pf_put_u32le(p, w->frames);
  if (w->n_tail >= PF_CTL_WELCOME_TAIL_COMPOSITOR)
    *p++ = w->compositor;
  if (w->n_tail >= PF_CTL_WELCOME_TAIL_GAMEPAD)
    *p++ = w->gamepad;
  if (w->n_tail >= PF_CTL_WELCOME_TAIL_BITRATE)
    p = pf_put_u32le(p, w->bitrate_kbps);
  if (w->n_tail >= PF_CTL_WELCOME_TAIL_BIT_DEPTH)
    *p++ = w->bit_depth;
  if (w->n_tail >= PF_CTL_WELCOME_TAIL_COLOR) {
    memcpy(p, w->color, 4);
    p += 4;
  }
  if (w->n_tail >= PF_CTL_WELCOME_TAIL_CHROMA)
    *p++ = w->chroma_format;
  if (w->n_tail >= PF_CTL_WELCOME_TAIL_AUDIO_CHANNELS)
    *p++ = w->audio_channels;
  if (w->n_tail >= PF_CTL_WELCOME_TAIL_CODEC)
    *p++ = w->codec;
  return (int)(p - out);
}

int pf_ctl_welcome_decode(pf_ctl_welcome *w, const uint8_t *buf,
                          size_t len) {
  uint8_t t;

  if (!w || (!buf && len))
    return PF_ERR_INVALID_ARGUMENT;
  if (len < PF_CTL_WELCOME_BASE_BYTES || !magic_is(buf, PF_CTL_MAGIC))
    return PF_ERR_MALFORMED;
  if (buf[22] > PF_CTL_FEC_GF16 || buf[23] > 100)
    return PF_ERR_MALFORMED;
  memset(w, 0, sizeof(*w));
  w->abi = pf_get_u32le(buf + 4);
  w->udp_port = pf_get_u16le(buf + 8);
  w->width = pf_get_u32le(buf + 10);
  w->height = pf_get_u32le(buf + 14);
  w->refresh_hz = pf_get_u32le(buf + 18);
  w->fec_scheme = buf[22];
  w->fec_percent = buf[23];
  w->max_data_per_block = pf_get_u16le(buf + 24);
  w->shard_payload = pf_get_u16le(buf + 26);
  w->encrypt = buf[28] ? 1 : 0;
  memcpy(w->key, buf + 29, PF_CTL_WELCOME_KEY_BYTES);
  memcpy(w->salt, buf + 45, PF_CTL_WELCOME_SALT_BYTES);
  w->frames = pf_get_u32le(buf + 49);

  for (t = 0; t < PF_CTL_WELCOME_TAIL_CODEC && len >= welcome_end[t + 1];)
    t++;
  w->n_tail = t;
  if (t >= PF_CTL_WELCOME_TAIL_COMPOSITOR)
    w->compositor = buf[53];
  if (t >= PF_CTL_WELCOME_TAIL_GAMEPAD)
    w->gamepad = buf[54];
  if (t >= PF_CTL_WELCOME_TAIL_BITRATE)
    w->bitrate_kbps = pf_get_u32le(buf + 55);
  if (t >= PF_CTL_WELCOME_TAIL_BIT_DEPTH)
    w->bit_depth = buf[59];
  if (t >= PF_CTL_WELCOME_TAIL_COLOR)
    memcpy(w->color, buf + 60, 4);
  if (t >= PF_CTL_WELCOME_TAIL_CHROMA)
    w->chroma_format = buf[64];
  if (t >= PF_CTL_WELCOME_TAIL_AUDIO_CHANNELS)
    w->audio_channels = buf[65];
  if (t >= PF_CTL_WELCOME_TAIL_CODEC)
    w->codec = buf[66];
  /* Host caps, management port, grants ... follow: skipped. */
  return 0;
}

/* ------------------------------------------------------------ Start */

int pf_ctl_start_encode(uint8_t *out, size_t cap, uint16_t client_udp_port) {
  if (!out)
    return PF_ERR_INVALID_ARGUMENT;
  if (cap < PF_CTL_START_BYTES)
    return PF_ERR_NOBUF;
  memcpy(out, PF_CTL_MAGIC, 4);
  pf_put_u16le(out + 4, client_udp_port);
  return (int)PF_CTL_START_BYTES;
}

int pf_ctl_start_decode(uint16_t *client_udp_port, const uint8_t *buf,
                        size_t len) {
  if (!client_udp_port || (!buf && len))
    return PF_ERR_INVALID_ARGUMENT;
  if (len < PF_CTL_START_BYTES || !magic_is(buf, PF_CTL_MAGIC))
    return PF_ERR_MALFORMED;
  *client_udp_port = pf_get_u16le(buf + 4);
  return 0;
}

/* ---------------------------------------------- typed "PKFc" messages */

size_t pf_ctl_typed_len(const pf_ctl_typed *m) {
  if (!m)
    return 0;
  switch (m->type) {
  case PF_CTL_RECONFIGURE:
    return 17;
  case PF_CTL_RECONFIGURED:
    return 18;
  case PF_CTL_REQUEST_KEYFRAME:
    return 5;
  case PF_CTL_LOSS_REPORT:
  case PF_CTL_SET_BITRATE:
  case PF_CTL_BITRATE_CHANGED:
    return 9;
  case PF_CTL_RFI_REQUEST:
  case PF_CTL_PROBE_REQUEST:
  case PF_CTL_CLOCK_PROBE:
    return 13;
  case PF_CTL_PROBE_RESULT:
    return m->u.probe_result.has_wire ? PF_CTL_PROBE_RESULT_WIRE_BYTES
                                      : PF_CTL_PROBE_RESULT_BYTES;
  case PF_CTL_CLOCK_ECHO:
    return 29;
  default:
    return 0;
  }
}

int pf_ctl_typed_encode(uint8_t *out, size_t cap, const pf_ctl_typed *m) {
  size_t n;
  uint8_t *p;

  if (!out || !m)
    return PF_ERR_INVALID_ARGUMENT;
  n = pf_ctl_typed_len(m);
  if (n == 0)
    return PF_ERR_INVALID_ARGUMENT;
  if (cap < n)
    return PF_ERR_NOBUF;
  memcpy(out, PF_CTL_TYPED_MAGIC, 4);
  out[4] = m->type;
  p = out + 5;
  switch (m->type) {
  case PF_CTL_RECONFIGURED:
    *p++ = m->u.mode.accepted ? 1 : 0;
    __attribute__((fallthrough));
  case PF_CTL_RECONFIGURE:
    p = pf_put_u32le(p, m->u.mode.width);
    p = pf_put_u32le(p, m->u.mode.height);
    p = pf_put_u32le(p, m->u.mode.refresh_hz);
    break;
  case PF_CTL_REQUEST_KEYFRAME:
    break;
  case PF_CTL_LOSS_REPORT:
    p = pf_put_u32le(p, m->u.loss_ppm);
    break;
  case PF_CTL_SET_BITRATE:
  case PF_CTL_BITRATE_CHANGED:
    p = pf_put_u32le(p, m->u.bitrate_kbps);
    break;
  case PF_CTL_RFI_REQUEST:
    p = pf_put_u32le(p, m->u.rfi.first_frame);
    p = pf_put_u32le(p, m->u.rfi.last_frame);
    break;
  case PF_CTL_PROBE_REQUEST:
    p = pf_put_u32le(p, m->u.probe_request.target_kbps);
    p = pf_put_u32le(p, m->u.probe_request.duration_ms);
    break;
  case PF_CTL_PROBE_RESULT:
    p = pf_put_u64le(p, m->u.probe_result.bytes_sent);
    p = pf_put_u32le(p, m->u.probe_result.packets_sent);
    p = pf_put_u32le(p, m->u.probe_result.duration_ms);
    if (m->u.probe_result.has_wire) {
      p = pf_put_u32le(p, m->u.probe_result.wire_packets_sent);
      p = pf_put_u32le(p, m->u.probe_result.send_dropped);
    }
    break;
  case PF_CTL_CLOCK_ECHO:
    p = pf_put_u64le(p, m->u.clock.t1_ns);
    p = pf_put_u64le(p, m->u.clock.t2_ns);
    p = pf_put_u64le(p, m->u.clock.t3_ns);
    break;
  case PF_CTL_CLOCK_PROBE:
    p = pf_put_u64le(p, m->u.clock.t1_ns);
    break;
  default:
    return PF_ERR_INTERNAL; /* pf_ctl_typed_len() knows no more types */
  }
  return (int)(p - out);
}

int pf_ctl_typed_decode(pf_ctl_typed *m, const uint8_t *buf, size_t len) {
  const uint8_t *p;
  size_t want;

  if (!m || (!buf && len))
    return PF_ERR_INVALID_ARGUMENT;
  if (len < PF_CTL_TYPED_HEADER_BYTES || !magic_is(buf, PF_CTL_TYPED_MAGIC))
    return PF_ERR_MALFORMED;
  memset(m, 0, sizeof(*m));
  m->type = buf[4];
  p = buf + PF_CTL_TYPED_HEADER_BYTES;
  if (m->type >= PF_CTL_PAIR_FIRST && m->type <= PF_CTL_PAIR_LAST)
    return PF_CTL_TYPED_PAIRING;
  if (m->type == PF_CTL_PROBE_RESULT) {
    if (len < PF_CTL_PROBE_RESULT_BYTES)
      return PF_ERR_MALFORMED;
    m->u.probe_result.bytes_sent = pf_get_u64le(p);
    m->u.probe_result.packets_sent = pf_get_u32le(p + 8);
    m->u.probe_result.duration_ms = pf_get_u32le(p + 12);
    if (len >= PF_CTL_PROBE_RESULT_WIRE_BYTES) {
      m->u.probe_result.has_wire = 1;
      m->u.probe_result.wire_packets_sent = pf_get_u32le(p + 16);
      m->u.probe_result.send_dropped = pf_get_u32le(p + 20);
    }
    return 0;
  }
  want = pf_ctl_typed_len(m);
  if (want == 0)
    return PF_CTL_TYPED_UNKNOWN;
  if (len != want)
    return PF_ERR_MALFORMED;
  switch (m->type) {
  case PF_CTL_RECONFIGURED:
    m->u.mode.accepted = *p++ ? 1 : 0;
    __attribute__((fallthrough));
  case PF_CTL_RECONFIGURE:
    m->u.mode.width = pf_get_u32le(p);
    m->u.mode.height = pf_get_u32le(p + 4);
    m->u.mode.refresh_hz = pf_get_u32le(p + 8);
    break;
  case PF_CTL_LOSS_REPORT:
    m->u.loss_ppm = pf_get_u32le(p);
    break;
  case PF_CTL_SET_BITRATE:
  case PF_CTL_BITRATE_CHANGED:
    m->u.bitrate_kbps = pf_get_u32le(p);
    break;
  case PF_CTL_RFI_REQUEST:
    m->u.rfi.first_frame = pf_get_u32le(p);
    m->u.rfi.last_frame = pf_get_u32le(p + 4);
    break;
  case PF_CTL_PROBE_REQUEST:
    m->u.probe_request.target_kbps = pf_get_u32le(p);
    m->u.probe_request.duration_ms = pf_get_u32le(p + 4);
    break;
  case PF_CTL_CLOCK_ECHO:
    m->u.clock.t2_ns = pf_get_u64le(p + 8);
    m->u.clock.t3_ns = pf_get_u64le(p + 16);
    __attribute__((fallthrough));
  case PF_CTL_CLOCK_PROBE:
    m->u.clock.t1_ns = pf_get_u64le(p);
    break;
  default: /* REQUEST_KEYFRAME: no payload */
    break;
  }
  return 0;
}

/* ------------------------------------------- QUIC-datagram planes */

int pf_ctl_dgram_kind(const uint8_t *buf, size_t len) {
  if (!buf || len == 0)
    return PF_ERR_MALFORMED;
  return buf[0];
}

int pf_ctl_audio_encode(uint8_t *out, size_t cap, const pf_ctl_audio *a) {
  uint8_t *p;

  if (!out || !a || (!a->payload && a->payload_len))
    return PF_ERR_INVALID_ARGUMENT;
  if (a->payload_len > PF_CTL_AUDIO_MAX_PAYLOAD)
    return PF_ERR_INVALID_ARGUMENT;
  if (cap < PF_CTL_AUDIO_HEADER_BYTES ||
      cap - PF_CTL_AUDIO_HEADER_BYTES < a->payload_len)
    return PF_ERR_NOBUF;
  out[0] = PF_CTL_DGRAM_AUDIO;
  p = pf_put_u32le(out + 1, a->seq);
  p = pf_put_u64le(p, a->pts_ns);
  if (a->payload_len)
    memmove(p, a->payload, a->payload_len);
  return (int)(PF_CTL_AUDIO_HEADER_BYTES + a->payload_len);
}

int pf_ctl_audio_decode(pf_ctl_audio *a, const uint8_t *buf, size_t len) {
  if (!a || (!buf && len))
    return PF_ERR_INVALID_ARGUMENT;
  if (len < PF_CTL_AUDIO_HEADER_BYTES || buf[0] != PF_CTL_DGRAM_AUDIO)
    return PF_ERR_MALFORMED;
  a->seq = pf_get_u32le(buf + 1);
  a->pts_ns = pf_get_u64le(buf + 5);
  a->payload = buf + PF_CTL_AUDIO_HEADER_BYTES;
  a->payload_len = len - PF_CTL_AUDIO_HEADER_BYTES;
  return 0;
}

int pf_ctl_rumble_encode(uint8_t *out, size_t cap, const pf_ctl_rumble *r) {
  uint8_t *p;

  if (!out || !r)
    return PF_ERR_INVALID_ARGUMENT;
  if (cap < PF_CTL_RUMBLE_BYTES)
    return PF_ERR_NOBUF;
  out[0] = PF_CTL_DGRAM_RUMBLE;
  p = pf_put_u16le(out + 1, r->pad);
  p = pf_put_u16le(p, r->low);
  pf_put_u16le(p, r->high);
  return (int)PF_CTL_RUMBLE_BYTES;
}

int pf_ctl_rumble_decode(pf_ctl_rumble *r, const uint8_t *buf, size_t len) {
  if (!r || (!buf && len))
    return PF_ERR_INVALID_ARGUMENT;
  if (len < PF_CTL_RUMBLE_BYTES || buf[0] != PF_CTL_DGRAM_RUMBLE)
    return PF_ERR_MALFORMED;
  r->pad = pf_get_u16le(buf + 1);
  r->low = pf_get_u16le(buf + 3);
  r->high = pf_get_u16le(buf + 5);
  return 0;
}
