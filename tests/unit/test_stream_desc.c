/*
 * test_stream_desc.c -- the START / END stream descriptor codec
 * (lib/pf_stream_desc.c): field positions pinned by hand, round trip,
 * truncation sweep, a bit flip in every header byte, bad arguments.
 */
#include <string.h>

#include <punktfunk/punktfunk.h>

#include "testutil.h"

static pf_stream_desc sample(void) {
  pf_stream_desc d;
  size_t i;

  memset(&d, 0, sizeof(d));
  d.type = PF_STREAM_DESC_END;
  d.fec = PF_FEC_GF16;
  d.framing = 5;
  d.framing_arg = 0x01020304u;
  d.shard_payload = 0x11121314u;
  d.max_data_per_block = 0x21222324u;
  d.fec_percent = 0x31323334u;
  d.stream_id = 0x4142434445464748ull;
  d.frames = 0x5152535455565758ull;
  d.bytes = 0x6162636465666768ull;
  for (i = 0; i < sizeof(d.app); i++)
    d.app[i] = (uint8_t)(0x80 + i);
  d.first_seq = 0x7172737475767778ull;
  return d;
}

static int desc_eq(const pf_stream_desc *a, const pf_stream_desc *b) {
  return a->type == b->type && a->fec == b->fec && a->framing == b->framing &&
         a->framing_arg == b->framing_arg &&
         a->shard_payload == b->shard_payload &&
         a->max_data_per_block == b->max_data_per_block &&
         a->fec_percent == b->fec_percent && a->stream_id == b->stream_id &&
         a->frames == b->frames && a->bytes == b->bytes &&
         memcmp(a->app, b->app, sizeof(a->app)) == 0 &&
         a->first_seq == b->first_seq;
}

static void test_positions(void) {
  pf_stream_desc d = sample();
  uint8_t b[PF_STREAM_DESC_BYTES];

  TU_CHECK_EQ(pf_stream_desc_encode(b, sizeof(b), &d),
              (int)PF_STREAM_DESC_BYTES);
  TU_CHECK(memcmp(b, "PFsr", 4) == 0);
  TU_CHECK_EQ(b[4], PF_STREAM_DESC_VERSION);
  TU_CHECK_EQ(b[5], PF_STREAM_DESC_END);
  TU_CHECK_EQ(b[6], PF_FEC_GF16);
  TU_CHECK_EQ(b[7], 5);
  TU_CHECK(b[8] == 0x11 && b[11] == 0x14);  /* shard_payload, BE */
  TU_CHECK(b[12] == 0x21 && b[15] == 0x24); /* max_data_per_block */
  TU_CHECK(b[16] == 0x31 && b[19] == 0x34); /* fec_percent */
  TU_CHECK(b[20] == 0x01 && b[23] == 0x04); /* framing_arg */
  TU_CHECK(b[24] == 0x41 && b[31] == 0x48); /* stream_id */
  TU_CHECK(b[32] == 0x51 && b[39] == 0x58); /* frames */
  TU_CHECK(b[40] == 0x61 && b[47] == 0x68); /* bytes */
  TU_CHECK(b[48] == 0x80 && b[79] == 0x80 + 31); /* app */
  TU_CHECK(b[80] == 0x71 && b[87] == 0x78); /* first_seq */
}

static void test_round_trip(void) {
  pf_stream_desc d = sample(), e;
  uint8_t b[PF_STREAM_DESC_BYTES + 8];

  TU_CHECK_EQ(pf_stream_desc_encode(b, sizeof(b), &d),
              (int)PF_STREAM_DESC_BYTES);
  TU_CHECK_EQ(pf_stream_desc_decode(&e, b, PF_STREAM_DESC_BYTES), 0);
  TU_CHECK(desc_eq(&d, &e));
  /* Appended bytes (a later version's fields) are ignored. */
  memset(b + PF_STREAM_DESC_BYTES, 0xee, 8);
  TU_CHECK_EQ(pf_stream_desc_decode(&e, b, sizeof(b)), 0);
  TU_CHECK(desc_eq(&d, &e));
  d.type = PF_STREAM_DESC_START;
  d.fec = PF_STREAM_DESC_FEC_NONE;
  TU_CHECK_EQ(pf_stream_desc_encode(b, sizeof(b), &d),
              (int)PF_STREAM_DESC_BYTES);
  TU_CHECK_EQ(pf_stream_desc_decode(&e, b, PF_STREAM_DESC_BYTES), 0);
  TU_CHECK(desc_eq(&d, &e));
}

static void test_truncated(void) {
  pf_stream_desc d = sample(), e;
  uint8_t b[PF_STREAM_DESC_BYTES];
  size_t n;

  TU_CHECK_EQ(pf_stream_desc_encode(b, sizeof(b), &d),
              (int)PF_STREAM_DESC_BYTES);
  for (n = 0; n < PF_STREAM_DESC_BYTES; n++) {
    memset(&e, 0xa5, sizeof(e));
    TU_CHECK_EQ(pf_stream_desc_decode(&e, b, n), PF_ERR_MALFORMED);
    TU_CHECK_EQ(e.type, 0); /* zeroed on failure */
  }
  TU_CHECK_EQ(pf_stream_desc_decode(&e, NULL, 0), PF_ERR_MALFORMED);
  for (n = 0; n < PF_STREAM_DESC_BYTES; n++)
    TU_CHECK_EQ(pf_stream_desc_encode(b, n, &d), PF_ERR_NOBUF);
}

static void test_bitflip(void) {
  pf_stream_desc d = sample(), e;
  uint8_t b[PF_STREAM_DESC_BYTES];
  size_t i;
  int bit;

  TU_CHECK_EQ(pf_stream_desc_encode(b, sizeof(b), &d),
              (int)PF_STREAM_DESC_BYTES);
  /* Every flip in magic, version or type is refused ... */
  for (i = 0; i < 6; i++)
    for (bit = 0; bit < 8; bit++) {
      b[i] ^= (uint8_t)(1u << bit);
      if (i == 5 && (b[5] == PF_STREAM_DESC_START))
        TU_CHECK_EQ(pf_stream_desc_decode(&e, b, sizeof(b)), 0);
      else
        TU_CHECK_EQ(pf_stream_desc_decode(&e, b, sizeof(b)),
                    PF_ERR_MALFORMED);
      b[i] ^= (uint8_t)(1u << bit);
    }
  /* ... and every flip elsewhere changes exactly the field it hits (the
   * descriptor travels sealed: the AEAD, not the codec, rejects it). */
  for (i = 6; i < sizeof(b); i++) {
    b[i] ^= 0x10;
    TU_CHECK_EQ(pf_stream_desc_decode(&e, b, sizeof(b)), 0);
    TU_CHECK(!desc_eq(&d, &e));
    b[i] ^= 0x10;
  }
  TU_CHECK_EQ(pf_stream_desc_decode(&e, b, sizeof(b)), 0);
  TU_CHECK(desc_eq(&d, &e));
}

static void test_bad_args(void) {
  pf_stream_desc d = sample();
  uint8_t b[PF_STREAM_DESC_BYTES];

  TU_CHECK_EQ(pf_stream_desc_encode(NULL, sizeof(b), &d),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_stream_desc_encode(b, sizeof(b), NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_stream_desc_decode(NULL, b, sizeof(b)),
              PF_ERR_INVALID_ARGUMENT);
  d.type = 3;
  TU_CHECK_EQ(pf_stream_desc_encode(b, sizeof(b), &d),
              PF_ERR_INVALID_ARGUMENT);
  d = sample();
  d.fec = 256;
  TU_CHECK_EQ(pf_stream_desc_encode(b, sizeof(b), &d),
              PF_ERR_INVALID_ARGUMENT);
  d = sample();
  d.framing = 300;
  TU_CHECK_EQ(pf_stream_desc_encode(b, sizeof(b), &d),
              PF_ERR_INVALID_ARGUMENT);
  /* The copy count both tools rely on: data frames start after it. */
  TU_CHECK_EQ(PF_STREAM_DESC_START_COPIES, 2u);
  TU_CHECK((PF_USER_FLAG_STREAM_DESC & PF_USER_FLAG_PROBE) == 0);
}

int main(void) {
  test_positions();
  test_round_trip();
  test_truncated();
  test_bitflip();
  test_bad_args();
  return tu_finish("test_stream_desc");
}
