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

/* ---- the stream reader ------------------------------------------------ */

/*
 * A stream of |nrec| records: block b has k = 2, m = 1 (GF8), shard size
 * 8 + 3 * b, so records differ in length; the last block is final.
 * Returns the length; rec_off[i] is where record i starts.
 */
#define RS_MAXREC 9
static size_t make_stream(uint8_t *buf, size_t cap, size_t nrec,
                          size_t *rec_off) {
  uint8_t payload[64];
  pf_shard_record rec;
  size_t i, len = 0;

  for (i = 0; i < nrec; i++) {
    uint32_t b = (uint32_t)(i / 3);
    memset(&rec, 0, sizeof(rec));
    rec.fec_scheme = PF_FEC_GF8;
    rec.data_shards = 2;
    rec.parity_shards = 1;
    rec.index = (uint32_t)(i % 3);
    rec.shard_bytes = 8 + 3 * b;
    rec.block = b;
    rec.flags = b == (nrec - 1) / 3 ? PF_SHARD_FLAG_FINAL : 0;
    rec.data_bytes = rec.flags ? 5 : 2 * rec.shard_bytes;
    tu_fill(100 + i, payload, rec.shard_bytes);
    rec.payload = payload;
    TU_CHECK(len + PF_SHARD_HEADER_BYTES + rec.shard_bytes <= cap);
    rec_off[i] = len;
    len += build(buf + len, cap - len, &rec);
  }
  rec_off[nrec] = len;
  return len;
}

/* One event as the tests compare them (pointers replaced by offsets). */
typedef struct {
  int rv;
  uint32_t why, version;
  uint64_t offset, length, need;
  uint64_t block;
  uint32_t index, shard_bytes;
} rs_ev;

/*
 * Runs a reader over |data| fed in chunks of |chunk| bytes (0: use
 * buffer/commit with the whole free space), ending the input after the
 * last byte.  Stores up to |cap| events up to and including END or an
 * error; returns their number.  Checks on the way that the events cover
 * the input without gaps and that a record's bytes are the input's.
 */
static size_t read_all(const uint8_t *data, size_t len, size_t chunk,
                       rs_ev *evs, size_t cap) {
  pf_shard_reader *r = NULL;
  pf_shard_event ev;
  size_t fed = 0, n = 0, guard = 0;
  uint64_t next_off = 0;
  int rv;

  TU_CHECK_EQ(pf_shard_reader_new(&r, NULL), 0);
  if (!r)
    return 0;
  while (n < cap && guard++ < 10 * len + 1000) {
    rv = pf_shard_reader_next(r, &ev);
    if (rv == PF_SHARD_NEED_INPUT) {
      size_t space, take;
      uint8_t *dst = pf_shard_reader_buffer(r, &space);
      TU_CHECK(space > 0);
      if (fed == len) {
        pf_shard_reader_end(r);
        continue;
      }
      take = len - fed;
      if (chunk && take > chunk)
        take = chunk;
      if (chunk) {
        take = pf_shard_reader_feed(r, data + fed, take);
      } else {
        if (take > space)
          take = space;
        memcpy(dst, data + fed, take);
        TU_CHECK_EQ(pf_shard_reader_commit(r, take), 0);
      }
      TU_CHECK(take > 0);
      fed += take;
      continue;
    }
    memset(&evs[n], 0, sizeof(evs[n]));
    evs[n].rv = rv;
    evs[n].why = ev.why;
    evs[n].version = ev.version;
    evs[n].offset = ev.offset;
    evs[n].length = ev.length;
    evs[n].need = ev.need;
    evs[n].block = ev.rec.block;
    evs[n].index = ev.rec.index;
    evs[n].shard_bytes = ev.rec.shard_bytes;
    n++;
    TU_CHECK_MSG(ev.offset == next_off, "event at %llu, expected %llu",
                 (unsigned long long)ev.offset,
                 (unsigned long long)next_off);
    if (rv == PF_SHARD_EV_RECORD || rv == PF_SHARD_EV_BAD_PAYLOAD) {
      TU_CHECK(ev.bytes != NULL && ev.offset + ev.length <= len &&
               memcmp(ev.bytes, data + ev.offset, ev.length) == 0);
      TU_CHECK(ev.rec.payload == ev.bytes + PF_SHARD_HEADER_BYTES);
    }
    if (rv < 0 || rv == PF_SHARD_EV_END)
      break;
    next_off = ev.offset + ev.length;
  }
  pf_shard_reader_del(r);
  return n;
}

static int same_events(const rs_ev *a, size_t na, const rs_ev *b, size_t nb) {
  return na == nb && memcmp(a, b, na * sizeof(*a)) == 0;
}

/* Every record comes out, in every chunking, then END at the length. */
static void test_pf_shard_reader_roundtrip(void) {
  static uint8_t buf[4096];
  static const size_t chunks[] = {0, 1, 2, 3, 7, 40, 41, 4096};
  size_t off[RS_MAXREC + 1], len, n, i, c;
  rs_ev evs[RS_MAXREC + 2], ref[RS_MAXREC + 2];
  size_t nref;

  len = make_stream(buf, sizeof(buf), RS_MAXREC, off);
  nref = read_all(buf, len, 0, ref, RS_MAXREC + 2);
  TU_CHECK_EQ(nref, RS_MAXREC + 1);
  for (i = 0; i < RS_MAXREC && i < nref; i++) {
    TU_CHECK_EQ(ref[i].rv, PF_SHARD_EV_RECORD);
    TU_CHECK_EQ(ref[i].offset, off[i]);
    TU_CHECK_EQ(ref[i].length, off[i + 1] - off[i]);
    TU_CHECK_EQ(ref[i].block, i / 3);
    TU_CHECK_EQ(ref[i].index, i % 3);
    TU_CHECK_EQ(ref[i].why, PF_SHARD_WHY_NONE);
  }
  TU_CHECK_EQ(ref[nref - 1].rv, PF_SHARD_EV_END);
  TU_CHECK_EQ(ref[nref - 1].offset, len);
  for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
    n = read_all(buf, len, chunks[c], evs, RS_MAXREC + 2);
    TU_CHECK_MSG(same_events(evs, n, ref, nref), "chunk %zu differs",
                 chunks[c]);
  }
  /* An empty input is an empty stream. */
  n = read_all(buf, 0, 0, evs, 2);
  TU_CHECK(n == 1 && evs[0].rv == PF_SHARD_EV_END && evs[0].offset == 0);
}

/* Cut at every byte: the whole records, then END at a boundary or a
 * truncation error naming what is there and what was needed. */
static void test_pf_shard_reader_truncated(void) {
  static uint8_t buf[4096];
  size_t off[RS_MAXREC + 1], len, cut, n, whole, i;
  rs_ev evs[RS_MAXREC + 2];

  len = make_stream(buf, sizeof(buf), 6, off);
  for (cut = 0; cut <= len; cut++) {
    n = read_all(buf, cut, cut % 5, evs, RS_MAXREC + 2);
    for (whole = 0; off[whole + 1] <= cut && whole < 6; whole++)
      ;
    TU_CHECK_MSG(n == whole + 1, "cut %zu: %zu events", cut, n);
    for (i = 0; i < whole && i < n; i++)
      TU_CHECK(evs[i].rv == PF_SHARD_EV_RECORD);
    if (n != whole + 1)
      continue;
    if (cut == off[whole]) {
      TU_CHECK_MSG(evs[whole].rv == PF_SHARD_EV_END, "cut %zu", cut);
      continue;
    }
    TU_CHECK_MSG(evs[whole].rv == PF_ERR_MALFORMED &&
                     evs[whole].why == PF_SHARD_WHY_TRUNCATED &&
                     evs[whole].offset == off[whole] &&
                     evs[whole].length == cut - off[whole],
                 "cut %zu: rv %d why %u", cut, evs[whole].rv,
                 evs[whole].why);
    if (cut - off[whole] < PF_SHARD_HEADER_BYTES)
      TU_CHECK_MSG(evs[whole].need == PF_SHARD_HEADER_BYTES &&
                       evs[whole].shard_bytes == 0,
                   "cut %zu", cut);
    else
      TU_CHECK_MSG(evs[whole].need == off[whole + 1] - off[whole] &&
                       evs[whole].index == whole % 3,
                   "cut %zu: need %llu", cut,
                   (unsigned long long)evs[whole].need);
  }
}

/*
 * Every bit flip of a 6-record stream: a payload flip is one
 * BAD_PAYLOAD; a header flip in record 0's magic is "not a shard
 * stream", in a version byte an unsupported version, anywhere else in a
 * header (record > 0 for the magic) one DAMAGED event covering exactly
 * that record; every other record still arrives intact.
 */
static void test_pf_shard_reader_bitflip(void) {
  static uint8_t buf[4096];
  size_t off[RS_MAXREC + 1], len, byte, n, i, r, nrec = 6;
  rs_ev evs[RS_MAXREC + 4];
  int bit;

  len = make_stream(buf, sizeof(buf), nrec, off);
  for (byte = 0; byte < len; byte++) {
    for (r = 0; off[r + 1] <= byte; r++)
      ;
    for (bit = 0; bit < 8; bit++) {
      size_t in_rec = byte - off[r];
      buf[byte] ^= (uint8_t)(1u << bit);
      n = read_all(buf, len, (byte % 3) * 17, evs, RS_MAXREC + 4);
      buf[byte] ^= (uint8_t)(1u << bit);
      if (r == 0 && in_rec < 4) {
        TU_CHECK_MSG(n == 1 && evs[0].rv == PF_ERR_MALFORMED &&
                         evs[0].why == PF_SHARD_WHY_BAD_MAGIC &&
                         evs[0].offset == 0,
                     "byte %zu bit %d", byte, bit);
        continue;
      }
      if (in_rec == PF_SHARD_OFF_VERSION) {
        TU_CHECK_MSG(n == r + 1 && evs[r].rv == PF_ERR_UNSUPPORTED &&
                         evs[r].why == PF_SHARD_WHY_VERSION &&
                         evs[r].version == (1u ^ (1u << bit)) &&
                         evs[r].offset == off[r],
                     "byte %zu bit %d", byte, bit);
        continue;
      }
      TU_CHECK_MSG(n == nrec + 1, "byte %zu bit %d: %zu events", byte, bit,
                   n);
      if (n != nrec + 1)
        continue;
      for (i = 0; i < nrec; i++) {
        if (i != r) {
          TU_CHECK_MSG(evs[i].rv == PF_SHARD_EV_RECORD &&
                           evs[i].offset == off[i],
                       "byte %zu bit %d: record %zu", byte, bit, i);
          continue;
        }
        if (in_rec >= PF_SHARD_HEADER_BYTES)
          TU_CHECK_MSG(evs[i].rv == PF_SHARD_EV_BAD_PAYLOAD &&
                           evs[i].why == PF_SHARD_WHY_PAYLOAD_CHECKSUM &&
                           evs[i].index == i % 3,
                       "byte %zu bit %d", byte, bit);
        else
          TU_CHECK_MSG(evs[i].rv == PF_SHARD_EV_DAMAGED &&
                           evs[i].why == (in_rec < 4
                                              ? PF_SHARD_WHY_BAD_MAGIC
                                              : PF_SHARD_WHY_HEADER_CHECKSUM) &&
                           evs[i].offset == off[i] &&
                           evs[i].length == off[i + 1] - off[i],
                       "byte %zu bit %d: rv %d why %u len %llu", byte, bit,
                       evs[i].rv, evs[i].why,
                       (unsigned long long)evs[i].length);
      }
      TU_CHECK(evs[nrec].rv == PF_SHARD_EV_END && evs[nrec].offset == len);
    }
  }
}

/*
 * Garbage between records (and at the end), including a cut magic and a
 * false "PFSH": each run is skipped as DAMAGED events that cover it
 * exactly, whatever the chunking, and the records around it arrive.
 * (Fewer than PF_SHARD_HEADER_BYTES at the end are a cut record: see
 * the truncation test.)
 * A run longer than the reader's buffer passes too (bounded memory).
 */
static void test_pf_shard_reader_resync(void) {
  static uint8_t stream[4096], buf[3 * PF_SHARD_MAX_RECORD_BYTES + 8192];
  static const size_t chunks[] = {0, 1, 3, 4, 5, 64};
  size_t off[RS_MAXREC + 1], slen, len = 0, n, c, i, garbage, g;
  rs_ev evs[64];

  slen = make_stream(stream, sizeof(stream), 3, off);
  for (g = 0; g < 3; g++) {
    /* record 0, garbage, records 1 and 2, garbage at the end */
    garbage = g == 0 ? 1 : g == 1 ? 200 : 2 * PF_SHARD_MAX_RECORD_BYTES + 77;
    memcpy(buf, stream, off[1]);
    len = off[1];
    tu_fill(7 + g, buf + len, garbage);
    for (i = 0; i < garbage; i++)
      if (buf[len + i] == 'P')
        buf[len + i] = 'Q'; /* no accidental magic ... */
    if (garbage >= 200) {
      memcpy(buf + len + 50, "PFSH\1", 5); /* ... but a false one */
      memcpy(buf + len + garbage - 3, "PFS", 3); /* and a cut one */
    }
    len += garbage;
    memcpy(buf + len, stream + off[1], slen - off[1]);
    len += slen - off[1];
    /* trailing garbage (>= a header, or it is a cut record) */
    memset(buf + len, 'x', 60);
    memcpy(buf + len + 60, "PF", 2);
    len += 62;
    for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
      uint64_t skipped = 0;
      size_t nrec = 0, ndamaged = 0;
      n = read_all(buf, len, chunks[c], evs, 64);
      TU_CHECK(n > 0 && evs[n - 1].rv == PF_SHARD_EV_END &&
               evs[n - 1].offset == len);
      for (i = 0; i < n; i++) {
        if (evs[i].rv == PF_SHARD_EV_RECORD) {
          TU_CHECK(evs[i].index == nrec);
          nrec++;
        } else if (evs[i].rv == PF_SHARD_EV_DAMAGED) {
          ndamaged++;
          skipped += evs[i].length;
        }
      }
      TU_CHECK_MSG(nrec == 3 && skipped == garbage + 62,
                   "garbage %zu chunk %zu: %zu records, %llu skipped",
                   garbage, chunks[c], nrec, (unsigned long long)skipped);
      /* one run, a second after the false magic, one at the end */
      TU_CHECK_EQ(ndamaged, garbage >= 200 ? 3u : 2u);
      TU_CHECK(evs[1].rv == PF_SHARD_EV_DAMAGED &&
               evs[1].offset == off[1] &&
               evs[1].why == PF_SHARD_WHY_BAD_MAGIC);
    }
  }
}

/* The API: arguments, the bounded buffer, errors that stay, and no
 * allocation after _new(). */
static void test_pf_shard_reader_api(void) {
  static uint8_t big[3 * PF_SHARD_MAX_RECORD_BYTES];
  uint8_t stream[1024];
  size_t off[RS_MAXREC + 1], len, space, took, nrec;
  pf_shard_reader *r = NULL;
  pf_shard_event ev;
  tu_alloc a;
  int rv, i;

  TU_CHECK_EQ(pf_shard_reader_new(NULL, NULL), PF_ERR_INVALID_ARGUMENT);
  tu_alloc_init(&a);
  a.fail_at = 1;
  TU_CHECK_EQ(pf_shard_reader_new(&r, &a.mem), PF_ERR_NOMEM);
  TU_CHECK(r == NULL);
  tu_alloc_init(&a);
  a.fail_at = 2;
  TU_CHECK_EQ(pf_shard_reader_new(&r, &a.mem), PF_ERR_NOMEM);
  TU_CHECK(r == NULL && a.live == 0);
  pf_shard_reader_del(NULL);
  TU_CHECK_EQ(pf_shard_reader_next(NULL, &ev), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_shard_reader_commit(NULL, 0), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_shard_reader_feed(NULL, big, 1), 0);
  TU_CHECK(pf_shard_reader_buffer(NULL, &space) == NULL && space == 0);

  tu_alloc_init(&a);
  TU_CHECK_EQ(pf_shard_reader_new(&r, &a.mem), 0);
  if (!r)
    return;
  TU_CHECK_EQ(pf_shard_reader_next(r, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_shard_reader_next(r, &ev), PF_SHARD_NEED_INPUT);
  /* The buffer is bounded: a big feed is taken only in part. */
  pf_shard_reader_buffer(r, &space);
  TU_CHECK_EQ(space, 2 * PF_SHARD_MAX_RECORD_BYTES);
  TU_CHECK_EQ(pf_shard_reader_commit(r, space + 1), PF_ERR_INVALID_ARGUMENT);
  len = make_stream(stream, sizeof(stream), 3, off);
  /* Records fed over and over, many times the buffer, no allocation. */
  nrec = 0;
  took = 0;
  for (i = 0; i < 20000; i++) {
    rv = pf_shard_reader_next(r, &ev);
    if (rv == PF_SHARD_NEED_INPUT) {
      took += pf_shard_reader_feed(r, stream + took % len,
                                   len - took % len);
      continue;
    }
    TU_CHECK_EQ(rv, PF_SHARD_EV_RECORD);
    nrec++;
  }
  TU_CHECK(nrec > 3 * (2 * PF_SHARD_MAX_RECORD_BYTES) / len);
  TU_CHECK_EQ(a.allocs, 2);
  TU_CHECK_EQ(pf_shard_reader_feed(r, big, sizeof(big)) <
                  2 * PF_SHARD_MAX_RECORD_BYTES,
              1);
  pf_shard_reader_del(r);
  TU_CHECK_EQ(a.live, 0);

  /* An error stays; feeding after the end is refused. */
  TU_CHECK_EQ(pf_shard_reader_new(&r, NULL), 0);
  if (!r)
    return;
  TU_CHECK_EQ(pf_shard_reader_feed(r, (const uint8_t *)"nope", 4), 4);
  pf_shard_reader_end(r);
  TU_CHECK_EQ(pf_shard_reader_feed(r, stream, len), 0);
  TU_CHECK_EQ(pf_shard_reader_commit(r, 1), PF_ERR_INVALID_ARGUMENT);
  pf_shard_reader_buffer(r, &space);
  TU_CHECK_EQ(space, 0);
  for (i = 0; i < 2; i++) {
    rv = pf_shard_reader_next(r, &ev);
    TU_CHECK(rv == PF_ERR_MALFORMED && ev.why == PF_SHARD_WHY_TRUNCATED &&
             ev.length == 4 && ev.need == PF_SHARD_HEADER_BYTES);
  }
  pf_shard_reader_del(r);

  /* A field out of range under a valid checksum is fatal, not damage. */
  TU_CHECK_EQ(pf_shard_reader_new(&r, NULL), 0);
  if (!r)
    return;
  stream[off[1] + PF_SHARD_OFF_RESERVED8] = 1;
  {
    uint32_t crc = pf_crc32c(0, stream + off[1], PF_SHARD_OFF_HEADER_CRC);
    for (i = 0; i < 4; i++)
      stream[off[1] + PF_SHARD_OFF_HEADER_CRC + (size_t)i] =
          (uint8_t)(crc >> (8 * i));
  }
  TU_CHECK_EQ(pf_shard_reader_feed(r, stream, len), len);
  TU_CHECK_EQ(pf_shard_reader_next(r, &ev), PF_SHARD_EV_RECORD);
  rv = pf_shard_reader_next(r, &ev);
  TU_CHECK(rv == PF_ERR_MALFORMED && ev.why == PF_SHARD_WHY_FIELD_RANGE &&
           ev.offset == off[1]);
  pf_shard_reader_del(r);
}

int main(void) {
  test_pf_crc32c();
  test_pf_shard_record_encode_kat();
  test_pf_shard_record_parse_roundtrip();
  test_pf_shard_record_parse_truncated();
  test_pf_shard_record_parse_bitflip();
  test_pf_shard_header_parse_bounds();
  test_pf_shard_record_encode_args();
  test_pf_shard_reader_roundtrip();
  test_pf_shard_reader_truncated();
  test_pf_shard_reader_bitflip();
  test_pf_shard_reader_resync();
  test_pf_shard_reader_api();
  return tu_finish("test_shard_stream");
}
