/*
 * pf_shard_stream.c -- the shard-stream record codec (doc/shard-stream.md).
 *
 * One record = a 40-byte little-endian header + one shard.  The header
 * carries two CRC-32C values: one over the payload, and one over the
 * header bytes before it (which include the payload CRC).  Two checksums
 * instead of one let a reader tell "payload damaged, length known: skip
 * exactly this record" from "header damaged, length unknown: resync".
 */
#include "fec/pf_shard_stream.h"

#include <stddef.h>
#include <string.h>

#include "base/pf_mem.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <nmmintrin.h>
#define PF_CRC32C_HW 1
#endif

static const uint8_t shard_magic[4] = {'P', 'F', 'S', 'H'};

/* Reflected CRC-32C table (polynomial 0x82F63B78), generated. */
static const uint32_t crc32c_table[256] = {
    0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u, 0xc79a971fu, 0x35f1141cu,
    0x26a1e7e8u, 0xd4ca64ebu, 0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu,
    0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u, 0x105ec76fu, 0xe235446cu,
    0xf165b798u, 0x030e349bu, 0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
    0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u, 0x5d1d08bfu, 0xaf768bbcu,
    0xbc267848u, 0x4e4dfb4bu, 0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au,
    0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u, 0xaa64d611u, 0x580f5512u,
    0x4b5fa6e6u, 0xb93425e5u, 0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
    0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u, 0xf779deaeu, 0x05125dadu,
    0x1642ae59u, 0xe4292d5au, 0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au,
    0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u, 0x417b1dbcu, 0xb3109ebfu,
    0xa0406d4bu, 0x522bee48u, 0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
    0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u, 0x0c38d26cu, 0xfe53516fu,
    0xed03a29bu, 0x1f682198u, 0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u,
    0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u, 0xdbfc821cu, 0x2997011fu,
    0x3ac7f2ebu, 0xc8ac71e8u, 0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
    0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u, 0xa65c047du, 0x5437877eu,
    0x4767748au, 0xb50cf789u, 0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u,
    0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u, 0x7198540du, 0x83f3d70eu,
    0x90a324fau, 0x62c8a7f9u, 0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
    0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u, 0x3cdb9bddu, 0xceb018deu,
    0xdde0eb2au, 0x2f8b6829u, 0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu,
    0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u, 0x082f63b7u, 0xfa44e0b4u,
    0xe9141340u, 0x1b7f9043u, 0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
    0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u, 0x55326b08u, 0xa759e80bu,
    0xb4091bffu, 0x466298fcu, 0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu,
    0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u, 0xa24bb5a6u, 0x502036a5u,
    0x4370c551u, 0xb11b4652u, 0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
    0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du, 0xef087a76u, 0x1d63f975u,
    0x0e330a81u, 0xfc588982u, 0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du,
    0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u, 0x38cc2a06u, 0xcaa7a905u,
    0xd9f75af1u, 0x2b9cd9f2u, 0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
    0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u, 0x0417b1dbu, 0xf67c32d8u,
    0xe52cc12cu, 0x1747422fu, 0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu,
    0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u, 0xd3d3e1abu, 0x21b862a8u,
    0x32e8915cu, 0xc083125fu, 0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
    0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u, 0x9e902e7bu, 0x6cfbad78u,
    0x7fab5e8cu, 0x8dc0dd8fu, 0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu,
    0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u, 0x69e9f0d5u, 0x9b8273d6u,
    0x88d28022u, 0x7ab90321u, 0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
    0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u, 0x34f4f86au, 0xc69f7b69u,
    0xd5cf889du, 0x27a40b9eu, 0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu,
    0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u,
};

static uint32_t crc32c_sw(uint32_t crc, const uint8_t *p, size_t len) {
  while (len--)
    crc = crc32c_table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
  return crc;
}

#ifdef PF_CRC32C_HW
__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw(uint32_t crc, const uint8_t *p, size_t len) {
  uint64_t c = crc;

  for (; len >= 8; p += 8, len -= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
  }
  crc = (uint32_t)c;
  for (; len > 0; p++, len--)
    crc = _mm_crc32_u8(crc, *p);
  return crc;
}
#endif

uint32_t pf_crc32c(uint32_t crc, const uint8_t *buf, size_t len) {
  crc = ~crc;
#ifdef PF_CRC32C_HW
  /* The SSE4.2 crc32 instruction computes exactly this CRC. */
  if (__builtin_cpu_supports("sse4.2"))
    return ~crc32c_hw(crc, buf, len);
#endif
  return ~crc32c_sw(crc, buf, len);
}

static uint8_t *put_u16le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  return p + 2;
}

static uint8_t *put_u32le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
  return p + 4;
}

static uint8_t *put_u64le(uint8_t *p, uint64_t v) {
  put_u32le(p, (uint32_t)v);
  return put_u32le(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get_u16le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get_u32le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint64_t get_u64le(const uint8_t *p) {
  return (uint64_t)get_u32le(p) | (uint64_t)get_u32le(p + 4) << 32;
}

/*
 * The field ranges of a record (shared by encoder and parser, so the
 * encoder can never write what the parser rejects).  All products are
 * done in 64 bits from 16/32-bit values, so none can overflow.
 */
static int record_fields_valid(const pf_shard_record *rec) {
  uint64_t n, maxn, data_cap;

  if (rec->flags & ~(uint32_t)PF_SHARD_FLAG_FINAL)
    return 0;
  switch (rec->fec_scheme) {
  case PF_FEC_GF8:
    maxn = PF_FEC8_MAX_SHARDS;
    break;
  case PF_FEC_GF16:
    maxn = PF_FEC16_MAX_SHARDS;
    if (rec->shard_bytes & 1u)
      return 0;
    break;
  default:
    return 0;
  }
  if (rec->data_shards < 1 || rec->parity_shards < 1)
    return 0;
  n = (uint64_t)rec->data_shards + rec->parity_shards;
  if (n > maxn || rec->index >= n)
    return 0;
  if (rec->shard_bytes < 1 || rec->shard_bytes > PF_SHARD_MAX_SHARD_BYTES)
    return 0;
  if (n * rec->shard_bytes > PF_SHARD_MAX_BLOCK_BYTES)
    return 0;
  data_cap = (uint64_t)rec->data_shards * rec->shard_bytes;
  if (rec->data_bytes > data_cap)
    return 0;
  /* Only the last block may be short: every other block's offset in the
   * original data is then block * k * shard_bytes. */
  if (!(rec->flags & PF_SHARD_FLAG_FINAL) && rec->data_bytes != data_cap)
    return 0;
  return 1;
}

int pf_shard_record_encode(uint8_t *dest, size_t destlen,
                           const pf_shard_record *rec) {
  uint8_t *p;

  if (!dest || !rec || !rec->payload || !record_fields_valid(rec))
    return PF_ERR_INVALID_ARGUMENT;
  if (destlen < PF_SHARD_HEADER_BYTES)
    return PF_ERR_NOBUF;
  p = dest;
  memcpy(p, shard_magic, sizeof(shard_magic));
  p += sizeof(shard_magic);
  *p++ = (uint8_t)PF_SHARD_VERSION;
  *p++ = (uint8_t)rec->fec_scheme;
  *p++ = (uint8_t)rec->flags;
  *p++ = 0;
  p = put_u16le(p, rec->data_shards);
  p = put_u16le(p, rec->parity_shards);
  p = put_u16le(p, rec->index);
  p = put_u16le(p, 0);
  p = put_u32le(p, rec->shard_bytes);
  p = put_u32le(p, rec->data_bytes);
  p = put_u64le(p, rec->block);
  p = put_u32le(p, pf_crc32c(0, rec->payload, rec->shard_bytes));
  put_u32le(p, pf_crc32c(0, dest, PF_SHARD_OFF_HEADER_CRC));
  return (int)PF_SHARD_HEADER_BYTES;
}

int pf_shard_header_parse(pf_shard_record *rec, const uint8_t *buf,
                          size_t len) {
  pf_shard_record r;

  if (!rec || (!buf && len > 0))
    return PF_ERR_INVALID_ARGUMENT;
  memset(rec, 0, sizeof(*rec));
  if (len < PF_SHARD_HEADER_BYTES)
    return PF_ERR_NOBUF;
  if (memcmp(buf, shard_magic, sizeof(shard_magic)) != 0)
    return PF_ERR_MALFORMED;
  if (buf[PF_SHARD_OFF_VERSION] != PF_SHARD_VERSION)
    return PF_ERR_UNSUPPORTED;
  if (pf_crc32c(0, buf, PF_SHARD_OFF_HEADER_CRC) !=
      get_u32le(buf + PF_SHARD_OFF_HEADER_CRC))
    return PF_ERR_CHECKSUM;
  if (buf[PF_SHARD_OFF_RESERVED8] != 0 ||
      get_u16le(buf + PF_SHARD_OFF_RESERVED16) != 0)
    return PF_ERR_MALFORMED;
  memset(&r, 0, sizeof(r));
  r.fec_scheme = buf[PF_SHARD_OFF_FEC_SCHEME];
  r.flags = buf[PF_SHARD_OFF_FLAGS];
  r.data_shards = get_u16le(buf + PF_SHARD_OFF_K);
  r.parity_shards = get_u16le(buf + PF_SHARD_OFF_M);
  r.index = get_u16le(buf + PF_SHARD_OFF_INDEX);
  r.shard_bytes = get_u32le(buf + PF_SHARD_OFF_SHARD_BYTES);
  r.data_bytes = get_u32le(buf + PF_SHARD_OFF_DATA_BYTES);
  r.block = get_u64le(buf + PF_SHARD_OFF_BLOCK);
  if (!record_fields_valid(&r))
    return PF_ERR_MALFORMED;
  *rec = r;
  return (int)PF_SHARD_HEADER_BYTES;
}

int pf_shard_record_parse(pf_shard_record *rec, const uint8_t *buf,
                          size_t len) {
  int rv;
  const uint8_t *payload;

  rv = pf_shard_header_parse(rec, buf, len);
  if (rv < 0)
    return rv;
  /* rec->shard_bytes <= PF_SHARD_MAX_SHARD_BYTES here, and len >= the
   * header, so the subtraction cannot wrap. */
  if (len - PF_SHARD_HEADER_BYTES < rec->shard_bytes)
    return PF_ERR_NOBUF;
  payload = buf + PF_SHARD_HEADER_BYTES;
  rec->payload = payload;
  if (pf_crc32c(0, payload, rec->shard_bytes) !=
      get_u32le(buf + PF_SHARD_OFF_PAYLOAD_CRC))
    return PF_ERR_CHECKSUM;
  return (int)(PF_SHARD_HEADER_BYTES + rec->shard_bytes);
}

/* ---- the stream reader ------------------------------------------------ */

/*
 * Input sits in buf[pos, end); buf[0] is stream offset |base|.  The
 * buffer holds two maximal records: when fewer than one maximal record
 * of free space is left, the unread bytes move to the front, so the
 * record being read always fits.  A resync keeps at most 3 bytes (a
 * magic cut by the chunking) while it scans, so garbage of any length
 * passes through in bounded memory.
 */
#define READER_CAP ((size_t)2 * PF_SHARD_MAX_RECORD_BYTES)
#define MAGIC_LEN sizeof(shard_magic)

struct pf_shard_reader {
  const pf_mem *mem;
  uint8_t *buf;
  size_t pos, end;
  uint64_t base;
  int eof;          /* pf_shard_reader_end() was called */
  int err;          /* a fatal error, repeated with err_ev */
  pf_shard_event err_ev;
  int resync;       /* scanning for the next magic */
  uint64_t resync_off;
  uint32_t resync_why;
};

int pf_shard_reader_new(pf_shard_reader **preader, const pf_mem *mem) {
  pf_shard_reader *r;

  if (!preader)
    return PF_ERR_INVALID_ARGUMENT;
  *preader = NULL;
  mem = pf_mem_or_default(mem);
  r = pf_mem_calloc(mem, 1, sizeof(*r));
  if (!r)
    return PF_ERR_NOMEM;
  r->mem = mem;
  r->buf = pf_mem_malloc(mem, READER_CAP);
  if (!r->buf) {
    pf_mem_free(mem, r);
    return PF_ERR_NOMEM;
  }
  *preader = r;
  return 0;
}

void pf_shard_reader_del(pf_shard_reader *r) {
  if (!r)
    return;
  pf_mem_free(r->mem, r->buf);
  pf_mem_free(r->mem, r);
}

uint8_t *pf_shard_reader_buffer(pf_shard_reader *r, size_t *len) {
  if (!r) {
    if (len)
      *len = 0;
    return NULL;
  }
  if (len)
    *len = r->eof ? 0 : READER_CAP - r->end;
  return r->buf + r->end;
}

int pf_shard_reader_commit(pf_shard_reader *r, size_t n) {
  if (!r || r->eof || n > READER_CAP - r->end)
    return PF_ERR_INVALID_ARGUMENT;
  r->end += n;
  return 0;
}

size_t pf_shard_reader_feed(pf_shard_reader *r, const uint8_t *data,
                            size_t len) {
  size_t n;

  if (!r || !data || r->eof)
    return 0;
  n = READER_CAP - r->end;
  if (n > len)
    n = len;
  memcpy(r->buf + r->end, data, n);
  r->end += n;
  return n;
}

void pf_shard_reader_end(pf_shard_reader *r) {
  if (r)
    r->eof = 1;
}

/* Makes room for at least one maximal record after the unread bytes. */
static int need_input(pf_shard_reader *r) {
  if (r->pos > 0 && READER_CAP - r->end < PF_SHARD_MAX_RECORD_BYTES) {
    memmove(r->buf, r->buf + r->pos, r->end - r->pos);
    r->base += r->pos;
    r->end -= r->pos;
    r->pos = 0;
  }
  return PF_SHARD_NEED_INPUT;
}

static int fail(pf_shard_reader *r, pf_shard_event *ev, int rv) {
  r->err = rv;
  r->err_ev = *ev;
  r->err_ev.bytes = NULL;
  r->err_ev.rec.payload = NULL;
  ev->bytes = NULL;
  ev->rec.payload = NULL;
  return rv;
}

/* Offset of the first magic in buf[pos, end), or |end| if none. */
static size_t find_magic(const pf_shard_reader *r) {
  const uint8_t *p = r->buf + r->pos, *stop = r->buf + r->end;

  while (stop - p >= (ptrdiff_t)MAGIC_LEN) {
    p = memchr(p, shard_magic[0], (size_t)(stop - p) - (MAGIC_LEN - 1));
    if (!p)
      break;
    if (memcmp(p, shard_magic, MAGIC_LEN) == 0)
      return (size_t)(p - r->buf);
    p++;
  }
  return r->end;
}

/* Scans on to the next magic; emits the skipped bytes as one event. */
static int resync_scan(pf_shard_reader *r, pf_shard_event *ev) {
  size_t at = find_magic(r);

  if (at == r->end) {
    if (!r->eof) {
      /* Keep a tail that could be a magic cut by the chunking. */
      if (r->end - r->pos >= MAGIC_LEN)
        r->pos = r->end - (MAGIC_LEN - 1);
      return need_input(r);
    }
  }
  r->pos = at;
  r->resync = 0;
  ev->why = r->resync_why;
  ev->offset = r->resync_off;
  ev->length = r->base + r->pos - r->resync_off;
  return PF_SHARD_EV_DAMAGED;
}

int pf_shard_reader_next(pf_shard_reader *r, pf_shard_event *ev) {
  const uint8_t *at;
  size_t avail, need;
  int rv;

  if (!r || !ev)
    return PF_ERR_INVALID_ARGUMENT;
  memset(ev, 0, sizeof(*ev));
  if (r->err) {
    *ev = r->err_ev;
    return r->err;
  }
  if (r->resync)
    return resync_scan(r, ev);
  avail = r->end - r->pos;
  at = r->buf + r->pos;
  ev->offset = r->base + r->pos;
  if (avail == 0)
    return r->eof ? PF_SHARD_EV_END : need_input(r);
  rv = pf_shard_record_parse(&ev->rec, at, avail);
  if (rv >= 0 || (rv == PF_ERR_CHECKSUM && ev->rec.shard_bytes != 0)) {
    ev->length = PF_SHARD_HEADER_BYTES + ev->rec.shard_bytes;
    ev->bytes = at;
    ev->why = rv >= 0 ? PF_SHARD_WHY_NONE : PF_SHARD_WHY_PAYLOAD_CHECKSUM;
    r->pos += (size_t)ev->length;
    return rv >= 0 ? PF_SHARD_EV_RECORD : PF_SHARD_EV_BAD_PAYLOAD;
  }
  switch (rv) {
  case PF_ERR_NOBUF:
    if (!r->eof)
      return need_input(r);
    need = PF_SHARD_HEADER_BYTES + ev->rec.shard_bytes;
    ev->why = PF_SHARD_WHY_TRUNCATED;
    ev->length = avail;
    ev->need = need;
    return fail(r, ev, PF_ERR_MALFORMED);
  case PF_ERR_UNSUPPORTED:
    ev->why = PF_SHARD_WHY_VERSION;
    ev->version = at[PF_SHARD_OFF_VERSION];
    return fail(r, ev, rv);
  case PF_ERR_CHECKSUM:
    r->resync_why = PF_SHARD_WHY_HEADER_CHECKSUM;
    break;
  case PF_ERR_MALFORMED:
    if (memcmp(at, shard_magic, MAGIC_LEN) == 0) {
      ev->why = PF_SHARD_WHY_FIELD_RANGE;
      return fail(r, ev, rv);
    }
    if (ev->offset == 0) {
      ev->why = PF_SHARD_WHY_BAD_MAGIC;
      return fail(r, ev, rv);
    }
    r->resync_why = PF_SHARD_WHY_BAD_MAGIC;
    break;
  default: /* not reached: the parser returns no other code */
    return fail(r, ev, PF_ERR_INTERNAL);
  }
  r->resync = 1;
  r->resync_off = ev->offset;
  r->pos++;
  memset(ev, 0, sizeof(*ev));
  return resync_scan(r, ev);
}
