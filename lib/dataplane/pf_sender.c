/*
 * pf_sender.c -- the punktfunk/1 sender: packetize, FEC, seal, pace.
 * doc/wire-format.md is the spec of what it emits; punktfunk.h ("Data
 * plane: sender") documents the API.
 *
 * Memory: every datagram of a sender has the same length, so the queue is
 * one array of fixed-size slots (stride = datagram length) plus a parallel
 * array of due times.  Plaintext (header || shard) is written straight
 * into its slot at offset 8 and sealed in place, parity is computed
 * straight into its slot, and the slots are handed to the caller as they
 * are: after the arrays have grown to the largest AU, nothing is copied
 * twice and nothing is allocated.
 *
 * Work is done block by block (copy K data shards, compute M parity,
 * seal K + M datagrams) so a block's shards are still in cache when they
 * are sealed.  Every datagram's seq is fixed by its wire position, so the
 * order in which they are sealed does not matter.
 */
#include "dataplane/pf_sender.h"

#include <string.h>

#include "base/pf_abi.h"
#include "base/pf_log.h"
#include "base/pf_mem.h"
#include "base/pf_random.h"
#include "dataplane/pf_aead.h"
#include "dataplane/pf_pacer.h"
#include "dataplane/pf_wire.h"
#include "fec/pf_fec16.h"
#include "fec/pf_fec_cache.h"

/* The first published layout of pf_sender_config (ABI 1) ends here. */
#define SENDER_CONFIG_V1_SIZE                                                 \
  (offsetof(pf_sender_config, fec_impl) + sizeof(uint32_t))
#define SENDER_STATS_V1_SIZE                                                  \
  (offsetof(pf_sender_stats, fec_percent) + sizeof(uint32_t))

#define MAX_QUEUED_FRAMES 64u
#define MAX_BLOCKS PF_PKT_MAX_BLOCKS
/* Coders kept per sender: a few dozen shapes serve every AU size (see
 * coder_shape()). */
#define FEC_CACHE_GF8 64u
#define FEC_CACHE_GF16 64u
/* GF16 short blocks are zero-padded to a multiple of this many data
 * shards (at least), to keep the number of coder shapes small. */
#define GF16_PAD_MIN 16u

struct pf_sender {
  const pf_mem *mem;
  pf_sender_config cfg; /* key wiped after setup */
  pf_aead *aead;        /* NULL: unsealed datagrams */
  pf_fec_cache *fec;
  uint32_t ceiling; /* K + M limit of the code */
  uint32_t fec_percent;
  uint8_t version;
  size_t hoff;        /* offset of the header in a slot: 8 sealed, else 0 */
  size_t dgram_bytes; /* = slot stride */
  uint8_t *zero_shard; /* padding data shard of short blocks */
  const uint8_t **dptr;
  uint8_t **pptr;
  /* The queue: slots [head, tail) are waiting. */
  uint8_t *buf;
  uint64_t *due;
  size_t cap;
  size_t head, tail;
  /* End slot of each queued AU, oldest first (a ring). */
  size_t frame_end[MAX_QUEUED_FRAMES];
  size_t fr_first, fr_count;
  uint64_t next_seq;
  uint64_t sealed;    /* datagrams sealed under this key by this sender */
  int limit_warned;   /* the AES-GCM usage warning was logged */
  uint32_t stream_seq;
  uint32_t frame_index;
  int broken; /* 0, or the fatal error every further AU gets */
  pf_pacer pacer;
  pf_sender_stats st;
};

uint32_t pf_shard_payload_for_mtu(uint32_t mtu, int ipv6) {
  uint32_t over = (ipv6 ? 40u : 20u) + 8u + PF_PKT_HEADER_BYTES +
                  PF_PKT_CRYPTO_OVERHEAD;
  uint32_t p;

  if (mtu < over + 2u)
    return 0;
  p = (mtu - over) & ~1u;
  return p > PF_PKT_MAX_SHARD_PAYLOAD ? PF_PKT_MAX_SHARD_PAYLOAD : p;
}

void pf_sender_config_default(pf_sender_config *cfg) {
  if (!cfg)
    return;
  memset(cfg, 0, sizeof(*cfg));
  cfg->struct_size = sizeof(*cfg);
  cfg->fec_scheme = PF_FEC_GF8;
  cfg->fec_percent = 15;
  cfg->max_data_per_block = 200;
  cfg->shard_payload = 1024;
  cfg->version = 0;
  cfg->aead = PF_AEAD_NONE;
  cfg->key_len = 0;
  cfg->direction = PF_DIR_HOST;
  cfg->max_frame_bytes = (uint64_t)64 << 20; /* 64 MiB */
  cfg->initial_seq = PF_SEQ_RANDOM;
  cfg->pacing_rate_bps = 0;
  cfg->burst_bytes = 0;
  cfg->max_spread_ns = 0;
  cfg->pace_chunk_packets = 0;
  cfg->max_queued_frames = 4;
  cfg->fec_impl = PF_FEC_IMPL_AUTO;
}

/* Overwrites secrets so the compiler cannot drop the stores. */
static void wipe(void *p, size_t n) {
  volatile uint8_t *v = p;

  while (n--)
    *v++ = 0;
}

/*
 * GF16 blocks go on the wire only in shapes reed-solomon-simd (and so
 * every original peer) can decode: pf_fec16 codes the others too, in a
 * layout of its own (pf_fec16_ext.c) that no other implementation
 * reads.  1 if every block of at most |kmax| data shards gets such a
 * shape at |pct|.  (M(K) clamped to 65535 - K is not monotonic in K, so
 * every K is checked, not only K_max.)
 */
static int gf16_wire_shapes(uint32_t kmax, uint32_t pct) {
  uint32_t k, m;

  for (k = 1; k <= kmax; k++) {
    m = pf_sender_block_parity(k, pct, PF_FEC16_MAX_SHARDS);
    if (m > 0 && !pf_fec16_shape_compatible(k, m))
      return 0;
  }
  return 1;
}

static int check_config(const pf_sender_config *c, uint32_t *ceiling) {
  uint64_t shards, blocks;
  size_t i;
  uint8_t any = 0;

  switch (c->fec_scheme) {
  case PF_FEC_GF8:
    *ceiling = PF_FEC8_MAX_SHARDS;
    break;
  case PF_FEC_GF16:
    *ceiling = PF_FEC16_MAX_SHARDS;
    break;
  default:
    return PF_ERR_INVALID_ARGUMENT;
  }
  if (c->fec_percent > PF_FEC_PERCENT_MAX || c->max_data_per_block == 0 ||
      c->max_data_per_block > PF_PKT_MAX_DATA_PER_BLOCK || c->shard_payload == 0 ||
      (c->shard_payload & 1u) != 0 ||
      c->shard_payload > PF_PKT_MAX_SHARD_PAYLOAD || c->version > 255u ||
      c->direction > PF_DIR_CLIENT || c->max_frame_bytes == 0 ||
      c->max_frame_bytes > UINT32_MAX || c->max_queued_frames == 0 ||
      c->max_queued_frames > MAX_QUEUED_FRAMES ||
      c->fec_impl > PF_FEC_IMPL_AVX512)
    return PF_ERR_INVALID_ARGUMENT;
  /* The full block must fit the code at the configured share (a later
   * live change is clamped instead, see pf_sender_block_parity()). */
  if ((uint64_t)c->max_data_per_block +
          pf_wire_recovery_for(c->max_data_per_block, c->fec_percent) >
      *ceiling)
    return PF_ERR_INVALID_ARGUMENT;
  if (c->fec_scheme == PF_FEC_GF16 &&
      !gf16_wire_shapes(c->max_data_per_block, c->fec_percent))
    return PF_ERR_INVALID_ARGUMENT;
  shards = (c->max_frame_bytes + c->shard_payload - 1) / c->shard_payload;
  blocks = (shards + c->max_data_per_block - 1) / c->max_data_per_block;
  if (blocks > MAX_BLOCKS)
    return PF_ERR_INVALID_ARGUMENT;
  switch (c->aead) {
  case PF_AEAD_NONE:
    return 0;
  case PF_AEAD_AES128GCM:
    if (c->key_len != PF_AEAD_AES128GCM_KEYBYTES)
      return PF_ERR_INVALID_ARGUMENT;
    break;
  case PF_AEAD_CHACHA20POLY1305:
    if (c->key_len != PF_AEAD_CHACHA20POLY1305_KEYBYTES)
      return PF_ERR_INVALID_ARGUMENT;
    break;
  default:
    return PF_ERR_INVALID_ARGUMENT;
  }
  for (i = 0; i < c->key_len; i++)
    any |= c->key[i];
  return any ? 0 : PF_ERR_INVALID_ARGUMENT;
}

/* Largest M any block can get at any share up to PF_FEC_PERCENT_MAX. */
static uint32_t max_parity(uint32_t kmax, uint32_t ceiling) {
  uint32_t k, m, best = 0;

  /* M(k) grows with k until the clamp bites; take the maximum. */
  for (k = 1; k <= kmax; k++) {
    m = pf_sender_block_parity(k, PF_FEC_PERCENT_MAX, ceiling);
    if (m > best)
      best = m;
  }
  return best;
}

void pf_sender_del(pf_sender *s) {
  const pf_mem *mem;

  if (!s)
    return;
  mem = s->mem;
  pf_aead_del(s->aead);
  pf_fec_cache_del(s->fec);
  pf_mem_free(mem, s->zero_shard);
  pf_mem_free(mem, s->dptr);
  pf_mem_free(mem, s->pptr);
  pf_mem_free(mem, s->buf);
  pf_mem_free(mem, s->due);
  wipe(s, sizeof(*s)); /* the salt and config lived here */
  pf_mem_free(mem, s);
}

static uint32_t next_pow2(uint32_t x) {
  uint32_t p = 1;

  while (p < x)
    p <<= 1;
  return p;
}

/* reed-solomon-simd's (and pf_fec16's) choice of the high-rate encoder
 * for k data and m parity shards; the two rates are different codes. */
static int gf16_high_rate(uint32_t k, uint32_t m) {
  uint32_t kp = next_pow2(k), mp = next_pow2(m);

  return kp > mp || (kp == mp && k <= m);
}

/*
 * The coder shape (|*kc| >= k data shards, |*mc| >= m parity shards)
 * that computes the parity of a block of |k| data and |m| parity shards
 * when the extra kc - k data shards are zero and only the first m parity
 * outputs are kept.  Frames vary in size, so their last blocks take every
 * K from 1 to K_max; without this a stream would make a coder per AU.
 *
 * GF8 (nanors Cauchy): parity row j has entry inv[(m + i) ^ j] for data
 *   shard i, so for a fixed m a shorter block's matrix is a column prefix
 *   of a longer one's: pad k up to the largest k' with the same M.  One
 *   coder per distinct M.
 * GF16 (Leopard, high rate): parity = FFT_0(XOR over data chunks c of
 *   IFFT_{(c+1)chunk}(chunk c)) with chunk = NextPow2(m), truncated to m
 *   outputs.  Zero chunks add nothing and the first m outputs do not
 *   depend on m beyond chunk, so a (k', chunk) coder with k' >= k serves,
 *   as long as it is also high rate.  k is rounded up to a multiple of
 *   max(chunk, 16): the partial chunk is zero-padded internally anyway,
 *   so this costs no more than whole zero chunks of small size.  Low-rate
 *   blocks keep their exact shape.
 * Full blocks always use their exact shape (the most used coder).
 * tests/unit/test_sender.c checks every short block against an exact
 * coder.
 */
static void coder_shape(const pf_sender *s, uint32_t k, uint32_t m,
                        uint32_t *kc, uint32_t *mc) {
  const uint32_t kmax = s->cfg.max_data_per_block;
  uint32_t chunk, g, k2;

  *kc = k;
  *mc = m;
  if (m == 0 || k >= kmax)
    return;
  if (s->cfg.fec_scheme == PF_FEC_GF8) {
    while (*kc < kmax &&
           pf_sender_block_parity(*kc + 1, s->fec_percent, s->ceiling) == m &&
           *kc + 1 + m <= s->ceiling)
      (*kc)++;
    return;
  }
  if (!gf16_high_rate(k, m))
    return;
  chunk = next_pow2(m);
  g = chunk > GF16_PAD_MIN ? chunk : GF16_PAD_MIN;
  k2 = (k + g - 1) / g * g;
  if (k2 > kmax)
    k2 = kmax;
  if ((uint64_t)k2 + chunk > PF_FEC16_MAX_SHARDS ||
      !gf16_high_rate(k2, chunk))
    return;
  *kc = k2;
  *mc = chunk;
}

int pf_sender_new(pf_sender **psender, const pf_sender_config *cfg,
                  const pf_mem *mem) {
  pf_sender_config c;
  pf_sender *s;
  pf_fec *fec;
  uint32_t ceiling = 0, mmax, kc, mc;
  int rv;

  if (!psender || !cfg)
    return PF_ERR_INVALID_ARGUMENT;
  *psender = NULL;
  pf_sender_config_default(&c);
  rv = pf_config_copy(&c, sizeof(c), cfg, SENDER_CONFIG_V1_SIZE);
  if (rv == 0)
    rv = check_config(&c, &ceiling);
  if (rv != 0)
    goto out;
  mem = pf_mem_or_default(mem);
  s = pf_mem_calloc(mem, 1, sizeof(*s));
  if (!s) {
    rv = PF_ERR_NOMEM;
    goto out;
  }
  s->mem = mem;
  s->cfg = c;
  s->ceiling = ceiling;
  s->fec_percent = c.fec_percent;
  if (c.version != 0)
    s->version = (uint8_t)c.version;
  else
    s->version = c.fec_scheme == PF_FEC_GF16 ? 2 : 1;
  s->hoff = c.aead != PF_AEAD_NONE ? PF_WIRE_SEQ_BYTES : 0;
  s->dgram_bytes = PF_WIRE_HEADER_BYTES + c.shard_payload +
                   (c.aead != PF_AEAD_NONE ? PF_WIRE_CRYPTO_OVERHEAD : 0);
  if (c.initial_seq == PF_SEQ_RANDOM) {
    /* 63 random bits: runs that share a key (a key file) must not share
     * seqs, and 2^63 - 1 seqs stay available (doc/internals/nonces.md). */
    uint64_t r;

    rv = pf_random_bytes(&r, sizeof(r));
    if (rv != 0)
      goto fail;
    s->next_seq = r >> 1;
  } else {
    s->next_seq = c.initial_seq;
  }
  pf_pacer_init(&s->pacer, c.pacing_rate_bps, c.burst_bytes, c.max_spread_ns,
                c.pace_chunk_packets);
  if (c.aead != PF_AEAD_NONE) {
    rv = pf_aead_new(&s->aead, c.aead, c.key, c.key_len, c.salt, c.direction,
                     mem);
    if (rv != 0)
      goto fail;
  }
  wipe(s->cfg.key, sizeof(s->cfg.key));
  /* Parity outputs per block: GF16 coders may round M up to a power
   * of two (coder_shape()). */
  mmax = max_parity(c.max_data_per_block, ceiling);
  if (c.fec_scheme == PF_FEC_GF16)
    mmax = next_pow2(mmax);
  s->dptr = pf_mem_calloc(mem, c.max_data_per_block, sizeof(*s->dptr));
  s->pptr = pf_mem_calloc(mem, mmax ? mmax : 1, sizeof(*s->pptr));
  s->zero_shard = pf_mem_calloc(mem, 1, c.shard_payload);
  if (!s->dptr || !s->pptr || !s->zero_shard) {
    rv = PF_ERR_NOMEM;
    goto fail;
  }
  rv = pf_fec_cache_new(&s->fec,
                        c.fec_scheme == PF_FEC_GF8 ? FEC_CACHE_GF8
                                                   : FEC_CACHE_GF16,
                        c.fec_impl, c.shard_payload, mem);
  if (rv != 0)
    goto fail;
  /* Make the full-block coder now: an unavailable scheme fails here, and
   * the first AU does not pay for it. */
  mmax = pf_sender_block_parity(c.max_data_per_block, s->fec_percent,
                                ceiling);
  if (mmax > 0) {
    coder_shape(s, c.max_data_per_block, mmax, &kc, &mc);
    rv = pf_fec_cache_get(s->fec, c.fec_scheme, kc, mc, &fec);
    if (rv != 0)
      goto fail;
  }
  s->st.fec_percent = s->fec_percent;
  *psender = s;
  rv = 0;
  goto out;
fail:
  pf_sender_del(s);
out:
  wipe(c.key, sizeof(c.key));
  return rv;
}

/* Makes room for |n| more slots behind the queue. */
static int reserve(pf_sender *s, size_t n) {
  size_t newcap, bytes, i;
  uint8_t *nb;
  uint64_t *nd;

  if (s->head == s->tail) {
    s->head = s->tail = 0;
  }
  if (n <= s->cap - s->tail)
    return 0;
  if (s->head > 0) {
    /* Slide the waiting datagrams to the front (rare: only when AUs
     * queue up and the buffer is full). */
    memmove(s->buf, s->buf + s->head * s->dgram_bytes,
            (s->tail - s->head) * s->dgram_bytes);
    memmove(s->due, s->due + s->head, (s->tail - s->head) * sizeof(*s->due));
    for (i = 0; i < s->fr_count; i++)
      s->frame_end[(s->fr_first + i) % MAX_QUEUED_FRAMES] -= s->head;
    s->tail -= s->head;
    s->head = 0;
    if (n <= s->cap - s->tail)
      return 0;
  }
  if (n > SIZE_MAX - s->tail)
    return PF_ERR_NOMEM;
  newcap = s->tail + n;
  if (s->cap + s->cap / 2 > newcap)
    newcap = s->cap + s->cap / 2;
  if (pf_mul_overflow(newcap, s->dgram_bytes, &bytes) ||
      newcap > SIZE_MAX / sizeof(*s->due))
    return PF_ERR_NOMEM;
  nb = pf_mem_realloc(s->mem, s->buf, bytes);
  if (!nb)
    return PF_ERR_NOMEM;
  s->buf = nb;
  nd = pf_mem_realloc(s->mem, s->due, newcap * sizeof(*s->due));
  if (!nd)
    return PF_ERR_NOMEM; /* buf is larger now; harmless */
  s->due = nd;
  s->cap = newcap;
  return 0;
}

/* Writes the header of the datagram at wire position |pos| of the AU. */
static void put_header(pf_sender *s, uint8_t *slot, const pf_pkt_header *base,
                       size_t pos, size_t total, uint32_t block, uint32_t k,
                       uint32_t m, uint32_t index) {
  pf_pkt_header h = *base;

  h.stream_seq = s->stream_seq + (uint32_t)pos;
  h.block_index = (uint16_t)block;
  h.data_shards = (uint16_t)k;
  h.recovery_shards = (uint16_t)m;
  h.shard_index = (uint16_t)index;
  h.flags = PF_WIRE_FLAG_PIC;
  if (pos == 0)
    h.flags |= PF_WIRE_FLAG_SOF;
  if (pos == total - 1)
    h.flags |= PF_WIRE_FLAG_EOF;
  pf_wire_header_encode(slot + s->hoff, &h);
}

/*
 * Seals the queued slots [from, from + n) in place, just before they are
 * handed out.  Sealing at hand-out rather than at submission lets the
 * first datagrams of an AU be on their way (and the receiver work on
 * them) while the sender still seals the rest.  Each slot is handed out,
 * hence sealed, exactly once, with the seq its position fixed at
 * submission.
 */
static int seal_slots(pf_sender *s, size_t from, size_t n) {
  size_t ptlen = PF_WIRE_HEADER_BYTES + s->cfg.shard_payload;
  uint64_t seq = s->next_seq - (s->tail - from);
  uint8_t *slot = s->buf + from * s->dgram_bytes;
  size_t i;

  if (!s->aead)
    return 0;
  for (i = 0; i < n; i++, slot += s->dgram_bytes) {
    if (pf_aead_seal(s->aead, slot, s->dgram_bytes, seq + i,
                     slot + PF_WIRE_SEQ_BYTES,
                     ptlen) != (ptrdiff_t)s->dgram_bytes)
      return PF_ERR_CRYPTO_STATE;
  }
  s->sealed += n;
  if (s->cfg.aead == PF_AEAD_AES128GCM && !s->limit_warned &&
      s->sealed > PF_SENDER_AESGCM_LIMIT) {
    s->limit_warned = 1;
    pf_log(PF_LOG_WARN,
           "pf_sender: more than 2^23 datagrams sealed under one AES-128-GCM "
           "key (the usage limit of RFC 9001 section 6.6); use a fresh key");
  }
  return 0;
}

void pf_sender_set_sealed_count(pf_sender *s, uint64_t n) {
  s->sealed = n;
}

int pf_sender_submit_frame(pf_sender *s, const uint8_t *data, size_t len,
                           uint64_t pts_ns, uint32_t user_flags,
                           uint64_t now_ns) {
  const size_t payload = s ? s->cfg.shard_payload : 0;
  const size_t poff = s ? s->hoff + PF_WIRE_HEADER_BYTES : 0;
  pf_geometry g;
  pf_pkt_header base;
  pf_fec *fec = NULL;
  uint32_t kc_full, mc_full, kc_last, mc_last;
  uint8_t *slots;
  size_t b, i;
  int rv;

  if (!s || (!data && len > 0))
    return PF_ERR_INVALID_ARGUMENT;
  if (s->broken)
    return s->broken;
  if (len > s->cfg.max_frame_bytes || s->fr_count >= s->cfg.max_queued_frames)
    return PF_ERR_LIMIT;
  g.struct_size = sizeof(g);
  rv = pf_geometry_for(&g, len, s->cfg.shard_payload,
                       s->cfg.max_data_per_block, s->fec_percent,
                       s->cfg.fec_scheme);
  if (rv != 0)
    return rv;
  /* GF16 shapes are wire shapes: check_config() and
   * pf_sender_set_fec_percent() allow no other K_max and percent. */
  /* The last seq an AU may use is UINT64_MAX - 1. */
  if (s->aead && g.total > UINT64_MAX - s->next_seq)
    return PF_ERR_SEQ_EXHAUSTED;
  coder_shape(s, g.k_full, g.m_full, &kc_full, &mc_full);
  coder_shape(s, g.k_last, g.m_last, &kc_last, &mc_last);
  /* Parity outputs beyond M (GF16 rounds M up) land in the slots after
   * the AU's, which are reserved but never queued. */
  rv = reserve(s, g.total + (mc_last - g.m_last));
  if (rv != 0)
    return rv;

  memset(&base, 0, sizeof(base));
  base.pts_ns = pts_ns;
  base.frame_index = s->frame_index;
  base.frame_bytes = (uint32_t)len;
  base.user_flags = user_flags;
  base.block_count = (uint16_t)g.blocks;
  base.shard_bytes = (uint16_t)payload;
  base.magic = PF_WIRE_MAGIC;
  base.version = s->version;
  base.fec_scheme = (uint8_t)s->cfg.fec_scheme;

  slots = s->buf + s->tail * s->dgram_bytes;
  for (b = 0; b < g.blocks; b++) {
    const int last = b == g.blocks - 1;
    const uint32_t k = last ? g.k_last : g.k_full;
    const uint32_t m = last ? g.m_last : g.m_full;
    const uint32_t kc = last ? kc_last : kc_full;
    const uint32_t mc = last ? mc_last : mc_full;
    const size_t dpos = b * g.k_full;
    const size_t ppos = g.total_data + b * g.m_full;

    for (i = 0; i < k; i++) {
      uint8_t *slot = slots + (dpos + i) * s->dgram_bytes;
      size_t off = (dpos + i) * payload;
      size_t nb = off < len ? len - off : 0;

      if (nb > payload)
        nb = payload;
      if (nb > 0)
        memcpy(slot + poff, data + off, nb);
      if (nb < payload)
        memset(slot + poff + nb, 0, payload - nb);
      put_header(s, slot, &base, dpos + i, g.total, (uint32_t)b, k, m,
                 (uint32_t)i);
      s->dptr[i] = slot + poff;
    }
    if (m > 0) {
      /* Full blocks share one coder; fetch again only when the shape
       * changes (a cache lookup may evict the previous coder). */
      if (b == 0 || last) {
        rv = pf_fec_cache_get(s->fec, s->cfg.fec_scheme, kc, mc, &fec);
        if (rv != 0)
          return rv;
      }
      for (i = k; i < kc; i++)
        s->dptr[i] = s->zero_shard;
      for (i = 0; i < m; i++) {
        uint8_t *slot = slots + (ppos + i) * s->dgram_bytes;
        put_header(s, slot, &base, ppos + i, g.total, (uint32_t)b, k, m,
                   k + (uint32_t)i);
        s->pptr[i] = slot + poff;
      }
      for (i = m; i < mc; i++)
        s->pptr[i] = slots + (g.total + i - m) * s->dgram_bytes + poff;
      rv = pf_fec_encode(fec, s->dptr, s->pptr, payload);
      if (rv == PF_ERR_NOMEM)
        return rv; /* recoverable: nothing is queued yet */
      if (rv != 0) {
        s->broken = PF_ERR_INTERNAL;
        return s->broken;
      }
    }
  }

  pf_pacer_schedule(&s->pacer, now_ns, g.total, s->dgram_bytes,
                    s->due + s->tail);
  s->tail += g.total;
  s->frame_end[(s->fr_first + s->fr_count) % MAX_QUEUED_FRAMES] = s->tail;
  s->fr_count++;
  s->next_seq += g.total;
  s->stream_seq += (uint32_t)g.total;
  s->frame_index++;
  s->st.frames_submitted++;
  s->st.data_packets += g.total_data;
  s->st.parity_packets += g.total - g.total_data;
  return 0;
}

/* Forgets the AUs whose datagrams have all been handed out. */
static void pop_frames(pf_sender *s) {
  while (s->fr_count > 0 && s->frame_end[s->fr_first] <= s->head) {
    s->fr_first = (s->fr_first + 1) % MAX_QUEUED_FRAMES;
    s->fr_count--;
  }
}

int pf_sender_next_batch(pf_sender *s, pf_dgram_batch *out, size_t max_count,
                         uint64_t now_ns) {
  size_t n = 0, avail;

  if (!out)
    return PF_ERR_INVALID_ARGUMENT;
  memset(out, 0, sizeof(*out));
  out->next_due_ns = PF_TIME_NONE;
  if (!s)
    return PF_ERR_INVALID_ARGUMENT;
  out->stride = s->dgram_bytes;
  out->dgram_bytes = s->dgram_bytes;
  out->seq = s->next_seq - (s->tail - s->head);
  avail = s->tail - s->head;
  if (max_count == 0 || max_count > avail)
    max_count = avail;
  /* A fatal error ends the sender (punktfunk.h, Errors): nothing more is
   * handed out, whichever call met it. */
  if (s->broken)
    return s->broken;
  while (n < max_count && s->due[s->head + n] <= now_ns)
    n++;
  if (n > 0 && seal_slots(s, s->head, n) != 0) {
    /* Nothing of this run is handed out, so no nonce is exposed; the
     * backend is in an unknown state, so the sender stops. */
    s->broken = PF_ERR_CRYPTO_STATE;
    return s->broken;
  }
  if (n > 0) {
    out->data = s->buf + s->head * s->dgram_bytes;
    out->due_ns = s->due + s->head;
    out->count = n;
  }
  s->head += n;
  if (s->head < s->tail)
    out->next_due_ns = s->due[s->head];
  s->st.packets_sent += n;
  s->st.bytes_sent += (uint64_t)n * s->dgram_bytes;
  pop_frames(s);
  return 0;
}

ptrdiff_t pf_sender_discard(pf_sender *s) {
  size_t n;

  if (!s)
    return PF_ERR_INVALID_ARGUMENT;
  n = s->tail - s->head;
  s->head = s->tail = 0;
  s->fr_count = 0;
  s->st.packets_discarded += n;
  return (ptrdiff_t)n;
}

int pf_sender_set_fec_percent(pf_sender *s, uint32_t fec_percent) {
  if (!s)
    return PF_ERR_INVALID_ARGUMENT;
  if (fec_percent > PF_FEC_PERCENT_MAX)
    fec_percent = PF_FEC_PERCENT_MAX;
  if (s->cfg.fec_scheme == PF_FEC_GF16 &&
      !gf16_wire_shapes(s->cfg.max_data_per_block, fec_percent))
    return PF_ERR_INVALID_ARGUMENT;
  s->fec_percent = fec_percent;
  return 0;
}

int pf_sender_get_stats(const pf_sender *s, pf_sender_stats *stats) {
  pf_sender_stats st;
  size_t size;

  if (!s || !stats)
    return PF_ERR_INVALID_ARGUMENT;
  memcpy(&size, stats, sizeof(size));
  if (size < SENDER_STATS_V1_SIZE)
    return PF_ERR_ABI;
  st = s->st;
  st.struct_size = size;
  st.packets_queued = s->tail - s->head;
  st.next_seq = s->next_seq;
  st.fec_percent = s->fec_percent;
  memcpy(stats, &st, size < sizeof(st) ? size : sizeof(st));
  return 0;
}
