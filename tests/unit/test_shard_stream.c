/*
 * test_shard_stream.c -- the shard-stream record codec: CRC-32C, a
 * frozen known-answer header, round trips, a truncation sweep over every
 * prefix, a bit-flip sweep over every bit of a record, and the field
 * bounds (each checked under a valid checksum).
 */
#include <string.h>

#include "fec/pf_shard_stream.h"
#include "testutil.h"

/* Bitwise CRC-32C, independent of the table/SSE4.2 code under test. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t len) {
  uint32_t crc = 0xffffffffu;
  int b;

  while (len--) {
    crc ^= *p++;
    for (b = 0; b < 8; b++)
      crc = (crc & 1u) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

static void test_pf_crc32c(void) {
  static uint8_t buf[4099];
  size_t len, split;

  TU_CHECK_EQ(pf_crc32c(0, (const uint8_t *)"123456789", 9), 0xE3069283u);
  TU_CHECK_EQ(pf_crc32c(0, NULL, 0), 0);
  tu_fill(7, buf, sizeof(buf));
  for (len = 0; len < sizeof(buf); len += len < 40 ? 1 : 97) {
    TU_CHECK_MSG(pf_crc32c(0, buf, len) == crc32c_bitwise(buf, len),
                 "length %zu", len);
    split = len / 3;
    TU_CHECK_MSG(pf_crc32c(pf_crc32c(0, buf, split), buf + split,
                           len - split) == crc32c_bitwise(buf, len),
                 "chained at %zu of %zu", split, len);
  }
}

static void sample_record(pf_shard_record *rec, const uint8_t *payload) {
  memset(rec, 0, sizeof(*rec));
  rec->fec_scheme = PF_FEC_GF16;
  rec->flags = PF_SHARD_FLAG_FINAL;
  rec->data_shards = 3;
  rec->parity_shards = 2;
  rec->index = 4;
  rec->shard_bytes = 6;
  rec->data_bytes = 13;
  rec->block = 0x0102030405060708ull;
  rec->payload = payload;
}

/* The header bytes of sample_record(), computed independently (Python,
 * doc/shard-stream.md layout).  A change here is a format change. */
static const char sample_hex[] =
    "50465348010101000300020004000000060000000d000000"
    "0807060504030201abfb4d4fec99c491";

static void test_pf_shard_record_encode_kat(void) {
  static const uint8_t payload[6] = {1, 2, 3, 4, 5, 6};
  uint8_t want[PF_SHARD_HEADER_BYTES], got[PF_SHARD_HEADER_BYTES + 1];
  pf_shard_record rec;

  TU_CHECK_EQ(tu_hex_decode(sample_hex, want, sizeof(want)),
              PF_SHARD_HEADER_BYTES);
  sample_record(&rec, payload);
  memset(got, 0xee, sizeof(got));
  TU_CHECK_EQ(pf_shard_record_encode(got, sizeof(got), &rec),
              PF_SHARD_HEADER_BYTES);
  TU_CHECK(memcmp(got, want, sizeof(want)) == 0);
  TU_CHECK_EQ(got[PF_SHARD_HEADER_BYTES], 0xee); /* nothing past it */
  TU_CHECK_EQ(sizeof(PF_SHARD_MAGIC) - 1, 4);
  TU_CHECK(memcmp(got, PF_SHARD_MAGIC, 4) == 0);
}

/* Builds header + payload into |buf|; returns the record length. */
static size_t build(uint8_t *buf, size_t cap, const pf_shard_record *rec) {
  int rv = pf_shard_record_encode(buf, cap, rec);

  TU_CHECK_EQ(rv, PF_SHARD_HEADER_BYTES);
  memcpy(buf + PF_SHARD_HEADER_BYTES, rec->payload, rec->shard_bytes);
  return PF_SHARD_HEADER_BYTES + rec->shard_bytes;
}

static int same_fields(const pf_shard_record *a, const pf_shard_record *b) {
  return a->fec_scheme == b->fec_scheme && a->flags == b->flags &&
         a->data_shards == b->data_shards &&
         a->parity_shards == b->parity_shards && a->index == b->index &&
         a->shard_bytes == b->shard_bytes && a->data_bytes == b->data_bytes &&
         a->block == b->block;
}

static void test_pf_shard_record_parse_roundtrip(void) {
  static uint8_t payload[PF_SHARD_MAX_SHARD_BYTES];
  static uint8_t buf[PF_SHARD_MAX_RECORD_BYTES + 8];
  static const struct {
    uint32_t fec_scheme, flags, k, m, index, size, data_bytes;
    uint64_t block;
  } cases[] = {
      {PF_FEC_GF8, 0, 4, 2, 0, 64, 256, 0},
      {PF_FEC_GF8, PF_SHARD_FLAG_FINAL, 4, 2, 5, 64, 0, 1},
      {PF_FEC_GF8, PF_SHARD_FLAG_FINAL, 1, 1, 1, 1, 1, 7},
      {PF_FEC_GF8, 0, 254, 1, 254, 65536, 254u * 65536u, UINT64_MAX},
      {PF_FEC_GF8, PF_SHARD_FLAG_FINAL, 1, 254, 200, 1400, 17, 3},
      {PF_FEC_GF16, 0, 1000, 24, 1023, 65536, 1000u * 65536u, 1ull << 40},
      {PF_FEC_GF16, PF_SHARD_FLAG_FINAL, 65534, 1, 65534, 2, 3, 0},
      {PF_FEC_GF16, PF_SHARD_FLAG_FINAL, 10, 4, 9, 1400, 13999, 42},
  };
  size_t i, len;
  pf_shard_record rec, out;
  int rv;

  tu_fill(1, payload, sizeof(payload));
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    memset(&rec, 0, sizeof(rec));
    rec.fec_scheme = cases[i].fec_scheme;
    rec.flags = cases[i].flags;
    rec.data_shards = cases[i].k;
    rec.parity_shards = cases[i].m;
    rec.index = cases[i].index;
    rec.shard_bytes = cases[i].size;
    rec.data_bytes = cases[i].data_bytes;
    rec.block = cases[i].block;
    rec.payload = payload;
    len = build(buf, sizeof(buf), &rec);
    /* Extra bytes after the record are not looked at. */
    rv = pf_shard_record_parse(&out, buf, len + 8);
    TU_CHECK_MSG(rv == (int)len, "case %zu: rv %d", i, rv);
    TU_CHECK_MSG(same_fields(&rec, &out), "case %zu: fields differ", i);
    TU_CHECK(out.payload == buf + PF_SHARD_HEADER_BYTES);
    rv = pf_shard_header_parse(&out, buf, PF_SHARD_HEADER_BYTES);
    TU_CHECK_EQ(rv, PF_SHARD_HEADER_BYTES);
    TU_CHECK(same_fields(&rec, &out));
    TU_CHECK(out.payload == NULL);
  }
}

/* Every prefix of a record is "need more", never a crash or success. */
static void test_pf_shard_record_parse_truncated(void) {
  uint8_t payload[100], buf[PF_SHARD_HEADER_BYTES + 100];
  pf_shard_record rec, out;
  size_t len, total;
  int rv;

  tu_fill(2, payload, sizeof(payload));
  sample_record(&rec, payload);
  rec.fec_scheme = PF_FEC_GF8;
  rec.shard_bytes = sizeof(payload);
  total = build(buf, sizeof(buf), &rec);
  for (len = 0; len < total; len++) {
    memset(&out, 0xa5, sizeof(out));
    rv = pf_shard_record_parse(&out, buf, len);
    TU_CHECK_MSG(rv == PF_ERR_NOBUF, "prefix %zu: rv %d", len, rv);
    if (len < PF_SHARD_HEADER_BYTES)
      TU_CHECK_MSG(out.shard_bytes == 0 && out.payload == NULL,
                   "prefix %zu: record not zeroed", len);
    else
      TU_CHECK_MSG(same_fields(&rec, &out) && out.payload == NULL,
                   "prefix %zu: header not returned", len);
    if (len < PF_SHARD_HEADER_BYTES)
      TU_CHECK_EQ(pf_shard_header_parse(&out, buf, len), PF_ERR_NOBUF);
  }
  TU_CHECK_EQ(pf_shard_record_parse(&out, buf, total), (int)total);
}

/* Every single-bit flip is detected, and classified by where it is. */
static void test_pf_shard_record_parse_bitflip(void) {
  uint8_t payload[37], buf[PF_SHARD_HEADER_BYTES + 37];
  pf_shard_record rec, out;
  size_t total, byte;
  int bit, rv, want;

  tu_fill(3, payload, sizeof(payload));
  sample_record(&rec, payload);
  rec.fec_scheme = PF_FEC_GF8;
  rec.flags = 0;
  rec.shard_bytes = sizeof(payload);
  rec.data_bytes = 3 * sizeof(payload);
  total = build(buf, sizeof(buf), &rec);
  for (byte = 0; byte < total; byte++) {
    for (bit = 0; bit < 8; bit++) {
      buf[byte] ^= (uint8_t)(1u << bit);
      rv = pf_shard_record_parse(&out, buf, total);
      if (byte < 4)
        want = PF_ERR_MALFORMED;
      else if (byte == PF_SHARD_OFF_VERSION)
        want = PF_ERR_UNSUPPORTED;
      else
        want = PF_ERR_CHECKSUM;
      TU_CHECK_MSG(rv == want, "byte %zu bit %d: rv %d, want %d", byte, bit,
                   rv, want);
      /* Only a payload flip leaves a usable header (and length). */
      if (byte >= PF_SHARD_HEADER_BYTES)
        TU_CHECK_MSG(same_fields(&rec, &out) &&
                         out.payload == buf + PF_SHARD_HEADER_BYTES,
                     "byte %zu bit %d: header lost", byte, bit);
      else
        TU_CHECK_MSG(out.shard_bytes == 0, "byte %zu bit %d: not zeroed",
                     byte, bit);
      buf[byte] ^= (uint8_t)(1u << bit);
    }
  }
  TU_CHECK_EQ(pf_shard_record_parse(&out, buf, total), (int)total);
}

/* Writes a header from raw field values with a valid header checksum. */
static void raw_header(uint8_t *h, uint32_t version, uint32_t fec_scheme,
                       uint32_t flags, uint32_t res8, uint32_t k, uint32_t m,
                       uint32_t index, uint32_t res16, uint32_t size,
                       uint32_t data_bytes) {
  uint32_t crc;
  size_t i;

  memset(h, 0, PF_SHARD_HEADER_BYTES);
  memcpy(h, PF_SHARD_MAGIC, 4);
  h[4] = (uint8_t)version;
  h[5] = (uint8_t)fec_scheme;
  h[6] = (uint8_t)flags;
  h[7] = (uint8_t)res8;
  h[8] = (uint8_t)k;
  h[9] = (uint8_t)(k >> 8);
  h[10] = (uint8_t)m;
  h[11] = (uint8_t)(m >> 8);
  h[12] = (uint8_t)index;
  h[13] = (uint8_t)(index >> 8);
  h[14] = (uint8_t)res16;
  h[15] = (uint8_t)(res16 >> 8);
  for (i = 0; i < 4; i++) {
    h[16 + i] = (uint8_t)(size >> (8 * i));
    h[20 + i] = (uint8_t)(data_bytes >> (8 * i));
  }
  crc = pf_crc32c(0, h, PF_SHARD_OFF_HEADER_CRC);
  for (i = 0; i < 4; i++)
    h[36 + i] = (uint8_t)(crc >> (8 * i));
}

static void test_pf_shard_header_parse_bounds(void) {
  static const struct {
    uint32_t version, fec_scheme, flags, res8, k, m, index, res16, size, data;
    int want;
  } cases[] = {
      /* valid edges */
      {1, 0, 1, 0, 1, 1, 1, 0, 1, 0, PF_SHARD_HEADER_BYTES},
      {1, 0, 0, 0, 254, 1, 254, 0, 65536, 254u * 65536u,
       PF_SHARD_HEADER_BYTES},
      {1, 1, 1, 0, 1000, 24, 0, 0, 65536, 0, PF_SHARD_HEADER_BYTES},
      {1, 1, 1, 0, 65534, 1, 0, 0, 1024, 0, PF_SHARD_HEADER_BYTES},
      /* version, fec_scheme, flags, reserved */
      {2, 0, 1, 0, 4, 2, 0, 0, 64, 0, PF_ERR_UNSUPPORTED},
      {0, 0, 1, 0, 4, 2, 0, 0, 64, 0, PF_ERR_UNSUPPORTED},
      {1, 2, 1, 0, 4, 2, 0, 0, 64, 0, PF_ERR_MALFORMED},
      {1, 0, 2, 0, 4, 2, 0, 0, 64, 0, PF_ERR_MALFORMED},
      {1, 0, 0x81, 0, 4, 2, 0, 0, 64, 0, PF_ERR_MALFORMED},
      {1, 0, 1, 1, 4, 2, 0, 0, 64, 0, PF_ERR_MALFORMED},
      {1, 0, 1, 0, 4, 2, 0, 1, 64, 0, PF_ERR_MALFORMED},
      /* shard counts and index */
      {1, 0, 1, 0, 0, 2, 0, 0, 64, 0, PF_ERR_MALFORMED},
      {1, 0, 1, 0, 4, 0, 0, 0, 64, 0, PF_ERR_MALFORMED},
      {1, 0, 1, 0, 200, 56, 0, 0, 64, 0, PF_ERR_MALFORMED},
      {1, 0, 1, 0, 4, 2, 6, 0, 64, 0, PF_ERR_MALFORMED},
      {1, 0, 1, 0, 4, 2, 65535, 0, 64, 0, PF_ERR_MALFORMED},
      {1, 1, 1, 0, 65535, 1, 0, 0, 2, 0, PF_ERR_MALFORMED},
      {1, 1, 1, 0, 65535, 65535, 0, 0, 2, 0, PF_ERR_MALFORMED},
      /* sizes */
      {1, 0, 1, 0, 4, 2, 0, 0, 0, 0, PF_ERR_MALFORMED},
      {1, 0, 1, 0, 4, 2, 0, 0, 65537, 0, PF_ERR_MALFORMED},
      {1, 0, 1, 0, 4, 2, 0, 0, 0xffffffffu, 0, PF_ERR_MALFORMED},
      {1, 1, 1, 0, 4, 2, 0, 0, 63, 0, PF_ERR_MALFORMED},
      {1, 1, 1, 0, 1000, 25, 0, 0, 65536, 0, PF_ERR_MALFORMED},
      {1, 1, 1, 0, 65534, 1, 0, 0, 1026, 0, PF_ERR_MALFORMED},
      {1, 0, 1, 0, 4, 2, 0, 0, 64, 257, PF_ERR_MALFORMED},
      {1, 0, 1, 0, 4, 2, 0, 0, 64, 0xffffffffu, PF_ERR_MALFORMED},
      /* only the final block may be short */
      {1, 0, 0, 0, 4, 2, 0, 0, 64, 255, PF_ERR_MALFORMED},
      {1, 0, 0, 0, 4, 2, 0, 0, 64, 0, PF_ERR_MALFORMED},
      {1, 0, 1, 0, 4, 2, 0, 0, 64, 256, PF_SHARD_HEADER_BYTES},
  };
  uint8_t h[PF_SHARD_HEADER_BYTES];
  pf_shard_record rec;
  size_t i;
  int rv;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    raw_header(h, cases[i].version, cases[i].fec_scheme, cases[i].flags,
               cases[i].res8, cases[i].k, cases[i].m, cases[i].index,
               cases[i].res16, cases[i].size, cases[i].data);
    rv = pf_shard_header_parse(&rec, h, sizeof(h));
    TU_CHECK_MSG(rv == cases[i].want, "case %zu: rv %d, want %d", i, rv,
                 cases[i].want);
    if (rv < 0)
      TU_CHECK_MSG(rec.shard_bytes == 0, "case %zu: not zeroed", i);
    /* The encoder refuses exactly what the parser refuses. */
    if (cases[i].version == 1 && cases[i].res8 == 0 && cases[i].res16 == 0) {
      uint8_t out[PF_SHARD_HEADER_BYTES];
      static uint8_t payload[PF_SHARD_MAX_SHARD_BYTES];
      pf_shard_record r;
      memset(&r, 0, sizeof(r));
      r.fec_scheme = cases[i].fec_scheme;
      r.flags = cases[i].flags;
      r.data_shards = cases[i].k;
      r.parity_shards = cases[i].m;
      r.index = cases[i].index;
      r.shard_bytes = cases[i].size;
      r.data_bytes = cases[i].data;
      r.payload = payload;
      rv = pf_shard_record_encode(out, sizeof(out), &r);
      TU_CHECK_MSG((rv == (int)PF_SHARD_HEADER_BYTES) ==
                       (cases[i].want == (int)PF_SHARD_HEADER_BYTES),
                   "case %zu: encode rv %d", i, rv);
    }
  }
}

static void test_pf_shard_record_encode_args(void) {
  static const uint8_t payload[6] = {1, 2, 3, 4, 5, 6};
  uint8_t out[PF_SHARD_HEADER_BYTES];
  pf_shard_record rec;

  sample_record(&rec, payload);
  TU_CHECK_EQ(pf_shard_record_encode(NULL, sizeof(out), &rec),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_shard_record_encode(out, sizeof(out), NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_shard_record_encode(out, sizeof(out) - 1, &rec),
              PF_ERR_NOBUF);
  rec.payload = NULL;
  TU_CHECK_EQ(pf_shard_record_encode(out, sizeof(out), &rec),
              PF_ERR_INVALID_ARGUMENT);
  sample_record(&rec, payload);
  rec.shard_bytes = 5; /* odd for GF16 */
  TU_CHECK_EQ(pf_shard_record_encode(out, sizeof(out), &rec),
              PF_ERR_INVALID_ARGUMENT);
  sample_record(&rec, payload);
  rec.index = 5;
  TU_CHECK_EQ(pf_shard_record_encode(out, sizeof(out), &rec),
              PF_ERR_INVALID_ARGUMENT);

  TU_CHECK_EQ(pf_shard_record_parse(NULL, out, sizeof(out)),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_shard_header_parse(NULL, out, sizeof(out)),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_shard_record_parse(&rec, NULL, 1), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_shard_record_parse(&rec, NULL, 0), PF_ERR_NOBUF);
}

int main(void) {
  test_pf_crc32c();
  test_pf_shard_record_encode_kat();
  test_pf_shard_record_parse_roundtrip();
  test_pf_shard_record_parse_truncated();
  test_pf_shard_record_parse_bitflip();
  test_pf_shard_header_parse_bounds();
  test_pf_shard_record_encode_args();
  return tu_finish("test_shard_stream");
}
