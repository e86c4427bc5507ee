/*
 * test_wire.c -- the 40-byte punktfunk/1 header codec (lib/dataplane/pf_wire.c):
 * round trip, truncation sweep, field positions pinned by a hand-built
 * header, byte accessors.
 */
#include <string.h>

#include "dataplane/pf_wire.h"
#include "testutil.h"

static pf_pkt_header sample(void) {
  pf_pkt_header h;

  memset(&h, 0, sizeof(h));
  h.pts_ns = 0x0807060504030201ull;
  h.frame_index = 0x0c0b0a09u;
  h.stream_seq = 0x100f0e0du;
  h.frame_bytes = 0x14131211u;
  h.user_flags = 0x18171615u;
  h.block_index = 0x1a19u;
  h.block_count = 0x1c1bu;
  h.data_shards = 0x1e1du;
  h.recovery_shards = 0x201fu;
  h.shard_index = 0x2221u;
  h.shard_bytes = 0x2423u;
  h.magic = 0xC9;
  h.version = 0x26;
  h.fec_scheme = 0x27;
  h.flags = 0x28;
  return h;
}

static int header_eq(const pf_pkt_header *a, const pf_pkt_header *b) {
  return a->pts_ns == b->pts_ns && a->frame_index == b->frame_index &&
         a->stream_seq == b->stream_seq && a->frame_bytes == b->frame_bytes &&
         a->user_flags == b->user_flags && a->block_index == b->block_index &&
         a->block_count == b->block_count &&
         a->data_shards == b->data_shards &&
         a->recovery_shards == b->recovery_shards &&
         a->shard_index == b->shard_index &&
         a->shard_bytes == b->shard_bytes && a->magic == b->magic &&
         a->version == b->version && a->fec_scheme == b->fec_scheme &&
         a->flags == b->flags;
}

/* Field offsets of doc/wire-format.md section 2, pinned byte by byte: every
 * field holds its own offsets as values (LE), so any shifted field shows. */
static void test_pf_wire_header_encode_positions(void) {
  static const char *hex = "0102030405060708"  /* pts_ns        @0  */
                           "090a0b0c"          /* frame_index   @8  */
                           "0d0e0f10"          /* stream_seq    @12 */
                           "11121314"          /* frame_bytes   @16 */
                           "15161718"          /* user_flags    @20 */
                           "191a"              /* block_index   @24 */
                           "1b1c"              /* block_count   @26 */
                           "1d1e"              /* data_shards   @28 */
                           "1f20"              /* recovery      @30 */
                           "2122"              /* shard_index   @32 */
                           "2324"              /* shard_bytes   @34 */
                           "c9"                /* magic         @36 */
                           "26"                /* version       @37 */
                           "27"                /* fec_scheme    @38 */
                           "28";               /* flags         @39 */
  uint8_t want[PF_WIRE_HEADER_BYTES], got[PF_WIRE_HEADER_BYTES + 1];
  pf_pkt_header h = sample();
  uint8_t *end;

  TU_CHECK_EQ(tu_hex_decode(hex, want, sizeof(want)), PF_WIRE_HEADER_BYTES);
  memset(got, 0xEE, sizeof(got));
  end = pf_wire_header_encode(got, &h);
  TU_CHECK(end == got + PF_WIRE_HEADER_BYTES);
  TU_CHECK(memcmp(got, want, sizeof(want)) == 0);
  TU_CHECK_EQ(got[PF_WIRE_HEADER_BYTES], 0xEE); /* no overrun */
}

static void test_pf_wire_header_round_trip(void) {
  uint8_t buf[PF_WIRE_HEADER_BYTES + 8];
  pf_pkt_header h = sample(), d;
  uint64_t st = 42;
  int i;

  pf_wire_header_encode(buf, &h);
  memset(&d, 0, sizeof(d));
  TU_CHECK_EQ(pf_wire_header_decode(&d, buf, PF_WIRE_HEADER_BYTES), 0);
  TU_CHECK(header_eq(&h, &d));
  /* Trailing bytes are ignored. */
  TU_CHECK_EQ(pf_wire_header_decode(&d, buf, sizeof(buf)), 0);
  TU_CHECK(header_eq(&h, &d));
  /* Random headers, including all-ones extremes. */
  for (i = 0; i < 200; i++) {
    uint64_t a = tu_splitmix64(&st), b = tu_splitmix64(&st),
             c = tu_splitmix64(&st), e = tu_splitmix64(&st);
    h.pts_ns = i == 0 ? UINT64_MAX : a;
    h.frame_index = (uint32_t)b;
    h.stream_seq = (uint32_t)(b >> 32);
    h.frame_bytes = (uint32_t)c;
    h.user_flags = (uint32_t)(c >> 32);
    h.block_index = (uint16_t)e;
    h.block_count = (uint16_t)(e >> 16);
    h.data_shards = (uint16_t)(e >> 32);
    h.recovery_shards = (uint16_t)(e >> 48);
    h.shard_index = (uint16_t)a;
    h.shard_bytes = (uint16_t)(a >> 16);
    h.magic = (uint8_t)(a >> 24);
    h.version = (uint8_t)(a >> 32);
    h.fec_scheme = (uint8_t)(a >> 40);
    h.flags = (uint8_t)(a >> 48);
    pf_wire_header_encode(buf, &h);
    TU_CHECK_EQ(pf_wire_header_decode(&d, buf, PF_WIRE_HEADER_BYTES), 0);
    TU_CHECK(header_eq(&h, &d));
  }
}

/* Every prefix shorter than 40 bytes is PF_ERR_MALFORMED. */
static void test_pf_wire_header_decode_truncated(void) {
  uint8_t buf[PF_WIRE_HEADER_BYTES];
  pf_pkt_header h = sample(), d;
  size_t n;

  pf_wire_header_encode(buf, &h);
  for (n = 0; n < PF_WIRE_HEADER_BYTES; n++)
    TU_CHECK_EQ(pf_wire_header_decode(&d, buf, n), PF_ERR_MALFORMED);
  TU_CHECK_EQ(pf_wire_header_decode(&d, NULL, 40), PF_ERR_MALFORMED);
}

/* One-bit flips change exactly the field that holds the bit. */
static void test_pf_wire_header_decode_bitflip(void) {
  uint8_t buf[PF_WIRE_HEADER_BYTES], re[PF_WIRE_HEADER_BYTES];
  pf_pkt_header h = sample(), d;
  size_t bit;

  for (bit = 0; bit < 8 * PF_WIRE_HEADER_BYTES; bit++) {
    pf_wire_header_encode(buf, &h);
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    TU_CHECK_EQ(pf_wire_header_decode(&d, buf, sizeof(buf)), 0);
    TU_CHECK(!header_eq(&h, &d));
    pf_wire_header_encode(re, &d);
    TU_CHECK(memcmp(re, buf, sizeof(buf)) == 0);
  }
}

static void test_pf_wire_accessors(void) {
  uint8_t b[8];

  TU_CHECK(pf_put_u64be(b, 0x0102030405060708ull) == b + 8);
  TU_CHECK(b[0] == 1 && b[7] == 8);
  TU_CHECK(pf_get_u64be(b) == 0x0102030405060708ull);
  TU_CHECK(pf_get_u64le(b) == 0x0807060504030201ull);
  TU_CHECK(pf_put_u16le(b, 0xBEEF) == b + 2 && b[0] == 0xEF && b[1] == 0xBE);
  TU_CHECK(pf_get_u16le(b) == 0xBEEF);
  TU_CHECK(pf_put_u32le(b, 0xDEADBEEFu) == b + 4 && b[3] == 0xDE);
  TU_CHECK(pf_get_u32le(b) == 0xDEADBEEFu);
  /* The public and internal sizes agree. */
  TU_CHECK_EQ(PF_PKT_HEADER_BYTES, PF_WIRE_HEADER_BYTES);
  TU_CHECK_EQ(PF_PKT_CRYPTO_OVERHEAD, PF_WIRE_CRYPTO_OVERHEAD);
  TU_CHECK_EQ(PF_PKT_MAX_DATAGRAM, PF_WIRE_MAX_DATAGRAM);
  TU_CHECK_EQ(PF_PKT_MIN_SHARD_PAYLOAD, PF_WIRE_MIN_SHARD);
  TU_CHECK_EQ(PF_PKT_MAX_SHARD_PAYLOAD,
              PF_WIRE_MAX_DATAGRAM - PF_WIRE_HEADER_BYTES -
                  PF_WIRE_CRYPTO_OVERHEAD);
}

int main(void) {
  test_pf_wire_header_encode_positions();
  test_pf_wire_header_round_trip();
  test_pf_wire_header_decode_truncated();
  test_pf_wire_header_decode_bitflip();
  test_pf_wire_accessors();
  return tu_finish("test_wire");
}
