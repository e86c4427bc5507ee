/*
 * pf_reasm.c -- punktfunk/1 frame reassembly (see pf_reasm.h and
 * doc/internals/reassembly.md).
 *
 * Memory: pf_reasm_new() allocates every structure whose size follows
 * from the limits (frame slots with their block tables and shard
 * bitmaps, the completed-frame memory, the ready queue, the loss ring,
 * the FEC scratch arrays).  The only allocations afterwards are frame
 * buffers and parity buffers, and both go through budget_reserve(),
 * which keeps  used <= budget_bytes  *before* calling the allocator.
 * Freed buffers are kept (in their slot, or on the parity free list) and
 * reused, and released again when a new allocation needs the room.
 */
#include "dataplane/pf_reasm.h"

#include <string.h>

#include "fec/pf_fec16.h"
#include "fec/pf_fec_cache.h"
#include "base/pf_mem.h"
#include "dataplane/pf_wire.h"

/* Coders kept: the full-block shape, a few last-block shapes. */
#define FEC_CACHE_SIZE 4
/* Parity buffers kept on the free list at most (as the original). */
#define PARITY_POOL_MAX 512
/* Loss reports kept. */
#define LOSS_RING 64
/* Far-ahead datagrams near one index, with no datagram of the current
 * window in between, after which the window jumps to them (see
 * window_far_ahead()). */
#define RESYNC_DATAGRAMS 16u

enum { SLOT_FREE = 0, SLOT_ASM, SLOT_READY, SLOT_OUT };
enum { WIN_VIDEO = 0, WIN_PROBE = 1, NWIN = 2 };

/* A held parity shard; shard_bytes of payload follow the struct. */
struct par {
  struct par *next;
  uint32_t idx; /* shard_index, >= K */
};

struct blk {
  uint16_t k, m; /* pinned by the block's first packet */
  uint16_t data_rx, par_rx;
  uint8_t pinned, done;
  struct par *par; /* held parity; NULL once done */
};

struct slot {
  int state;
  int win;
  uint32_t idx;
  uint32_t frame_bytes, user_flags;
  uint32_t block_count, blocks_ok;
  uint32_t total_data;
  uint32_t recovered;
  uint32_t gen; /* bumped on every release: stale handles fail */
  uint64_t pts, received_ns;
  uint8_t *buf;
  size_t cap;      /* bytes allocated at buf (kept when FREE) */
  struct blk *blk; /* [max_blocks] */
  uint64_t *have;  /* [map_words]: data shard arrived */
  uint64_t *rec;   /* [map_words]: rebuilt, not yet seen late */
};

/* A finished or given-up frame, remembered to drop its stragglers. */
struct done_ent {
  int used;
  uint32_t idx;
  uint32_t frame_bytes;
  uint32_t nrec; /* bits set in rec */
  uint64_t *rec; /* [map_words] */
};

struct window {
  int have_newest;
  uint32_t newest;
  uint64_t newest_pts;
  struct done_ent *done; /* [window_frames + 1] */
  /* Far-ahead candidate: the furthest index of a run of datagrams more
   * than window_frames ahead of newest, and how many arrived near it
   * since the last datagram that was not far ahead. */
  uint32_t cand;
  uint64_t cand_pts;
  uint32_t cand_count;
};

struct pf_reasm {
  const pf_mem *mem;
  pf_reasm_limits lim;
  size_t map_words;
  size_t ndone;
  size_t par_bytes; /* one parity allocation */
  struct slot *slots;
  struct window win[NWIN];
  size_t *ready; /* ring of slot numbers, max_frames */
  size_t ready_head, ready_len;
  long last_out; /* release_on_next: slot handed out last */
  pf_frame_loss loss[LOSS_RING];
  size_t loss_head, loss_len;
  struct par *pool; /* free parity buffers */
  size_t pool_len;
  size_t used, peak;    /* dynamic bytes allocated (<= budget) */
  size_t fixed;         /* bytes allocated by pf_reasm_new */
  uint8_t **dec_shards; /* [max_total_shards] */
  uint8_t *dec_present; /* [max_total_shards] */
  pf_fec_cache *fec;
  pf_reasm_counters cnt;
};

static size_t div_up(size_t a, size_t b) {
  return a / b + (a % b != 0);
}

int pf_reasm_limits_derive(pf_reasm_limits *lim, uint32_t fec_scheme,
                           uint32_t shard_bytes, uint32_t max_data_shards,
                           uint32_t max_fec_percent, uint64_t max_frame_bytes,
                           uint64_t budget, uint32_t max_frames,
                           uint32_t window_frames, uint64_t loss_window_ns) {
  size_t ceiling, total, shards, blocks, rounded;

  memset(lim, 0, sizeof(*lim));
  if (fec_scheme == PF_FEC_GF8)
    ceiling = PF_FEC8_MAX_SHARDS;
  else if (fec_scheme == PF_FEC_GF16)
    ceiling = PF_FEC16_MAX_SHARDS;
  else
    return PF_ERR_INVALID_ARGUMENT;
  if (shard_bytes < 2 || shard_bytes % 2 != 0 ||
      shard_bytes >
          PF_WIRE_MAX_DATAGRAM - PF_WIRE_HEADER_BYTES - PF_WIRE_CRYPTO_OVERHEAD)
    return PF_ERR_INVALID_ARGUMENT;
  if (max_data_shards < 1 || max_data_shards > ceiling ||
      max_data_shards > UINT16_MAX)
    return PF_ERR_INVALID_ARGUMENT;
  if (max_fec_percent > 1000)
    return PF_ERR_INVALID_ARGUMENT;
  if (max_frame_bytes < 1 || max_frame_bytes > UINT32_MAX)
    return PF_ERR_INVALID_ARGUMENT;
  if (max_frames < 1 || max_frames > 4096 || window_frames < 1 ||
      window_frames > 1024 || loss_window_ns < 1)
    return PF_ERR_INVALID_ARGUMENT;
  total = (size_t)max_data_shards +
          pf_wire_recovery_for(max_data_shards, max_fec_percent);
  if (total > ceiling)
    total = ceiling;
  /* GF16: punktfunk/1 blocks are what reed-solomon-simd can decode
   * (pf_sender never emits other shapes); cap M for K_max to them, so no
   * extension-layout coder is ever built here. */
  if (fec_scheme == PF_FEC_GF16)
    while (total > max_data_shards &&
           !pf_fec16_shape_compatible(max_data_shards,
                                      (uint32_t)(total - max_data_shards)))
      total--;
  shards = div_up((size_t)max_frame_bytes, shard_bytes);
  blocks = div_up(shards, max_data_shards);
  if (blocks > UINT16_MAX)
    return PF_ERR_INVALID_ARGUMENT;
  /* A frame buffer: on a 32-bit build this product can pass 2^32. */
  if (pf_mul_overflow(shards, shard_bytes, &rounded))
    return PF_ERR_INVALID_ARGUMENT;
  if (budget == 0) {
    if (pf_mul_overflow(rounded, 4, &rounded))
      return PF_ERR_INVALID_ARGUMENT;
    budget = rounded;
  } else if (budget < rounded || budget > SIZE_MAX / 2) {
    return PF_ERR_INVALID_ARGUMENT;
  }
  lim->fec_scheme = fec_scheme;
  lim->shard_bytes = shard_bytes;
  lim->max_data_shards = max_data_shards;
  lim->max_total_shards = total;
  lim->max_fec_percent = max_fec_percent;
  lim->max_blocks = blocks;
  lim->max_frame_bytes = (size_t)max_frame_bytes;
  lim->budget_bytes = (size_t)budget;
  lim->max_frames = max_frames;
  lim->window_frames = window_frames;
  lim->loss_window_ns = loss_window_ns;
  return 0;
}

/* ------------------------------------------------------------ memory */

static void *track_calloc(pf_reasm *r, size_t n, size_t size) {
  size_t bytes;

  if (pf_mul_overflow(n, size, &bytes))
    return NULL;
  r->fixed += bytes;
  return pf_mem_calloc(r->mem, n, size);
}

static int reclaim_one(pf_reasm *r) {
  size_t i;

  if (r->pool) {
    struct par *p = r->pool;
    r->pool = p->next;
    r->pool_len--;
    pf_mem_free(r->mem, p);
    r->used -= r->par_bytes;
    return 1;
  }
  for (i = 0; i < r->lim.max_frames; i++) {
    struct slot *s = &r->slots[i];
    if (s->state == SLOT_FREE && s->buf) {
      pf_mem_free(r->mem, s->buf);
      r->used -= s->cap;
      s->buf = NULL;
      s->cap = 0;
      return 1;
    }
  }
  return 0;
}

/* Makes room for |need| more bytes within the budget; 0 if impossible. */
static int budget_reserve(pf_reasm *r, size_t need) {
  while (need > r->lim.budget_bytes - r->used)
    if (!reclaim_one(r))
      return 0;
  return 1;
}

static void budget_add(pf_reasm *r, size_t n) {
  r->used += n;
  if (r->used > r->peak)
    r->peak = r->used;
}

static void par_put(pf_reasm *r, struct par *p) {
  if (r->pool_len < PARITY_POOL_MAX) {
    p->next = r->pool;
    r->pool = p;
    r->pool_len++;
  } else {
    pf_mem_free(r->mem, p);
    r->used -= r->par_bytes;
  }
}

static void blk_release(pf_reasm *r, struct blk *b) {
  while (b->par) {
    struct par *p = b->par;
    b->par = p->next;
    par_put(r, p);
  }
}

static uint8_t *par_data(struct par *p) {
  return (uint8_t *)(p + 1);
}

/* ------------------------------------------------------------ lifecycle */

int pf_reasm_new(pf_reasm **pr, const pf_reasm_limits *lim, const pf_mem *mem) {
  pf_reasm *r;
  size_t i, w, total_data_max, frame_max;
  int rv;

  if (!pr || !lim || lim->shard_bytes == 0 || lim->max_data_shards == 0 ||
      lim->max_frames == 0 || lim->window_frames == 0 ||
      lim->max_total_shards < lim->max_data_shards)
    return PF_ERR_INVALID_ARGUMENT;
  *pr = NULL;
  mem = pf_mem_or_default(mem);
  r = pf_mem_calloc(mem, 1, sizeof(*r));
  if (!r)
    return PF_ERR_NOMEM;
  r->mem = mem;
  r->lim = *lim;
  r->fixed = sizeof(*r);
  r->last_out = -1;
  if (pf_mul_overflow(r->lim.max_blocks, r->lim.max_data_shards,
                      &total_data_max) ||
      pf_mul_overflow(total_data_max, r->lim.shard_bytes, &frame_max)) {
    pf_mem_free(mem, r);
    return PF_ERR_INVALID_ARGUMENT;
  }
  r->map_words = div_up(total_data_max, 64);
  r->ndone = (size_t)r->lim.window_frames + 1;
  r->par_bytes = sizeof(struct par) + r->lim.shard_bytes;

  r->slots = track_calloc(r, r->lim.max_frames, sizeof(*r->slots));
  r->ready = track_calloc(r, r->lim.max_frames, sizeof(*r->ready));
  r->dec_shards = track_calloc(r, r->lim.max_total_shards, sizeof(uint8_t *));
  r->dec_present = track_calloc(r, r->lim.max_total_shards, 1);
  if (!r->slots || !r->ready || !r->dec_shards || !r->dec_present)
    goto nomem;
  for (i = 0; i < r->lim.max_frames; i++) {
    struct slot *s = &r->slots[i];
    s->blk = track_calloc(r, r->lim.max_blocks, sizeof(*s->blk));
    s->have = track_calloc(r, r->map_words, sizeof(uint64_t));
    s->rec = track_calloc(r, r->map_words, sizeof(uint64_t));
    if (!s->blk || !s->have || !s->rec)
      goto nomem;
  }
  for (w = 0; w < NWIN; w++) {
    r->win[w].done = track_calloc(r, r->ndone, sizeof(struct done_ent));
    if (!r->win[w].done)
      goto nomem;
    for (i = 0; i < r->ndone; i++) {
      r->win[w].done[i].rec = track_calloc(r, r->map_words, sizeof(uint64_t));
      if (!r->win[w].done[i].rec)
        goto nomem;
    }
  }
  rv = pf_fec_cache_new(&r->fec, FEC_CACHE_SIZE, r->lim.fec_impl,
                        r->lim.shard_bytes, mem);
  if (rv == 0 && r->lim.max_total_shards > r->lim.max_data_shards) {
    pf_fec *fec;
    rv = pf_fec_cache_get(
        r->fec, r->lim.fec_scheme, (uint32_t)r->lim.max_data_shards,
        (uint32_t)(r->lim.max_total_shards - r->lim.max_data_shards), &fec);
  }
  if (rv != 0) {
    pf_reasm_del(r);
    return rv;
  }
  *pr = r;
  return 0;
nomem:
  pf_reasm_del(r);
  return PF_ERR_NOMEM;
}

void pf_reasm_del(pf_reasm *r) {
  size_t i, w;

  if (!r)
    return;
  if (r->slots) {
    for (i = 0; i < r->lim.max_frames; i++) {
      struct slot *s = &r->slots[i];
      if (s->blk) {
        uint32_t b;
        for (b = 0; b < s->block_count && s->state == SLOT_ASM; b++)
          blk_release(r, &s->blk[b]);
      }
      pf_mem_free(r->mem, s->buf);
      pf_mem_free(r->mem, s->blk);
      pf_mem_free(r->mem, s->have);
      pf_mem_free(r->mem, s->rec);
    }
  }
  for (w = 0; w < NWIN; w++) {
    if (!r->win[w].done)
      continue;
    for (i = 0; i < r->ndone; i++)
      pf_mem_free(r->mem, r->win[w].done[i].rec);
    pf_mem_free(r->mem, r->win[w].done);
  }
  while (r->pool) {
    struct par *p = r->pool;
    r->pool = p->next;
    pf_mem_free(r->mem, p);
  }
  pf_fec_cache_del(r->fec);
  pf_mem_free(r->mem, r->slots);
  pf_mem_free(r->mem, r->ready);
  pf_mem_free(r->mem, r->dec_shards);
  pf_mem_free(r->mem, r->dec_present);
  pf_mem_free(r->mem, r);
}

/* ------------------------------------------------------------ bitmaps */

static int bit_get(const uint64_t *m, size_t i) {
  return (int)(m[i / 64] >> (i % 64) & 1);
}
static void bit_set(uint64_t *m, size_t i) {
  m[i / 64] |= (uint64_t)1 << (i % 64);
}
static void bit_clear(uint64_t *m, size_t i) {
  m[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* ------------------------------------------------------------ windows */

/* Wrapping distance of |idx| behind |newest|; "ahead" is > UINT32_MAX/2. */
static uint32_t age_of(uint32_t newest, uint32_t idx) {
  return newest - idx;
}

static void loss_push(pf_reasm *r, const struct slot *s, uint32_t reason) {
  pf_frame_loss *l;

  if (r->loss_len == LOSS_RING) {
    r->loss_head = (r->loss_head + 1) % LOSS_RING;
    r->loss_len--;
    r->cnt.losses_overflowed++;
  }
  l = &r->loss[(r->loss_head + r->loss_len) % LOSS_RING];
  memset(l, 0, sizeof(*l));
  l->frame_index = s->idx;
  l->reason = reason;
  l->pts_ns = s->pts;
  l->flags = s->user_flags;
  r->loss_len++;
}

/* Records |s| (finished or given up) in its window's completed memory. */
static void done_record(pf_reasm *r, const struct slot *s, int keep_rec) {
  struct window *wn = &r->win[s->win];
  struct done_ent *e = NULL, *oldest = &wn->done[0];
  size_t i;

  /* A free entry always exists while entries stay inside the index
   * window (at most window_frames + 1 distinct indices); otherwise the
   * oldest is replaced. */
  for (i = 0; i < r->ndone && !e; i++) {
    if (!wn->done[i].used)
      e = &wn->done[i];
    else if (age_of(wn->newest, wn->done[i].idx) >
             age_of(wn->newest, oldest->idx))
      oldest = &wn->done[i];
  }
  if (!e)
    e = oldest;
  e->used = 1;
  e->idx = s->idx;
  e->frame_bytes = s->frame_bytes;
  e->nrec = 0;
  if (keep_rec && s->recovered) {
    size_t words = div_up(s->total_data, 64);
    memcpy(e->rec, s->rec, words * sizeof(uint64_t));
    e->nrec = s->recovered;
  }
}

static struct done_ent *done_find(pf_reasm *r, int w, uint32_t idx) {
  size_t i;

  for (i = 0; i < r->ndone; i++)
    if (r->win[w].done[i].used && r->win[w].done[i].idx == idx)
      return &r->win[w].done[i];
  return NULL;
}

/* Gives up an assembling frame: buffers back to the pools, remembered. */
static void slot_abandon(pf_reasm *r, struct slot *s, uint32_t reason) {
  uint32_t b;

  for (b = 0; b < s->block_count; b++)
    blk_release(r, &s->blk[b]);
  done_record(r, s, 0);
  if (s->win == WIN_VIDEO) {
    r->cnt.frames_dropped++;
    loss_push(r, s, reason);
  } else {
    r->cnt.probe_frames_dropped++;
  }
  s->state = SLOT_FREE;
  s->gen++;
}

static int too_old(const pf_reasm *r, const struct window *wn, uint32_t idx,
                   uint64_t pts) {
  uint32_t age = age_of(wn->newest, idx);

  if (age > r->lim.window_frames)
    return 1;
  return wn->newest_pts > pts && wn->newest_pts - pts > r->lim.loss_window_ns;
}

/* The newest frame moved: give up what fell out, forget old memories. */
static void window_advance(pf_reasm *r, int w) {
  struct window *wn = &r->win[w];
  size_t i;

  for (i = 0; i < r->lim.max_frames; i++) {
    struct slot *s = &r->slots[i];
    if (s->state != SLOT_ASM || s->win != w)
      continue;
    if (age_of(wn->newest, s->idx) > r->lim.window_frames)
      slot_abandon(r, s, PF_LOSS_INDEX_WINDOW);
    else if (too_old(r, wn, s->idx, s->pts))
      slot_abandon(r, s, PF_LOSS_TIME_WINDOW);
  }
  for (i = 0; i < r->ndone; i++)
    if (wn->done[i].used &&
        age_of(wn->newest, wn->done[i].idx) > r->lim.window_frames)
      wn->done[i].used = 0;
}

/*
 * A packet more than window_frames ahead of the newest frame.  Moving the
 * window there would put every frame the current stream sends next
 * behind it (stale), so one such packet -- forged in unsealed mode, or
 * from another run -- must not move it.  The window jumps only on
 * sustained evidence: RESYNC_DATAGRAMS far-ahead packets within
 * window_frames of one another with no packet of the current window in
 * between (every other packet resets the count), as after an outage of
 * more than window_frames frames.  Returns 1 when the window jumped
 * (the packet is then used), 0 when the packet is to be dropped.
 */
/*
 * 1 if window |wn| has a newest frame and |idx| is at most window_frames
 * ahead of it (or behind it).  pf_sender numbers probe and video AUs in
 * one index space, so a probe window sees gaps as long as the video
 * between two probes (and the video window the probes between two
 * frames): a packet is far ahead only if it is near neither window.
 */
static int near_window(const pf_reasm *r, const struct window *wn,
                       uint32_t idx) {
  uint32_t d = idx - wn->newest;

  return wn->have_newest && (d <= r->lim.window_frames || d > UINT32_MAX / 2);
}

static int window_far_ahead(pf_reasm *r, int w, const pf_pkt_header *h) {
  struct window *wn = &r->win[w];
  uint32_t d = h->frame_index - wn->cand;

  /* d wraps: -d is small exactly when the packet is behind the candidate
   * (cppcheck's value flow misses the wrap). */
  if (wn->cand_count > 0 &&
      /* cppcheck-suppress knownConditionTrueFalse */
      (d <= r->lim.window_frames || (uint32_t)-d <= r->lim.window_frames)) {
    wn->cand_count++;
    if (d != 0 && d <= r->lim.window_frames) {
      wn->cand = h->frame_index;
      wn->cand_pts = h->pts_ns;
    }
  } else {
    wn->cand = h->frame_index;
    wn->cand_pts = h->pts_ns;
    wn->cand_count = 1;
  }
  if (wn->cand_count < RESYNC_DATAGRAMS)
    return 0;
  wn->cand_count = 0;
  wn->newest = wn->cand;
  wn->newest_pts = wn->cand_pts;
  r->cnt.window_resyncs++;
  window_advance(r, w);
  return 1;
}

/* ------------------------------------------------------------ frames */

static struct slot *slot_find(pf_reasm *r, int w, uint32_t idx) {
  size_t i;

  for (i = 0; i < r->lim.max_frames; i++) {
    struct slot *s = &r->slots[i];
    if (s->state == SLOT_ASM && s->win == w && s->idx == idx)
      return s;
  }
  return NULL;
}

/* Opens a frame; returns 0, PF_DROP_LIMITS, PF_DROP_BUDGET or
 * PF_DROP_NOMEM. */
static int slot_open(pf_reasm *r, int w, const pf_pkt_header *h,
                     size_t total_data, struct slot **ps) {
  size_t need, i;
  struct slot *best = NULL, *any = NULL;

  /* total_data <= max_blocks * K_max, whose product with S pf_reasm_new
   * checked; checked again here, where the buffer is sized, so a 32-bit
   * build can never wrap into a small buffer. */
  if (pf_mul_overflow(total_data, r->lim.shard_bytes, &need))
    return PF_DROP_LIMITS;

  for (i = 0; i < r->lim.max_frames; i++) {
    struct slot *s = &r->slots[i];
    if (s->state != SLOT_FREE)
      continue;
    if (s->cap >= need && (!best || s->cap < best->cap))
      best = s;
    if (!any || s->cap > any->cap)
      any = s;
  }
  if (!any)
    return PF_DROP_BUDGET;
  if (!best) {
    best = any;
    if (best->buf) {
      pf_mem_free(r->mem, best->buf);
      r->used -= best->cap;
      best->buf = NULL;
      best->cap = 0;
    }
    if (!budget_reserve(r, need))
      return PF_DROP_BUDGET;
    best->buf = pf_mem_malloc(r->mem, need);
    if (!best->buf)
      return PF_DROP_NOMEM;
    best->cap = need;
    budget_add(r, need);
  }
  best->state = SLOT_ASM;
  best->win = w;
  best->idx = h->frame_index;
  best->frame_bytes = h->frame_bytes;
  best->user_flags = h->user_flags;
  best->block_count = h->block_count;
  best->blocks_ok = 0;
  best->total_data = (uint32_t)total_data;
  best->recovered = 0;
  best->pts = h->pts_ns;
  best->received_ns = 0;
  memset(best->blk, 0, h->block_count * sizeof(*best->blk));
  memset(best->have, 0, div_up(total_data, 64) * sizeof(uint64_t));
  memset(best->rec, 0, div_up(total_data, 64) * sizeof(uint64_t));
  *ps = best;
  return 0;
}

static void slot_finish(pf_reasm *r, struct slot *s, uint64_t now_ns) {
  done_record(r, s, 1);
  s->state = SLOT_READY;
  s->received_ns = now_ns;
  r->ready[(r->ready_head + r->ready_len) % r->lim.max_frames] =
      (size_t)(s - r->slots);
  r->ready_len++;
  if (s->win == WIN_VIDEO)
    r->cnt.frames_completed++;
  else
    r->cnt.probe_frames_completed++;
}

/*
 * The block has K shards: rebuild missing data shards in place.  Returns
 * 0, PF_ERR_NOMEM when the coder for the block's shape cannot be made,
 * or -1 when the coder is unavailable or refuses (either way the frame
 * is then given up by the caller).
 */
static int blk_complete(pf_reasm *r, struct slot *s, uint32_t bi) {
  struct blk *b = &s->blk[bi];
  size_t S = r->lim.shard_bytes, base = (size_t)bi * r->lim.max_data_shards;
  size_t i, n = (size_t)b->k + b->m;
  uint32_t missing = b->k - b->data_rx;
  struct par *p;
  pf_fec *fec;
  int rv;

  if (missing > 0) {
    rv = pf_fec_cache_get(r->fec, r->lim.fec_scheme, b->k, b->m, &fec);
    if (rv != 0)
      return rv == PF_ERR_NOMEM ? rv : -1;
    for (i = 0; i < b->k; i++) {
      r->dec_shards[i] = s->buf + (base + i) * S;
      r->dec_present[i] = (uint8_t)bit_get(s->have, base + i);
    }
    for (; i < n; i++) {
      r->dec_shards[i] = NULL;
      r->dec_present[i] = 0;
    }
    for (p = b->par; p; p = p->next) {
      r->dec_shards[p->idx] = par_data(p);
      r->dec_present[p->idx] = 1;
    }
    rv = pf_fec_decode(fec, r->dec_shards, r->dec_present, S);
    if (rv < 0)
      return rv == PF_ERR_NOMEM ? rv : -1;
    for (i = 0; i < b->k; i++) {
      if (!bit_get(s->have, base + i)) {
        bit_set(s->rec, base + i);
        s->recovered++;
      }
    }
    r->cnt.fec_recovered_shards += missing;
  }
  blk_release(r, b);
  b->done = 1;
  s->blocks_ok++;
  return 0;
}

#define DROP(why)                                                              \
  do {                                                                         \
    *reason = (why);                                                           \
    r->cnt.drops[(why)]++;                                                     \
    return (why) == PF_DROP_NOMEM ? PF_ERR_NOMEM : PF_ERR_DROP;                \
  } while (0)

int pf_reasm_push(pf_reasm *r, const uint8_t *pkt, size_t len, uint64_t now_ns,
                  int *reason) {
  return pf_reasm_push_info(r, pkt, len, now_ns, reason, NULL);
}

int pf_reasm_push_info(pf_reasm *r, const uint8_t *pkt, size_t len,
                       uint64_t now_ns, int *reason, pf_reasm_pushed *info) {
  const size_t S = r->lim.shard_bytes, kmax = r->lim.max_data_shards;
  const uint8_t *shard;
  struct window *wn;
  struct slot *s;
  struct blk *b;
  pf_pkt_header h;
  size_t K, total, total_data, blocks, expect_k, sid;
  int w, rv, dummy;

  if (!reason)
    reason = &dummy;
  *reason = PF_DROP_NONE;

  /* Firewall, in the order of doc/wire-format.md 10.3; nothing is allocated or
   * looked up before every field is within its limit. */
  if (!pkt || len < PF_WIRE_HEADER_BYTES)
    DROP(PF_DROP_TOO_SHORT);
  (void)pf_wire_header_decode(&h, pkt, len);
  if (h.magic != PF_WIRE_MAGIC)
    DROP(PF_DROP_BAD_MAGIC);
  if (h.shard_bytes != S)
    DROP(PF_DROP_GEOMETRY);
  if (len - PF_WIRE_HEADER_BYTES < S)
    DROP(PF_DROP_TOO_SHORT);
  K = h.data_shards;
  total = K + h.recovery_shards;
  if (K == 0 || K > kmax)
    DROP(PF_DROP_LIMITS);
  if (total > r->lim.max_total_shards)
    DROP(PF_DROP_LIMITS);
  /* A GF16 shape reed-solomon-simd refuses is no punktfunk/1 block
   * (and would cost a 65536-row decode in the extension layout). */
  if (r->lim.fec_scheme == PF_FEC_GF16 && h.recovery_shards > 0 &&
      !pf_fec16_shape_compatible(K, h.recovery_shards))
    DROP(PF_DROP_LIMITS);
  if (h.shard_index >= total)
    DROP(PF_DROP_GEOMETRY);
  if (h.block_count == 0) /* streamed-AU sentinel: not negotiated */
    DROP(PF_DROP_GEOMETRY);
  if (h.block_count > r->lim.max_blocks)
    DROP(PF_DROP_LIMITS);
  if (h.block_index >= h.block_count)
    DROP(PF_DROP_GEOMETRY);
  if (h.frame_bytes > r->lim.max_frame_bytes)
    DROP(PF_DROP_LIMITS);
  /* Derived geometry: sender and receiver agree on S and K_max. */
  total_data = div_up(h.frame_bytes, S);
  if (total_data == 0)
    total_data = 1;
  blocks = div_up(total_data, kmax);
  if (h.block_count != blocks)
    DROP(PF_DROP_GEOMETRY);
  expect_k =
      h.block_index + 1u == blocks ? total_data - (blocks - 1) * kmax : kmax;
  if (K != expect_k)
    DROP(PF_DROP_GEOMETRY);
  /* M is tied to K: a conforming sender at up to max_fec_percent sends
   * at most M(K) parity shards (the same function computes it there).
   * Without this, one datagram with K = 1, M = limit - 1 and a parity
   * index completes its block at once and costs a decode over K + M
   * positions (GF16: 150x a normal datagram at pf-recv's defaults). */
  if (h.recovery_shards >
      pf_wire_recovery_for((uint32_t)K, r->lim.max_fec_percent))
    DROP(PF_DROP_GEOMETRY);
  shard = pkt + PF_WIRE_HEADER_BYTES;

  /* Windows. */
  w = (h.user_flags & PF_USER_FLAG_PROBE) ? WIN_PROBE : WIN_VIDEO;
  if (info) {
    info->frame_index = h.frame_index;
    info->video = w == WIN_VIDEO;
    info->first_block_pos =
        h.block_index == 0 && h.shard_index < K ? (int)h.shard_index : -1;
    info->au_total = 0;
  }
  wn = &r->win[w];
  if (!wn->have_newest) {
    /* The first packet of a window: far ahead if the other window has
     * a newest frame and it is not near that. */
    if (r->win[!w].have_newest &&
        !near_window(r, &r->win[!w], h.frame_index) &&
        !window_far_ahead(r, w, &h))
      DROP(PF_DROP_FAR_AHEAD);
    wn->have_newest = 1;
    wn->newest = h.frame_index;
    wn->newest_pts = h.pts_ns;
  } else if (h.frame_index != wn->newest &&
             (uint32_t)(h.frame_index - wn->newest) <= UINT32_MAX / 2) {
    if (h.frame_index - wn->newest > r->lim.window_frames &&
        !near_window(r, &r->win[!w], h.frame_index)) {
      if (!window_far_ahead(r, w, &h))
        DROP(PF_DROP_FAR_AHEAD);
    } else {
      wn->cand_count = 0;
      wn->newest = h.frame_index;
      wn->newest_pts = h.pts_ns;
      window_advance(r, w);
    }
  } else {
    wn->cand_count = 0;
  }

  s = slot_find(r, w, h.frame_index);
  if (!s) {
    struct done_ent *e = done_find(r, w, h.frame_index);
    if (e) {
      /* A data shard FEC already rebuilt arrives after all: count it once
       * so fec_recovered - fec_late is what was really lost. */
      if (h.shard_index < K && e->nrec && e->frame_bytes == h.frame_bytes) {
        sid = (size_t)h.block_index * kmax + h.shard_index;
        if (bit_get(e->rec, sid)) {
          bit_clear(e->rec, sid);
          e->nrec--;
          r->cnt.fec_late_shards++;
        }
      }
      DROP(PF_DROP_LATE);
    }
    if (too_old(r, wn, h.frame_index, h.pts_ns))
      DROP(PF_DROP_STALE);
    rv = slot_open(r, w, &h, total_data, &s);
    if (rv != 0)
      DROP(rv);
  } else if (s->frame_bytes != h.frame_bytes ||
             s->block_count != h.block_count) {
    DROP(PF_DROP_GEOMETRY);
  }

  b = &s->blk[h.block_index];
  if (!b->pinned) {
    b->pinned = 1;
    b->k = (uint16_t)K;
    b->m = h.recovery_shards;
  } else if (b->m != h.recovery_shards) {
    DROP(PF_DROP_GEOMETRY);
  }

  if (h.shard_index < K) {
    sid = (size_t)h.block_index * kmax + h.shard_index;
    if (b->done) {
      if (bit_get(s->rec, sid)) {
        bit_clear(s->rec, sid);
        r->cnt.fec_late_shards++;
        DROP(PF_DROP_LATE);
      }
      DROP(PF_DROP_DUPLICATE);
    }
    if (bit_get(s->have, sid))
      DROP(PF_DROP_DUPLICATE);
    memcpy(s->buf + sid * S, shard, S);
    bit_set(s->have, sid);
    b->data_rx++;
  } else {
    struct par *p;
    if (b->done)
      DROP(PF_DROP_LATE);
    for (p = b->par; p; p = p->next)
      if (p->idx == h.shard_index)
        DROP(PF_DROP_DUPLICATE);
    if (r->pool) {
      p = r->pool;
      r->pool = p->next;
      r->pool_len--;
    } else {
      if (!budget_reserve(r, r->par_bytes))
        DROP(PF_DROP_BUDGET);
      p = pf_mem_malloc(r->mem, r->par_bytes);
      if (!p)
        DROP(PF_DROP_NOMEM);
      budget_add(r, r->par_bytes);
    }
    p->idx = h.shard_index;
    memcpy(par_data(p), shard, S);
    p->next = b->par;
    b->par = p;
    b->par_rx++;
  }

  if ((size_t)b->data_rx + b->par_rx >= b->k) {
    int brv = blk_complete(r, s, h.block_index);

    if (brv != 0) {
      slot_abandon(r, s, PF_LOSS_FEC);
      DROP(brv == PF_ERR_NOMEM ? PF_DROP_NOMEM : PF_DROP_FEC);
    }
    if (s->blocks_ok == s->block_count) {
      slot_finish(r, s, now_ns);
      if (info) {
        /* Every block has K shards, so every block's shape is pinned. */
        uint32_t bi, t = 0;
        for (bi = 0; bi < s->block_count; bi++)
          t += (uint32_t)s->blk[bi].k + s->blk[bi].m;
        info->au_total = t;
      }
    }
  }
  return 0;
}

/* ------------------------------------------------------------ delivery */

#define FRAME_V1_SIZE (offsetof(pf_frame, handle_) + sizeof(uint32_t))
#define LOSS_V1_SIZE (offsetof(pf_frame_loss, flags) + sizeof(uint32_t))

static void slot_release(struct slot *s) {
  s->state = SLOT_FREE;
  s->gen++;
}

int pf_reasm_next_frame(pf_reasm *r, pf_frame *out) {
  pf_frame f;
  struct slot *s;
  size_t n, i;

  if (!r || !out)
    return PF_ERR_INVALID_ARGUMENT;
  if (out->struct_size < FRAME_V1_SIZE)
    return PF_ERR_ABI;
  if (r->lim.release_on_next && r->last_out >= 0) {
    s = &r->slots[r->last_out];
    if (s->state == SLOT_OUT)
      slot_release(s);
    r->last_out = -1;
  }
  if (r->ready_len == 0)
    return PF_ERR_NOFRAME;
  i = r->ready[r->ready_head];
  r->ready_head = (r->ready_head + 1) % r->lim.max_frames;
  r->ready_len--;
  s = &r->slots[i];
  s->state = SLOT_OUT;
  r->last_out = (long)i;
  memset(&f, 0, sizeof(f));
  f.struct_size = out->struct_size < sizeof(f) ? out->struct_size : sizeof(f);
  f.len = s->frame_bytes;
  f.data = f.len ? s->buf : NULL;
  f.frame_index = s->idx;
  f.flags = s->user_flags;
  f.pts_ns = s->pts;
  f.received_ns = s->received_ns;
  f.recovered_shards = s->recovered;
  /* handle = slot number + 1 in the low 12 bits (<= 4096 slots), the
   * slot's generation above, so a stale or repeated handle is refused. */
  f.handle_ = (uint32_t)(i + 1) | (s->gen << 13);
  n = f.struct_size;
  memcpy(out, &f, n);
  return 0;
}

int pf_reasm_frame_done(pf_reasm *r, const pf_frame *frame) {
  size_t i;
  struct slot *s;

  if (!r || !frame || frame->struct_size < FRAME_V1_SIZE)
    return PF_ERR_INVALID_ARGUMENT;
  i = frame->handle_ & 0x1fffu;
  if (i == 0 || i > r->lim.max_frames)
    return PF_ERR_INVALID_ARGUMENT;
  s = &r->slots[i - 1];
  if (s->state != SLOT_OUT ||
      (frame->handle_ >> 13) != (s->gen & (UINT32_MAX >> 13)))
    return PF_ERR_INVALID_ARGUMENT;
  slot_release(s);
  if (r->last_out == (long)(i - 1))
    r->last_out = -1;
  return 0;
}

int pf_reasm_next_loss(pf_reasm *r, pf_frame_loss *out) {
  pf_frame_loss l;
  size_t n;

  if (!r || !out)
    return PF_ERR_INVALID_ARGUMENT;
  if (out->struct_size < LOSS_V1_SIZE)
    return PF_ERR_ABI;
  if (r->loss_len == 0)
    return PF_ERR_NOFRAME;
  l = r->loss[r->loss_head];
  r->loss_head = (r->loss_head + 1) % LOSS_RING;
  r->loss_len--;
  n = out->struct_size < sizeof(l) ? out->struct_size : sizeof(l);
  l.struct_size = n;
  memcpy(out, &l, n);
  return 0;
}

void pf_reasm_reset(pf_reasm *r) {
  size_t i, w;

  if (!r)
    return;
  for (i = 0; i < r->lim.max_frames; i++) {
    struct slot *s = &r->slots[i];
    if (s->state == SLOT_ASM) {
      uint32_t b;
      for (b = 0; b < s->block_count; b++)
        blk_release(r, &s->blk[b]);
      slot_release(s);
    } else if (s->state == SLOT_READY) {
      slot_release(s);
    }
  }
  r->ready_head = r->ready_len = 0;
  r->loss_head = r->loss_len = 0;
  for (w = 0; w < NWIN; w++) {
    r->win[w].have_newest = 0;
    r->win[w].cand_count = 0;
    for (i = 0; i < r->ndone; i++)
      r->win[w].done[i].used = 0;
  }
}

const pf_reasm_counters *pf_reasm_get_counters(const pf_reasm *r) {
  return &r->cnt;
}

size_t pf_reasm_inflight_frames(const pf_reasm *r) {
  size_t i, n = 0;

  for (i = 0; i < r->lim.max_frames; i++)
    n += r->slots[i].state != SLOT_FREE;
  return n;
}

size_t pf_reasm_inflight_bytes(const pf_reasm *r) {
  return r->used;
}
size_t pf_reasm_peak_inflight_bytes(const pf_reasm *r) {
  return r->peak;
}
size_t pf_reasm_fixed_bytes(const pf_reasm *r) {
  return r->fixed;
}
