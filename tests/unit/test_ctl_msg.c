/*
 * test_ctl_msg.c -- the control-plane codecs (lib/ctl/pf_ctl_msg.c,
 * pf_ctl_stream.c, pf_ctl_close.c, pf_ctl_testframe.c): known answers
 * from the original's tests and hand-built bytes (doc/wire-format.md
 * chapter 13), round trips, truncation at every length, a bit flip in
 * every magic bit, oversize, unknown types, the framing reader fed one
 * byte at a time and in random chunks, close-code names, test frames.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl/pf_ctl_msg.h"
#include "ctl/pf_ctl_stream.h"
#include "testutil.h"

/* Decoders get an exact-size heap copy so a sanitizer build catches any
 * read past the length given. */
static uint8_t *dup_bytes(const uint8_t *b, size_t n) {
  uint8_t *c = malloc(n ? n : 1);

  if (!c)
    abort();
  if (n)
    memcpy(c, b, n);
  return c;
}

/* ------------------------------------------------------------ Hello */

static const uint8_t hello_kat[21] = {
    'P', 'K', 'F', '1', 0x02, 0x00, 0x00, 0x00, /* abi 2 */
    0x80, 0x07, 0x00, 0x00,                     /* 1920 */
    0x38, 0x04, 0x00, 0x00,                     /* 1080 */
    0x3c, 0x00, 0x00, 0x00,                     /* 60 Hz */
    0x04,                                       /* compositor gamescope */
};

static void test_hello_kat(void) {
  pf_ctl_hello h, d;
  uint8_t out[PF_CTL_HELLO_MAX_BYTES];

  memset(&h, 0, sizeof(h));
  h.abi = PF_CTL_WIRE_VERSION;
  h.width = 1920;
  h.height = 1080;
  h.refresh_hz = 60;
  h.n_tail = PF_CTL_HELLO_TAIL_COMPOSITOR;
  h.compositor = 4;
  TU_CHECK_EQ(pf_ctl_hello_encode(out, sizeof(out), &h), 21);
  TU_CHECK(memcmp(out, hello_kat, 21) == 0);
  TU_CHECK_EQ(pf_ctl_hello_decode(&d, hello_kat, 21), 0);
  TU_CHECK_EQ(d.abi, 2);
  TU_CHECK_EQ(d.width, 1920);
  TU_CHECK_EQ(d.height, 1080);
  TU_CHECK_EQ(d.refresh_hz, 60);
  TU_CHECK_EQ(d.n_tail, 1);
  TU_CHECK_EQ(d.compositor, 4);

  /* Legacy: 20 bytes, no compositor byte -> auto (0). */
  h.n_tail = 0;
  TU_CHECK_EQ(pf_ctl_hello_encode(out, sizeof(out), &h), 20);
  TU_CHECK(memcmp(out, hello_kat, 20) == 0);
  TU_CHECK_EQ(pf_ctl_hello_decode(&d, hello_kat, 20), 0);
  TU_CHECK_EQ(d.n_tail, 0);
  TU_CHECK_EQ(d.compositor, 0);
  TU_CHECK_EQ(d.refresh_hz, 60);
  TU_CHECK_EQ(pf_ctl_hello_encode(out, 19, &h), PF_ERR_NOBUF);
}

static pf_ctl_hello full_hello(void) {
  pf_ctl_hello h;

  memset(&h, 0, sizeof(h));
  h.abi = 2;
  h.width = 0x11223344u;
  h.height = 0x55667788u;
  h.refresh_hz = 0x99aabbccu;
  h.n_tail = PF_CTL_HELLO_TAIL_LAUNCH;
  h.compositor = 3;
  h.gamepad = 2;
  h.bitrate_kbps = 0xdeadbeefu;
  h.name_len = PF_CTL_HELLO_NAME_MAX;
  memset(h.name, 'n', h.name_len);
  h.launch_len = PF_CTL_HELLO_LAUNCH_MAX;
  memset(h.launch, 'l', h.launch_len);
  return h;
}

static void test_hello_tail(void) {
  pf_ctl_hello h = full_hello(), d;
  uint8_t out[PF_CTL_HELLO_MAX_BYTES + 8], *c;
  int n, t;
  size_t len;

  n = pf_ctl_hello_encode(out, sizeof(out), &h);
  TU_CHECK_EQ(n, (int)PF_CTL_HELLO_MAX_BYTES);
  TU_CHECK_EQ(out[20], 3);
  TU_CHECK_EQ(out[21], 2);
  TU_CHECK_EQ(out[22], 0xef);
  TU_CHECK_EQ(out[26], 64);
  TU_CHECK_EQ(out[27 + 64], 128);
  TU_CHECK_EQ(pf_ctl_hello_encode(out, (size_t)n - 1, &h), PF_ERR_NOBUF);
  /* Each tail length: base + the fields set, and back. */
  for (t = 0; t <= 5; t++) {
    static const int want[6] = {20, 21, 22, 26, 27 + 64, 28 + 64 + 128};
    h.n_tail = (uint8_t)t;
    TU_CHECK_EQ(pf_ctl_hello_encode(out, sizeof(out), &h), want[t]);
    TU_CHECK_EQ(pf_ctl_hello_decode(&d, out, (size_t)want[t]), 0);
    TU_CHECK_EQ(d.n_tail, t);
  }
  h.n_tail = 5;
  n = pf_ctl_hello_encode(out, sizeof(out), &h);
  TU_CHECK_EQ(pf_ctl_hello_decode(&d, out, (size_t)n), 0);
  TU_CHECK_EQ(d.n_tail, 5);
  TU_CHECK_EQ(d.bitrate_kbps, 0xdeadbeefu);
  TU_CHECK_EQ(d.name_len, 64);
  TU_CHECK(memcmp(d.name, h.name, 64) == 0 && d.name[64] == '\0');
  TU_CHECK_EQ(d.launch_len, 128);
  TU_CHECK(memcmp(d.launch, h.launch, 128) == 0 && d.launch[128] == '\0');

  /* Whatever follows launch (video caps, codecs ...) is skipped. */
  memset(out + n, 0xee, 8);
  TU_CHECK_EQ(pf_ctl_hello_decode(&d, out, (size_t)n + 8), 0);
  TU_CHECK_EQ(d.n_tail, 5);
  TU_CHECK_EQ(d.launch_len, 128);

  /* Truncation at every length: < 20 refused, then the tail shrinks
   * to the fields that fit whole. */
  for (len = 0; len <= (size_t)n; len++) {
    int rv;
    c = dup_bytes(out, len);
    rv = pf_ctl_hello_decode(&d, c, len);
    if (len < 20) {
      TU_CHECK_EQ(rv, PF_ERR_MALFORMED);
    } else {
      int want = len < 21 ? 0 : len < 22 ? 1 : len < 26 ? 2
                 : len < 27 + 64 ? 3 : len < (size_t)n ? 4 : 5;
      TU_CHECK_EQ(rv, 0);
      TU_CHECK_MSG(d.n_tail == want, "len %zu: n_tail %u want %d", len,
                   d.n_tail, want);
    }
    free(c);
  }

  /* Length bytes over the maxima: refused both ways. */
  h = full_hello();
  h.name_len = 65;
  TU_CHECK_EQ(pf_ctl_hello_encode(out, sizeof(out), &h), PF_ERR_INVALID_ARGUMENT);
  h = full_hello();
  h.launch_len = 129;
  TU_CHECK_EQ(pf_ctl_hello_encode(out, sizeof(out), &h), PF_ERR_INVALID_ARGUMENT);
  h = full_hello();
  h.n_tail = 6;
  TU_CHECK_EQ(pf_ctl_hello_encode(out, sizeof(out), &h), PF_ERR_INVALID_ARGUMENT);
  h = full_hello();
  n = pf_ctl_hello_encode(out, sizeof(out), &h);
  out[26] = 65;
  TU_CHECK_EQ(pf_ctl_hello_decode(&d, out, (size_t)n), PF_ERR_MALFORMED);
  out[26] = 64;
  out[27 + 64] = 129;
  TU_CHECK_EQ(pf_ctl_hello_decode(&d, out, (size_t)n), PF_ERR_MALFORMED);
  out[26] = 255; /* also over the buffer: still malformed, no read */
  TU_CHECK_EQ(pf_ctl_hello_decode(&d, out, 30), PF_ERR_MALFORMED);
}

/* Hello carries "PKF1" where typed messages carry "PKFc": whatever its
 * abi, it must not read as Reconfigure, pairing or anything typed. */
static void test_hello_not_typed(void) {
  static const uint32_t abis[] = {1, 2, 16, 0x10, 0x0113, 0x1410};
  pf_ctl_hello h;
  pf_ctl_typed m;
  uint8_t out[64];
  size_t i;
  int n;

  for (i = 0; i < sizeof(abis) / sizeof(abis[0]); i++) {
    memset(&h, 0, sizeof(h));
    h.abi = abis[i];
    h.width = 1280;
    h.height = 720;
    h.refresh_hz = 60;
    h.n_tail = 1;
    n = pf_ctl_hello_encode(out, sizeof(out), &h);
    TU_CHECK_EQ(n, 21);
    TU_CHECK_EQ(pf_ctl_typed_decode(&m, out, (size_t)n), PF_ERR_MALFORMED);
    TU_CHECK_EQ(pf_ctl_typed_decode(&m, out, 17), PF_ERR_MALFORMED);
    TU_CHECK_EQ(pf_ctl_typed_decode(&m, out, 5), PF_ERR_MALFORMED);
  }
}

/* ---------------------------------------------------------- Welcome */

static const uint8_t welcome_kat[54] = {
    'P',  'K',  'F',  '1',  0x01, 0x00, 0x00, 0x00, /* abi 1 */
    0x0f, 0x27,                                     /* udp port 9999 */
    0x00, 0x0a, 0x00, 0x00,                         /* 2560 */
    0xa0, 0x05, 0x00, 0x00,                         /* 1440 */
    0xf0, 0x00, 0x00, 0x00,                         /* 240 Hz */
    0x01,                                           /* GF16 */
    0x14,                                           /* 20 % */
    0x00, 0x10,                                     /* K_max 4096 */
    0xb0, 0x04,                                     /* shard 1200 */
    0x01,                                           /* encrypt */
    7,    7,    7,    7,    7,    7,    7,    7,    /* key [7; 16] */
    7,    7,    7,    7,    7,    7,    7,    7,    /**/
    0x01, 0x02, 0x03, 0x04,                         /* salt */
    0x58, 0x02, 0x00, 0x00,                         /* frames 600 */
    0x04,                                           /* compositor gamescope */
};

static pf_ctl_welcome kat_welcome(void) {
  pf_ctl_welcome w;

  memset(&w, 0, sizeof(w));
  w.abi = 1;
  w.udp_port = 9999;
  w.width = 2560;
  w.height = 1440;
  w.refresh_hz = 240;
  w.fec_scheme = PF_CTL_FEC_GF16;
  w.fec_percent = 20;
  w.max_data_per_block = 4096;
  w.shard_payload = 1200;
  w.encrypt = 1;
  memset(w.key, 7, sizeof(w.key));
  w.salt[0] = 1;
  w.salt[1] = 2;
  w.salt[2] = 3;
  w.salt[3] = 4;
  w.frames = 600;
  w.n_tail = PF_CTL_WELCOME_TAIL_COMPOSITOR;
  w.compositor = 4;
  return w;
}

static int welcome_eq(const pf_ctl_welcome *a, const pf_ctl_welcome *b) {
  return a->abi == b->abi && a->udp_port == b->udp_port &&
         a->width == b->width && a->height == b->height &&
         a->refresh_hz == b->refresh_hz && a->fec_scheme == b->fec_scheme &&
         a->fec_percent == b->fec_percent &&
         a->max_data_per_block == b->max_data_per_block &&
         a->shard_payload == b->shard_payload && a->encrypt == b->encrypt &&
         memcmp(a->key, b->key, 16) == 0 && memcmp(a->salt, b->salt, 4) == 0 &&
         a->frames == b->frames && a->n_tail == b->n_tail &&
         a->compositor == b->compositor && a->gamepad == b->gamepad &&
         a->bitrate_kbps == b->bitrate_kbps && a->bit_depth == b->bit_depth &&
         memcmp(a->color, b->color, 4) == 0 &&
         a->chroma_format == b->chroma_format &&
         a->audio_channels == b->audio_channels && a->codec == b->codec;
}

static void test_welcome_kat(void) {
  pf_ctl_welcome w = kat_welcome(), d;
  uint8_t out[PF_CTL_WELCOME_MAX_BYTES];

  TU_CHECK_EQ(pf_ctl_welcome_encode(out, sizeof(out), &w), 54);
  TU_CHECK(memcmp(out, welcome_kat, 54) == 0);
  TU_CHECK_EQ(pf_ctl_welcome_decode(&d, welcome_kat, 54), 0);
  TU_CHECK(welcome_eq(&d, &w));

  /* Legacy 53 bytes: no compositor. */
  w.n_tail = 0;
  w.compositor = 0;
  TU_CHECK_EQ(pf_ctl_welcome_encode(out, sizeof(out), &w), 53);
  TU_CHECK(memcmp(out, welcome_kat, 53) == 0);
  TU_CHECK_EQ(pf_ctl_welcome_decode(&d, welcome_kat, 53), 0);
  TU_CHECK(welcome_eq(&d, &w));
  TU_CHECK_EQ(pf_ctl_welcome_encode(out, 52, &w), PF_ERR_NOBUF);
}

/* What a host of the b53710da generation sends: 67 bytes, and later
 * hosts more still. */
static void test_welcome_long(void) {
  static const uint8_t tail[14] = {
      0x04,                   /* compositor @53 */
      0x01,                   /* gamepad @54 */
      0x20, 0x4e, 0x00, 0x00, /* bitrate 20000 kbps @55 */
      0x0a,                   /* bit depth 10 @59 */
      0x09, 0x10, 0x09, 0x00, /* colour: BT.2020, PQ, BT.2020nc, limited */
      0x01,                   /* chroma 4:2:0 @64 */
      0x06,                   /* audio channels @65 */
      0x02,                   /* codec @66 */
  };
  uint8_t buf[100], re[PF_CTL_WELCOME_MAX_BYTES], *c;
  pf_ctl_welcome d;
  size_t len;
  int t;

  memcpy(buf, welcome_kat, 53);
  memcpy(buf + 53, tail, sizeof(tail));
  memset(buf + 67, 0xa5, sizeof(buf) - 67); /* host caps, grants ... */
  TU_CHECK_EQ(pf_ctl_welcome_decode(&d, buf, 67), 0);
  TU_CHECK_EQ(d.n_tail, 8);
  TU_CHECK_EQ(d.compositor, 4);
  TU_CHECK_EQ(d.gamepad, 1);
  TU_CHECK_EQ(d.bitrate_kbps, 20000);
  TU_CHECK_EQ(d.bit_depth, 10);
  TU_CHECK(d.color[0] == 9 && d.color[1] == 16 && d.color[2] == 9 &&
           d.color[3] == 0);
  TU_CHECK_EQ(d.chroma_format, 1);
  TU_CHECK_EQ(d.audio_channels, 6);
  TU_CHECK_EQ(d.codec, 2);
  TU_CHECK_EQ(d.frames, 600);
  TU_CHECK_EQ(d.shard_payload, 1200);
  /* Ours re-encodes the same 67 bytes. */
  TU_CHECK_EQ(pf_ctl_welcome_encode(re, sizeof(re), &d), 67);
  TU_CHECK(memcmp(re, buf, 67) == 0);
  /* Trailing bytes we cannot name are skipped. */
  TU_CHECK_EQ(pf_ctl_welcome_decode(&d, buf, sizeof(buf)), 0);
  TU_CHECK_EQ(d.n_tail, 8);
  TU_CHECK_EQ(d.codec, 2);

  /* Truncation at every length. */
  for (len = 0; len <= sizeof(buf); len++) {
    static const size_t ends[9] = {53, 54, 55, 59, 60, 64, 65, 66, 67};
    int rv, want = 0;
    c = dup_bytes(buf, len);
    rv = pf_ctl_welcome_decode(&d, c, len);
    if (len < 53) {
      TU_CHECK_EQ(rv, PF_ERR_MALFORMED);
    } else {
      for (t = 1; t <= 8; t++)
        if (len >= ends[t])
          want = t;
      TU_CHECK_EQ(rv, 0);
      TU_CHECK_MSG(d.n_tail == want, "len %zu: n_tail %u want %d", len,
                   d.n_tail, want);
      TU_CHECK_EQ(d.frames, 600);
    }
    free(c);
  }

  /* Field values the decoder refuses: FEC scheme and percent. */
  buf[22] = 2;
  TU_CHECK_EQ(pf_ctl_welcome_decode(&d, buf, 67), PF_ERR_MALFORMED);
  buf[22] = 1;
  buf[23] = 101;
  TU_CHECK_EQ(pf_ctl_welcome_decode(&d, buf, 67), PF_ERR_MALFORMED);
  buf[23] = 100;
  TU_CHECK_EQ(pf_ctl_welcome_decode(&d, buf, 67), 0);
  /* Any non-zero encrypt byte reads as 1. */
  buf[28] = 0x80;
  TU_CHECK_EQ(pf_ctl_welcome_decode(&d, buf, 67), 0);
  TU_CHECK_EQ(d.encrypt, 1);
  d.fec_scheme = 2;
  TU_CHECK_EQ(pf_ctl_welcome_encode(re, sizeof(re), &d), PF_ERR_INVALID_ARGUMENT);
  d.fec_scheme = 0;
  d.n_tail = 9;
  TU_CHECK_EQ(pf_ctl_welcome_encode(re, sizeof(re), &d), PF_ERR_INVALID_ARGUMENT);
}

/* ------------------------------------------------------------ Start */

static void test_start(void) {
  static const uint8_t kat[6] = {'P', 'K', 'F', '1', 0x39, 0x30};
  uint8_t out[8], *c;
  uint16_t port = 0;
  size_t len;

  TU_CHECK_EQ(pf_ctl_start_encode(out, sizeof(out), 12345), 6);
  TU_CHECK(memcmp(out, kat, 6) == 0);
  TU_CHECK_EQ(pf_ctl_start_encode(out, 5, 1), PF_ERR_NOBUF);
  TU_CHECK_EQ(pf_ctl_start_decode(&port, kat, 6), 0);
  TU_CHECK_EQ(port, 12345);
  for (len = 0; len < 6; len++) {
    c = dup_bytes(kat, len);
    TU_CHECK_EQ(pf_ctl_start_decode(&port, c, len), PF_ERR_MALFORMED);
    free(c);
  }
  out[6] = 0xff;
  out[7] = 0xff;
  TU_CHECK_EQ(pf_ctl_start_decode(&port, out, 8), 0); /* trailing skipped */
  TU_CHECK_EQ(port, 12345);
}

/* ---------------------------------------------- magic bit flips, all */

static void test_magic_flips(void) {
  pf_ctl_hello h;
  pf_ctl_welcome w;
  pf_ctl_typed m;
  pf_ctl_audio a;
  pf_ctl_rumble r;
  uint8_t buf[80];
  uint16_t port;
  int bit;

  for (bit = 0; bit < 32; bit++) {
    uint8_t mask = (uint8_t)(1u << (bit % 8));
    int at = bit / 8;

    memcpy(buf, hello_kat, 21);
    buf[at] ^= mask;
    TU_CHECK_EQ(pf_ctl_hello_decode(&h, buf, 21), PF_ERR_MALFORMED);
    memcpy(buf, welcome_kat, 54);
    buf[at] ^= mask;
    TU_CHECK_EQ(pf_ctl_welcome_decode(&w, buf, 54), PF_ERR_MALFORMED);
    pf_ctl_start_encode(buf, sizeof(buf), 1);
    buf[at] ^= mask;
    TU_CHECK_EQ(pf_ctl_start_decode(&port, buf, 6), PF_ERR_MALFORMED);
    memset(&m, 0, sizeof(m));
    m.type = PF_CTL_REQUEST_KEYFRAME;
    TU_CHECK_EQ(pf_ctl_typed_encode(buf, sizeof(buf), &m), 5);
    buf[at] ^= mask;
    TU_CHECK_EQ(pf_ctl_typed_decode(&m, buf, 5), PF_ERR_MALFORMED);
  }
  /* The one-byte datagram magics. */
  for (bit = 0; bit < 8; bit++) {
    memset(buf, 0, 16);
    buf[0] = (uint8_t)(PF_CTL_DGRAM_AUDIO ^ (1u << bit));
    TU_CHECK_EQ(pf_ctl_audio_decode(&a, buf, 16), PF_ERR_MALFORMED);
    buf[0] = (uint8_t)(PF_CTL_DGRAM_RUMBLE ^ (1u << bit));
    TU_CHECK_EQ(pf_ctl_rumble_decode(&r, buf, 7), PF_ERR_MALFORMED);
  }
}

/* ---------------------------------------------- typed "PKFc" messages */

static pf_ctl_typed typed_sample(uint8_t type) {
  pf_ctl_typed m;

  memset(&m, 0, sizeof(m));
  m.type = type;
  switch (type) {
  case PF_CTL_RECONFIGURE:
  case PF_CTL_RECONFIGURED:
    m.u.mode.accepted = type == PF_CTL_RECONFIGURED;
    m.u.mode.width = 3840;
    m.u.mode.height = 2160;
    m.u.mode.refresh_hz = 120;
    break;
  case PF_CTL_LOSS_REPORT:
    m.u.loss_ppm = 50000;
    break;
  case PF_CTL_SET_BITRATE:
  case PF_CTL_BITRATE_CHANGED:
    m.u.bitrate_kbps = 0x01020304u;
    break;
  case PF_CTL_RFI_REQUEST:
    m.u.rfi.first_frame = 100;
    m.u.rfi.last_frame = 0xfffffff0u;
    break;
  case PF_CTL_PROBE_REQUEST:
    m.u.probe_request.target_kbps = 500000;
    m.u.probe_request.duration_ms = 1500;
    break;
  case PF_CTL_PROBE_RESULT:
    m.u.probe_result.bytes_sent = 0x0102030405060708ull;
    m.u.probe_result.packets_sent = 7;
    m.u.probe_result.duration_ms = 9;
    m.u.probe_result.has_wire = 1;
    m.u.probe_result.wire_packets_sent = 11;
    m.u.probe_result.send_dropped = 13;
    break;
  case PF_CTL_CLOCK_ECHO:
    m.u.clock.t2_ns = 0x1111111122222222ull;
    m.u.clock.t3_ns = 0x3333333344444444ull;
    /* fall through */
  case PF_CTL_CLOCK_PROBE:
    m.u.clock.t1_ns = 0xfedcba9876543210ull;
    break;
  default:
    break;
  }
  return m;
}

static const uint8_t typed_types[] = {
    PF_CTL_RECONFIGURE,  PF_CTL_RECONFIGURED,   PF_CTL_REQUEST_KEYFRAME,
    PF_CTL_LOSS_REPORT,  PF_CTL_SET_BITRATE,    PF_CTL_BITRATE_CHANGED,
    PF_CTL_RFI_REQUEST,  PF_CTL_PROBE_REQUEST,  PF_CTL_PROBE_RESULT,
    PF_CTL_CLOCK_PROBE,  PF_CTL_CLOCK_ECHO,
};
static const int typed_lens[] = {17, 18, 5, 9, 9, 9, 13, 13, 29, 13, 29};

static void test_typed_kat(void) {
  static const uint8_t reconf[17] = {'P',  'K',  'F',  'c',  0x01, 0x00,
                                     0x0f, 0x00, 0x00, 0x70, 0x08, 0x00,
                                     0x00, 0x78, 0x00, 0x00, 0x00};
  static const uint8_t reconfd[18] = {'P',  'K',  'F',  'c',  0x02, 0x01,
                                      0x00, 0x0f, 0x00, 0x00, 0x70, 0x08,
                                      0x00, 0x00, 0x78, 0x00, 0x00, 0x00};
  static const uint8_t echo[29] = {
      'P',  'K',  'F',  'c',  0x31, 0x10, 0x32, 0x54, 0x76, 0x98,
      0xba, 0xdc, 0xfe, 0x22, 0x22, 0x22, 0x22, 0x11, 0x11, 0x11,
      0x11, 0x44, 0x44, 0x44, 0x44, 0x33, 0x33, 0x33, 0x33};
  pf_ctl_typed m = typed_sample(PF_CTL_RECONFIGURE), d;
  uint8_t out[PF_CTL_TYPED_MAX_BYTES];

  TU_CHECK_EQ(pf_ctl_typed_encode(out, sizeof(out), &m), 17);
  TU_CHECK(memcmp(out, reconf, 17) == 0);
  TU_CHECK_EQ(pf_ctl_typed_decode(&d, reconf, 17), 0);
  TU_CHECK_EQ(d.type, PF_CTL_RECONFIGURE);
  TU_CHECK_EQ(d.u.mode.width, 3840);
  TU_CHECK_EQ(d.u.mode.refresh_hz, 120);
  m = typed_sample(PF_CTL_RECONFIGURED);
  TU_CHECK_EQ(pf_ctl_typed_encode(out, sizeof(out), &m), 18);
  TU_CHECK(memcmp(out, reconfd, 18) == 0);
  TU_CHECK_EQ(pf_ctl_typed_decode(&d, reconfd, 18), 0);
  TU_CHECK_EQ(d.u.mode.accepted, 1);
  TU_CHECK_EQ(d.u.mode.height, 2160);
  m = typed_sample(PF_CTL_CLOCK_ECHO);
  TU_CHECK_EQ(pf_ctl_typed_encode(out, sizeof(out), &m), 29);
  TU_CHECK(memcmp(out, echo, 29) == 0);
}

static void test_typed_all(void) {
  uint8_t out[64], *c;
  pf_ctl_typed m, d;
  size_t i, len;
  int n;

  for (i = 0; i < sizeof(typed_types); i++) {
    m = typed_sample(typed_types[i]);
    n = pf_ctl_typed_encode(out, sizeof(out), &m);
    TU_CHECK_MSG(n == typed_lens[i], "type 0x%02x: %d bytes", typed_types[i],
                 n);
    TU_CHECK_EQ(pf_ctl_typed_len(&m), (size_t)typed_lens[i]);
    TU_CHECK_EQ(pf_ctl_typed_encode(out, (size_t)n - 1, &m), PF_ERR_NOBUF);
    TU_CHECK_EQ(pf_ctl_typed_decode(&d, out, (size_t)n), 0);
    TU_CHECK_MSG(memcmp(&d, &m, sizeof(d)) == 0, "type 0x%02x round trip",
                 typed_types[i]);
    /* Truncated at every length. */
    for (len = 0; len < (size_t)n; len++) {
      int rv;
      c = dup_bytes(out, len);
      rv = pf_ctl_typed_decode(&d, c, len);
      if (typed_types[i] == PF_CTL_PROBE_RESULT && len >= 21)
        TU_CHECK_EQ(rv, 0); /* the short form */
      else
        TU_CHECK_MSG(rv == PF_ERR_MALFORMED, "type 0x%02x len %zu: %d",
                     typed_types[i], len, rv);
      free(c);
    }
    /* One byte too long. */
    out[n] = 0;
    c = dup_bytes(out, (size_t)n + 1);
    if (typed_types[i] == PF_CTL_PROBE_RESULT)
      TU_CHECK_EQ(pf_ctl_typed_decode(&d, c, (size_t)n + 1), 0);
    else
      TU_CHECK_EQ(pf_ctl_typed_decode(&d, c, (size_t)n + 1), PF_ERR_MALFORMED);
    free(c);
  }
}

static void test_probe_result_forms(void) {
  pf_ctl_typed m = typed_sample(PF_CTL_PROBE_RESULT), d;
  uint8_t out[40];
  size_t len;

  m.u.probe_result.has_wire = 0;
  m.u.probe_result.wire_packets_sent = 0;
  m.u.probe_result.send_dropped = 0;
  TU_CHECK_EQ(pf_ctl_typed_encode(out, sizeof(out), &m), 21);
  TU_CHECK_EQ(pf_ctl_typed_decode(&d, out, 21), 0);
  TU_CHECK(memcmp(&d, &m, sizeof(d)) == 0);
  m = typed_sample(PF_CTL_PROBE_RESULT);
  TU_CHECK_EQ(pf_ctl_typed_encode(out, sizeof(out), &m), 29);
  memset(out + 29, 0x5a, sizeof(out) - 29);
  for (len = 21; len <= sizeof(out); len++) {
    TU_CHECK_EQ(pf_ctl_typed_decode(&d, out, len), 0);
    TU_CHECK_EQ(d.u.probe_result.has_wire, len >= 29);
    TU_CHECK_EQ(d.u.probe_result.bytes_sent, 0x0102030405060708ull);
    TU_CHECK_EQ(d.u.probe_result.send_dropped, len >= 29 ? 13 : 0);
  }
}

static void test_typed_unknown(void) {
  uint8_t buf[40] = {'P', 'K', 'F', 'c'};
  pf_ctl_typed m;
  unsigned t;
  size_t i;

  for (t = 0; t < 256; t++) {
    int known = 0, rv;
    for (i = 0; i < sizeof(typed_types); i++)
      known |= typed_types[i] == t;
    if (known)
      continue;
    buf[4] = (uint8_t)t;
    rv = pf_ctl_typed_decode(&m, buf, 5);
    if (t >= 0x10 && t <= 0x13)
      TU_CHECK_EQ(rv, PF_CTL_TYPED_PAIRING);
    else
      TU_CHECK_MSG(rv == PF_CTL_TYPED_UNKNOWN, "type 0x%02x: %d", t, rv);
    TU_CHECK_EQ(m.type, t);
    /* Any length: still "unknown, ignore", never an error. */
    TU_CHECK_EQ(pf_ctl_typed_decode(&m, buf, sizeof(buf)), rv);
    m.type = (uint8_t)t;
    TU_CHECK_EQ(pf_ctl_typed_encode(buf + 20, 20, &m), PF_ERR_INVALID_ARGUMENT);
  }
}

/* ------------------------------------------- QUIC-datagram planes */

static void test_datagrams(void) {
  static const uint8_t audio_kat[16] = {0xc9, 0x04, 0x03, 0x02, 0x01, 0x88,
                                        0x77, 0x66, 0x55, 0x44, 0x33, 0x22,
                                        0x11, 0xaa, 0xbb, 0xcc};
  static const uint8_t rumble_kat[7] = {0xca, 0x01, 0x00, 0xff,
                                        0xff, 0x00, 0x80};
  static const uint8_t opus[3] = {0xaa, 0xbb, 0xcc};
  pf_ctl_audio a, d;
  pf_ctl_rumble r, rd;
  uint8_t out[32], *c;
  size_t len;

  TU_CHECK_EQ(pf_ctl_dgram_kind(audio_kat, 16), 0xc9);
  TU_CHECK_EQ(pf_ctl_dgram_kind(rumble_kat, 7), 0xca);
  TU_CHECK_EQ(pf_ctl_dgram_kind(audio_kat, 0), PF_ERR_MALFORMED);

  a.seq = 0x01020304u;
  a.pts_ns = 0x1122334455667788ull;
  a.payload = opus;
  a.payload_len = 3;
  TU_CHECK_EQ(pf_ctl_audio_encode(out, sizeof(out), &a), 16);
  TU_CHECK(memcmp(out, audio_kat, 16) == 0);
  TU_CHECK_EQ(pf_ctl_audio_encode(out, 15, &a), PF_ERR_NOBUF);
  TU_CHECK_EQ(pf_ctl_audio_decode(&d, audio_kat, 16), 0);
  TU_CHECK_EQ(d.seq, a.seq);
  TU_CHECK_EQ(d.pts_ns, a.pts_ns);
  TU_CHECK(d.payload == audio_kat + 13 && d.payload_len == 3);
  /* Empty payload (DTX) is legal. */
  TU_CHECK_EQ(pf_ctl_audio_decode(&d, audio_kat, 13), 0);
  TU_CHECK_EQ(d.payload_len, 0);
  for (len = 0; len < 13; len++) {
    c = dup_bytes(audio_kat, len);
    TU_CHECK_EQ(pf_ctl_audio_decode(&d, c, len), PF_ERR_MALFORMED);
    free(c);
  }
  a.payload_len = PF_CTL_AUDIO_MAX_PAYLOAD + 1;
  TU_CHECK_EQ(pf_ctl_audio_encode(out, sizeof(out), &a), PF_ERR_INVALID_ARGUMENT);

  r.pad = 1;
  r.low = 0xffff;
  r.high = 0x8000;
  TU_CHECK_EQ(pf_ctl_rumble_encode(out, sizeof(out), &r), 7);
  TU_CHECK(memcmp(out, rumble_kat, 7) == 0);
  TU_CHECK_EQ(pf_ctl_rumble_encode(out, 6, &r), PF_ERR_NOBUF);
  TU_CHECK_EQ(pf_ctl_rumble_decode(&rd, rumble_kat, 7), 0);
  TU_CHECK(rd.pad == 1 && rd.low == 0xffff && rd.high == 0x8000);
  for (len = 0; len < 7; len++) {
    c = dup_bytes(rumble_kat, len);
    TU_CHECK_EQ(pf_ctl_rumble_decode(&rd, c, len), PF_ERR_MALFORMED);
    free(c);
  }
  out[7] = 0x99; /* appended by a later version: skipped */
  TU_CHECK_EQ(pf_ctl_rumble_decode(&rd, out, 8), 0);
  TU_CHECK(rd.high == 0x8000);
}

/* ------------------------------------------------------ close codes */

static void test_close_codes(void) {
  static const uint64_t not_rejections[] = {0, 1, 0x41, 0x51, 0x52, 0x5f,
                                            0x70, 0x100, UINT64_MAX};
  static const char *const toks[16] = {
      "not-armed",    "bound-other",     "rate-limited",
      "identity-required", "denied",     "approval-timeout",
      "superseded",   "wire-version",    "setup-failed",
      "access-expired", "launch-not-permitted", "host-power",
      "profile-unknown", "no-seat",      "seat-occupied",
      "seat-unavailable"};
  size_t i;
  unsigned c;

  for (i = 0; i < sizeof(not_rejections) / sizeof(not_rejections[0]); i++)
    TU_CHECK_MSG(!pf_ctl_close_is_rejection(not_rejections[i]),
                 "0x%llx is not a rejection",
                 (unsigned long long)not_rejections[i]);
  TU_CHECK(pf_ctl_close_is_rejection(PF_CTL_CLOSE_BUSY));
  for (c = 0x60; c <= 0x6f; c++) {
    TU_CHECK(pf_ctl_close_is_rejection(c));
    TU_CHECK_MSG(strcmp(pf_ctl_close_token(c), toks[c - 0x60]) == 0,
                 "0x%x: %s", c, pf_ctl_close_token(c));
    TU_CHECK(strcmp(pf_ctl_close_describe(c), "unknown close code") != 0);
  }
  TU_CHECK(strcmp(pf_ctl_close_token(0), "closed") == 0);
  TU_CHECK(strcmp(pf_ctl_close_token(0x42), "busy") == 0);
  TU_CHECK(strcmp(pf_ctl_close_token(0x51), "quit") == 0);
  TU_CHECK(strcmp(pf_ctl_close_token(0x52), "app-exited") == 0);
  TU_CHECK(strcmp(pf_ctl_close_token(0x41), "unknown") == 0);
  TU_CHECK(strcmp(pf_ctl_close_token(0x70), "unknown") == 0);
  TU_CHECK(strcmp(pf_ctl_close_token(0x6000000000000060ull), "unknown") == 0);
  TU_CHECK(strcmp(pf_ctl_close_describe(0x99), "unknown close code") == 0);
}

/* ------------------------------------------------------ test frames */

static void test_test_frame(void) {
  static const uint8_t kat[8] = {0x04, 0x03, 0x02, 0x01,
                                 0x08, 0x09, 0x0a, 0x0b};
  uint8_t buf[600];
  size_t bad = 99, i;

  pf_ctl_test_frame_fill(buf, 8, 0x01020304u);
  TU_CHECK(memcmp(buf, kat, 8) == 0);
  pf_ctl_test_frame_fill(buf, sizeof(buf), 0xffu);
  TU_CHECK_EQ(buf[4], 3);    /* 0xff + 4 wraps */
  TU_CHECK_EQ(buf[300], 43); /* (255 + 300) mod 256 */
  TU_CHECK(pf_ctl_test_frame_check(buf, sizeof(buf), 0xffu, &bad));
  TU_CHECK(!pf_ctl_test_frame_check(buf, sizeof(buf), 0x1ffu, &bad));
  TU_CHECK_EQ(bad, 1); /* idx byte 1 differs */
  for (i = 0; i < sizeof(buf); i += 37) {
    buf[i] ^= 0x10;
    TU_CHECK(!pf_ctl_test_frame_check(buf, sizeof(buf), 0xffu, &bad));
    TU_CHECK_EQ(bad, i);
    buf[i] ^= 0x10;
  }
  /* Shorter than the index: the bytes of it that fit. */
  pf_ctl_test_frame_fill(buf, 2, 0x01020304u);
  TU_CHECK(buf[0] == 0x04 && buf[1] == 0x03);
  TU_CHECK(pf_ctl_test_frame_check(buf, 2, 0x01020304u, NULL));
  TU_CHECK(pf_ctl_test_frame_check(buf, 0, 7, NULL));
  TU_CHECK(!pf_ctl_test_frame_check(NULL, 4, 7, &bad));
}

/* ---------------------------------------------------- stream framing */

static pf_ctl_reader rd; /* 64 KiB: not on the stack */

/* A stream of messages of these lengths, each payload from tu_fill. */
static const size_t stream_lens[] = {21, 0, 1, 54, 300, 65535, 6, 17, 2};
#define N_STREAM (sizeof(stream_lens) / sizeof(stream_lens[0]))

static size_t build_stream(uint8_t *s, size_t cap) {
  uint8_t *payload = malloc(65535);
  size_t off = 0, i;
  int n;

  if (!payload)
    abort();
  for (i = 0; i < N_STREAM; i++) {
    tu_fill(100 + i, payload, stream_lens[i]);
    n = pf_ctl_frame_encode(s + off, cap - off, payload, stream_lens[i]);
    TU_CHECK_EQ(n, (int)(2 + stream_lens[i]));
    off += (size_t)n;
  }
  free(payload);
  return off;
}

/* Feeds |s| in chunks (chunk 0 = random 1..300) and checks every
 * message comes out whole and in order. */
static void feed_stream(const uint8_t *s, size_t total, size_t chunk,
                        uint64_t seed) {
  uint8_t *want = malloc(65535);
  size_t off = 0, got = 0;

  if (!want)
    abort();
  pf_ctl_reader_init(&rd, 0);
  while (off < total) {
    size_t n = chunk ? chunk : 1 + (size_t)(tu_splitmix64(&seed) % 300);
    const uint8_t *in;
    if (n > total - off)
      n = total - off;
    in = s + off;
    off += n;
    while (n > 0) {
      const uint8_t *msg;
      size_t used, mlen;
      int rv = pf_ctl_reader_feed(&rd, in, n, &used, &msg, &mlen);
      TU_CHECK(rv == 0 || rv == 1);
      TU_CHECK(used <= n);
      if (rv < 0)
        goto out;
      in += used;
      n -= used;
      if (rv == 1) {
        TU_CHECK(got < N_STREAM);
        if (got >= N_STREAM)
          goto out;
        tu_fill(100 + got, want, stream_lens[got]);
        TU_CHECK_EQ(mlen, stream_lens[got]);
        TU_CHECK(mlen == stream_lens[got] &&
                 (mlen == 0 || memcmp(msg, want, mlen) == 0));
        got++;
      } else {
        TU_CHECK_EQ(n, 0);
      }
    }
  }
  /* An empty message at the very end completes on a zero-length feed;
   * ours ends with a 2-byte one, so nothing is pending. */
  TU_CHECK_EQ(got, N_STREAM);
  TU_CHECK(!pf_ctl_reader_partial(&rd));
out:
  free(want);
}

static void test_framing(void) {
  size_t cap = 0, total, i;
  uint8_t *s, big[8];
  const uint8_t *msg;
  size_t used, mlen;

  for (i = 0; i < N_STREAM; i++)
    cap += 2 + stream_lens[i];
  s = malloc(cap);
  if (!s)
    abort();
  total = build_stream(s, cap);
  TU_CHECK_EQ(total, cap);
  /* The prefix is little-endian: 21 = 15 00; 65535 = ff ff. */
  TU_CHECK(s[0] == 21 && s[1] == 0);

  feed_stream(s, total, 1, 0);     /* one byte at a time */
  feed_stream(s, total, total, 0); /* all at once */
  for (i = 1; i <= 20; i++)
    feed_stream(s, total, 0, i); /* random chunks */

  /* A zero-length message completes even on an empty feed after its
   * prefix. */
  pf_ctl_reader_init(&rd, 0);
  big[0] = 0;
  big[1] = 0;
  TU_CHECK_EQ(pf_ctl_reader_feed(&rd, big, 2, &used, &msg, &mlen), 1);
  TU_CHECK(used == 2 && mlen == 0);
  TU_CHECK_EQ(pf_ctl_reader_feed(&rd, NULL, 0, &used, &msg, &mlen), 0);

  /* Partial message at stream end is visible. */
  pf_ctl_reader_init(&rd, 0);
  TU_CHECK_EQ(pf_ctl_reader_feed(&rd, s, 1, &used, &msg, &mlen), 0);
  TU_CHECK(pf_ctl_reader_partial(&rd));
  TU_CHECK_EQ(pf_ctl_reader_feed(&rd, s + 1, 10, &used, &msg, &mlen), 0);
  TU_CHECK(pf_ctl_reader_partial(&rd));

  /* A prefix over the bound is refused, and the reader stays failed. */
  pf_ctl_reader_init(&rd, 1024);
  big[0] = 0x01;
  big[1] = 0x04; /* 1025 */
  TU_CHECK_EQ(pf_ctl_reader_feed(&rd, big, 2, &used, &msg, &mlen),
              PF_ERR_MALFORMED);
  big[1] = 0;
  TU_CHECK_EQ(pf_ctl_reader_feed(&rd, big, 2, &used, &msg, &mlen),
              PF_ERR_MALFORMED);
  TU_CHECK_EQ(used, 0);
  pf_ctl_reader_init(&rd, 1024);
  big[0] = 0x00;
  big[1] = 0x04; /* exactly 1024: fine */
  TU_CHECK_EQ(pf_ctl_reader_feed(&rd, big, 2, &used, &msg, &mlen), 0);
  TU_CHECK(pf_ctl_reader_partial(&rd));
  /* A bound over 64 KiB is clamped to 65535. */
  pf_ctl_reader_init(&rd, 1u << 20);
  TU_CHECK_EQ(rd.max_len, 65535);

  /* The encoder refuses a payload over 64 KiB - 1. */
  TU_CHECK_EQ(pf_ctl_frame_encode(s, cap, s, 65536), PF_ERR_MALFORMED);
  TU_CHECK_EQ(pf_ctl_frame_encode(big, 2, big, 1), PF_ERR_NOBUF);
  TU_CHECK_EQ(pf_ctl_reader_feed(NULL, big, 1, &used, &msg, &mlen),
              PF_ERR_INVALID_ARGUMENT);
  free(s);
}

int main(void) {
  test_hello_kat();
  test_hello_tail();
  test_hello_not_typed();
  test_welcome_kat();
  test_welcome_long();
  test_start();
  test_magic_flips();
  test_typed_kat();
  test_typed_all();
  test_probe_result_forms();
  test_typed_unknown();
  test_datagrams();
  test_close_codes();
  test_test_frame();
  test_framing();
  return tu_finish("test_ctl_msg");
}
