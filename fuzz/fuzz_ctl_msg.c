/*
 * fuzz_ctl_msg.c -- libFuzzer target for the control-plane decoders
 * (lib/ctl/pf_ctl_msg.c, pf_ctl_stream.c): everything a QUIC peer can
 * put on the control stream or in a datagram.
 *
 * Input: byte 0 picks the decoder family (mod 6), the rest is the
 * message: 0 Hello, 1 Welcome, 2 Start, 3 typed "PKFc", 4 a datagram
 * (demultiplexed by its first byte to audio / rumble), 5 the stream
 * framing reader (byte 1 picks the chunk size and a small bound, the
 * rest is the stream).  Seeds: fuzz/corpus/ctl_msg.
 *
 * Checks: no crash or sanitizer report (each decoder gets an exact-size
 * heap copy, so a read past the length is caught); whatever decodes
 * re-encodes to the same bytes (over the length the encoder writes;
 * Welcome and Hello fields past what we know, and flag bytes the
 * decoder normalises, excepted); the reader never hands out more than
 * its bound or more bytes than it was fed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

#include "ctl/pf_ctl_msg.h"
#include "ctl/pf_ctl_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pf_ctl_reader reader;

static void check_hello(const uint8_t *b, size_t n) {
  pf_ctl_hello h;
  uint8_t re[PF_CTL_HELLO_MAX_BYTES];
  int m;

  if (pf_ctl_hello_decode(&h, b, n) != 0)
    return;
  if (n < PF_CTL_HELLO_BASE_BYTES || h.n_tail > 5 ||
      h.name_len > PF_CTL_HELLO_NAME_MAX ||
      h.launch_len > PF_CTL_HELLO_LAUNCH_MAX)
    abort();
  m = pf_ctl_hello_encode(re, sizeof(re), &h);
  if (m < 20 || (size_t)m > n || memcmp(re, b, (size_t)m) != 0)
    abort();
}

static void check_welcome(const uint8_t *b, size_t n) {
  pf_ctl_welcome w;
  uint8_t re[PF_CTL_WELCOME_MAX_BYTES];
  int m;

  if (pf_ctl_welcome_decode(&w, b, n) != 0)
    return;
  m = pf_ctl_welcome_encode(re, sizeof(re), &w);
  if (m < 53 || (size_t)m > n)
    abort();
  /* encrypt (byte 28) is normalised to 0/1. */
  if (memcmp(re, b, 28) != 0 || re[28] != (b[28] != 0) ||
      memcmp(re + 29, b + 29, (size_t)m - 29) != 0)
    abort();
}

static void check_start(const uint8_t *b, size_t n) {
  uint16_t port;
  uint8_t re[PF_CTL_START_BYTES];

  if (pf_ctl_start_decode(&port, b, n) != 0)
    return;
  if (pf_ctl_start_encode(re, sizeof(re), port) != 6 || memcmp(re, b, 6) != 0)
    abort();
}

static void check_typed(const uint8_t *b, size_t n) {
  pf_ctl_typed m;
  uint8_t re[PF_CTL_TYPED_MAX_BYTES];
  int rv, k;

  rv = pf_ctl_typed_decode(&m, b, n);
  if (rv == PF_CTL_TYPED_UNKNOWN || rv == PF_CTL_TYPED_PAIRING) {
    if (n < 5 || m.type != b[4])
      abort();
    return;
  }
  if (rv != 0)
    return;
  k = pf_ctl_typed_encode(re, sizeof(re), &m);
  if (k < 5 || (size_t)k > n)
    abort();
  /* Reconfigured's accepted byte (5) is normalised to 0/1. */
  if (m.type == PF_CTL_RECONFIGURED) {
    if (memcmp(re, b, 5) != 0 || re[5] != (b[5] != 0) ||
        memcmp(re + 6, b + 6, (size_t)k - 6) != 0)
      abort();
  } else if (memcmp(re, b, (size_t)k) != 0) {
    abort();
  }
}

static void check_dgram(const uint8_t *b, size_t n) {
  pf_ctl_audio a;
  pf_ctl_rumble r;
  uint8_t re[PF_CTL_RUMBLE_BYTES];

  switch (pf_ctl_dgram_kind(b, n)) {
  case PF_CTL_DGRAM_AUDIO:
    if (pf_ctl_audio_decode(&a, b, n) == 0 &&
        (a.payload != b + PF_CTL_AUDIO_HEADER_BYTES ||
         a.payload_len != n - PF_CTL_AUDIO_HEADER_BYTES))
      abort();
    break;
  case PF_CTL_DGRAM_RUMBLE:
    if (pf_ctl_rumble_decode(&r, b, n) == 0 &&
        (pf_ctl_rumble_encode(re, sizeof(re), &r) != 7 ||
         memcmp(re, b, 7) != 0))
      abort();
    break;
  default:
    break; /* planes we do not serve are ignored */
  }
}

static void check_reader(const uint8_t *b, size_t n) {
  size_t chunk, bound, off = 0, fed = 0, out = 0;

  if (n < 1)
    return;
  chunk = 1 + (b[0] & 0x1f);
  bound = (b[0] & 0x80) ? 0 : 64u * (size_t)(1 + ((b[0] >> 5) & 3));
  b++;
  n--;
  pf_ctl_reader_init(&reader, bound);
  while (off < n) {
    size_t len = chunk < n - off ? chunk : n - off;
    const uint8_t *in = b + off;

    off += len;
    fed += len;
    while (len > 0) {
      const uint8_t *msg;
      size_t used, mlen;
      int rv = pf_ctl_reader_feed(&reader, in, len, &used, &msg, &mlen);

      if (used > len)
        abort();
      if (rv < 0)
        return; /* failed for good: the connection would close */
      in += used;
      len -= used;
      if (rv == 1) {
        if (mlen > reader.max_len)
          abort();
        out += 2 + mlen;
        if (out > fed)
          abort();
        /* What a connection does with a message: try every decoder. */
        check_hello(msg, mlen);
        check_welcome(msg, mlen);
        check_typed(msg, mlen);
      } else if (len != 0) {
        abort();
      }
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *copy;
  size_t n;

  if (size < 1)
    return 0;
  n = size - 1;
  copy = malloc(n ? n : 1);
  if (!copy)
    abort();
  memcpy(copy, data + 1, n);
  switch (data[0] % 6) {
  case 0:
    check_hello(copy, n);
    break;
  case 1:
    check_welcome(copy, n);
    break;
  case 2:
    check_start(copy, n);
    break;
  case 3:
    check_typed(copy, n);
    break;
  case 4:
    check_dgram(copy, n);
    break;
  default:
    check_reader(copy, n);
    break;
  }
  free(copy);
  return 0;
}
