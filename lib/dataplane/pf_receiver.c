/*
 * pf_receiver.c -- the public receiver: per datagram, AEAD open (sealed
 * mode), the anti-replay window, then the reassembler.  The order
 * follows the original client (doc/wire-format.md 10.1): authenticate
 * first, so a forged datagram can neither move the replay window nor
 * reach the header parser; replay check on the authenticated seq; then
 * reassembly.  Every drop is counted by reason; none is fatal.
 *
 * One shortcut before the open: an AU's datagrams take consecutive seqs
 * (the packetizer numbers them in wire order, doc/wire-format.md 5.3),
 * so once a frame is finished the seq range of its AU is known
 * ([seq of block 0 data shard i] - i, plus the sum of K + M) and later
 * datagrams in it -- parity FEC did not need -- are dropped as late
 * without paying for the open.  A forged datagram in such a range is
 * dropped too, as it would be anyway; only its counter differs.
 */
#include "dataplane/pf_receiver.h"

#include <string.h>

#include "base/pf_abi.h"
#include "dataplane/pf_aead.h"
#include "base/pf_mem.h"
#include "dataplane/pf_replay.h"
#include "dataplane/pf_wire.h"

/* Frames whose AU start is remembered, finished AU ranges kept. */
#define AU_STARTS 16u
#define DONE_RANGES 8u
/* In-order delivery: largest hold, default wait, loss reports kept. */
#define ORDER_HOLD_MAX 1024u
#define ORDER_HOLD_NS 200000000u
#define ORDER_LOSSES 64u
/* A locked run: seqs more than this ahead of the newest are another
 * run's (a sender's first seq is random in 2^63). */
#define RUN_MAX_JUMP ((uint64_t)1 << 32)

/* In-order delivery: a held frame, or (lost) an index given up. */
struct held {
  pf_frame f;
  uint64_t since;
  int used, lost;
};

struct au_start {
  uint64_t s0; /* seq of the AU's first datagram */
  uint32_t frame;
  int valid;
};

struct seq_range {
  uint64_t lo, hi; /* [lo, hi) */
};

struct pf_receiver {
  const pf_mem *mem;
  pf_receiver_config cfg;
  pf_reasm *reasm;
  pf_aead *aead;
  pf_replay replay;
  int last_drop;
  uint64_t packets_received, bytes_received;
  uint64_t drops[PF_DROP_NREASONS]; /* before the reassembler */
  struct au_start starts[AU_STARTS];
  struct seq_range done[DONE_RANGES];
  unsigned done_next;
  int no_skip; /* a sender broke the consecutive-seq rule: stop skipping */
  /* run lock (sealed mode) */
  int locked;
  uint64_t run_first;
  /* in-order delivery (cfg.order_hold_frames > 0) */
  struct held *hold; /* order_hold_frames entries */
  size_t nheld;      /* entries used (frames and lost markers) */
  size_t nframes;    /* of which frames */
  uint32_t next_idx; /* the next video frame to hand out */
  uint64_t now;      /* newest caller time seen */
  int release_all;
  pf_frame pending; /* pulled while the hold was full */
  int has_pending;
  pf_frame_loss losses[ORDER_LOSSES];
  size_t loss_head, loss_len;
  uint64_t order_skipped, order_late, losses_overflowed;
  uint8_t pt[PF_WIRE_MAX_DATAGRAM]; /* opened plaintext */
};

void pf_receiver_config_default(pf_receiver_config *cfg) {
  if (!cfg)
    return;
  memset(cfg, 0, sizeof(*cfg));
  cfg->struct_size = sizeof(*cfg);
  cfg->fec_scheme = PF_FEC_GF8;
  cfg->shard_payload = 1024;
  cfg->max_data_per_block = 200;
  cfg->max_fec_percent = PF_FEC_PERCENT_MAX;
  cfg->max_frame_bytes = 64ull * 1024 * 1024;
  cfg->inflight_budget_bytes = 0;
  cfg->max_inflight_frames = 32;
  cfg->loss_window_frames = 64;
  cfg->loss_window_ns = 120000000u;
  cfg->aead = PF_AEAD_NONE;
  cfg->key_len = 0;
  cfg->peer_direction = PF_DIR_HOST;
  cfg->release_on_next = 0;
  cfg->fec_impl = PF_FEC_IMPL_AUTO;
  cfg->order_hold_frames = 0;
  cfg->order_first_index = 0;
  cfg->order_hold_ns = ORDER_HOLD_NS;
  cfg->run_lock = 0;
}

static int all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  size_t i;

  for (i = 0; i < n; i++)
    acc |= p[i];
  return acc == 0;
}

static void wipe(void *p, size_t n) {
  volatile uint8_t *v = p;

  while (n--)
    *v++ = 0;
}

int pf_receiver_new(pf_receiver **pr, const pf_receiver_config *cfg,
                    const pf_mem *mem) {
  pf_receiver_config c;
  pf_reasm_limits lim;
  pf_receiver *r;
  int rv;

  if (!pr || !cfg)
    return PF_ERR_INVALID_ARGUMENT;
  *pr = NULL;
  pf_receiver_config_default(&c);
  rv = pf_config_copy(&c, sizeof(c), cfg, PF_RECEIVER_CONFIG_V1_SIZE);
  if (rv != 0)
    return rv;
  rv = pf_reasm_limits_derive(
      &lim, c.fec_scheme, c.shard_payload, c.max_data_per_block,
      c.max_fec_percent, c.max_frame_bytes, c.inflight_budget_bytes,
      c.max_inflight_frames, c.loss_window_frames, c.loss_window_ns);
  lim.release_on_next = c.release_on_next != 0;
  lim.fec_impl = c.fec_impl;
  if (rv == 0 && (c.release_on_next > 1 || c.peer_direction > PF_DIR_CLIENT ||
                  c.fec_impl > PF_FEC_IMPL_AVX512 || c.run_lock > 1 ||
                  c.order_hold_frames > ORDER_HOLD_MAX))
    rv = PF_ERR_INVALID_ARGUMENT;
  if (rv == 0 && c.order_hold_frames > 0 &&
      (c.order_hold_frames >= c.max_inflight_frames || c.release_on_next ||
       c.order_hold_ns == 0))
    rv = PF_ERR_INVALID_ARGUMENT;
  if (rv == 0 && c.aead != PF_AEAD_NONE) {
    size_t want = c.aead == PF_AEAD_AES128GCM ? PF_AEAD_AES128GCM_KEYBYTES
                  : c.aead == PF_AEAD_CHACHA20POLY1305
                      ? PF_AEAD_CHACHA20POLY1305_KEYBYTES
                      : 0;
    if (want == 0 || c.key_len != want || all_zero(c.key, c.key_len))
      rv = PF_ERR_INVALID_ARGUMENT;
  }
  if (rv != 0) {
    wipe(c.key, sizeof(c.key));
    return rv;
  }
  mem = pf_mem_or_default(mem);
  r = pf_mem_calloc(mem, 1, sizeof(*r));
  if (!r) {
    wipe(c.key, sizeof(c.key));
    return PF_ERR_NOMEM;
  }
  r->mem = mem;
  r->cfg = c;
  wipe(c.key, sizeof(c.key));
  pf_replay_init(&r->replay);
  r->next_idx = r->cfg.order_first_index;
  rv = pf_reasm_new(&r->reasm, &lim, mem);
  if (rv == 0 && r->cfg.order_hold_frames > 0) {
    r->hold = pf_mem_calloc(mem, r->cfg.order_hold_frames, sizeof(*r->hold));
    if (!r->hold)
      rv = PF_ERR_NOMEM;
  }
  if (rv == 0 && r->cfg.aead != PF_AEAD_NONE)
    rv = pf_aead_new(&r->aead, r->cfg.aead, r->cfg.key, r->cfg.key_len,
                     r->cfg.salt, r->cfg.peer_direction, mem);
  /* The cipher keeps its own key schedule; our copy is not needed. */
  wipe(r->cfg.key, sizeof(r->cfg.key));
  if (rv != 0) {
    pf_receiver_del(r);
    return rv;
  }
  *pr = r;
  return 0;
}

void pf_receiver_del(pf_receiver *r) {
  if (!r)
    return;
  pf_reasm_del(r->reasm);
  pf_aead_del(r->aead);
  pf_mem_free(r->mem, r->hold);
  wipe(r->pt, sizeof(r->pt));
  pf_mem_free(r->mem, r);
}

static int drop(pf_receiver *r, int why) {
  r->drops[why]++;
  r->last_drop = why;
  return PF_ERR_DROP;
}

static int in_finished_au(const pf_receiver *r, uint64_t seq) {
  unsigned i;

  for (i = 0; i < DONE_RANGES; i++)
    if (seq - r->done[i].lo < r->done[i].hi - r->done[i].lo)
      return 1;
  return 0;
}

/* Learns where the AU of an authenticated, used datagram starts, and
 * records the AU's seq range when this datagram finished its frame. */
static void note_au(pf_receiver *r, uint64_t seq, const pf_reasm_pushed *in) {
  struct au_start *a = &r->starts[in->frame_index % AU_STARTS];

  if (!in->video)
    return;
  if (in->first_block_pos >= 0) {
    if ((uint64_t)in->first_block_pos > seq) {
      r->no_skip = 1;
      return;
    }
    a->s0 = seq - (uint64_t)in->first_block_pos;
    a->frame = in->frame_index;
    a->valid = 1;
  }
  if (in->au_total == 0 || !a->valid || a->frame != in->frame_index)
    return;
  a->valid = 0;
  if (seq < a->s0 || seq - a->s0 >= in->au_total ||
      in->au_total > UINT64_MAX - a->s0) {
    /* This datagram lies outside the range its AU would have: the
     * sender does not number AUs consecutively. */
    r->no_skip = 1;
    memset(r->done, 0, sizeof(r->done));
    return;
  }
  r->done[r->done_next].lo = a->s0;
  r->done[r->done_next].hi = a->s0 + in->au_total;
  r->done_next = (r->done_next + 1) % DONE_RANGES;
}

int pf_receiver_read_datagram(pf_receiver *r, const uint8_t *dg, size_t len,
                              uint64_t now_ns) {
  const uint8_t *pkt = dg;
  size_t plen = len;
  int rv, why = PF_DROP_NONE;
  uint64_t seq = 0;
  pf_reasm_pushed info;

  if (!r || (!dg && len > 0))
    return PF_ERR_INVALID_ARGUMENT;
  r->last_drop = PF_DROP_NONE;
  if (now_ns > r->now)
    r->now = now_ns;
  if (len > PF_WIRE_MAX_DATAGRAM)
    return drop(r, PF_DROP_TOO_LONG);
  if (r->aead) {
    ptrdiff_t n;

    if (len < PF_WIRE_CRYPTO_OVERHEAD)
      return drop(r, PF_DROP_TOO_SHORT);
    if (in_finished_au(r, pf_get_u64be(dg)))
      return drop(r, PF_DROP_LATE);
    n = pf_aead_open(r->aead, r->pt, sizeof(r->pt), &seq, dg, len);
    if (n < 0)
      return drop(r, PF_DROP_AUTH);
    if (r->locked) {
      uint64_t hi = r->replay.seen && r->replay.highest > r->run_first
                        ? r->replay.highest
                        : r->run_first;
      if (seq < r->run_first || (seq > hi && seq - hi > RUN_MAX_JUMP))
        return drop(r, PF_DROP_OTHER_RUN);
    } else if (r->cfg.run_lock && r->replay.seen && seq < r->replay.highest &&
               r->replay.highest - seq >= PF_REPLAY_WINDOW) {
      /* Not locked yet: this may be the real run after a datagram of
       * another one moved the window; follow it. */
      pf_replay_init(&r->replay);
    }
    if (!pf_replay_accept(&r->replay, seq))
      return drop(r, PF_DROP_REPLAY);
    pkt = r->pt;
    plen = (size_t)n;
  }
  r->packets_received++;
  r->bytes_received += plen;
  rv = pf_reasm_push_info(r->reasm, pkt, plen, now_ns, &why, &info);
  r->last_drop = why;
  if (rv == 0 && r->aead && !r->no_skip)
    note_au(r, seq, &info);
  return rv;
}

/* ------------------------------------------------------------ order */

static void copy_frame_out(pf_frame *out, const pf_frame *f) {
  size_t n = out->struct_size < sizeof(*f) ? out->struct_size : sizeof(*f);
  pf_frame t = *f;

  t.struct_size = n;
  memcpy(out, &t, n);
}

static struct held *held_at(pf_receiver *r, uint32_t idx) {
  uint32_t i;

  for (i = 0; i < r->cfg.order_hold_frames; i++)
    if (r->hold[i].used && r->hold[i].f.frame_index == idx)
      return &r->hold[i];
  return NULL;
}

static struct held *held_free(pf_receiver *r) {
  uint32_t i;

  for (i = 0; i < r->cfg.order_hold_frames; i++)
    if (!r->hold[i].used)
      return &r->hold[i];
  return NULL;
}

static void held_clear(pf_receiver *r, struct held *h) {
  if (!h->lost)
    r->nframes--;
  r->nheld--;
  memset(h, 0, sizeof(*h));
}

/* Skips the indices before the nearest held entry. */
static void skip_gap(pf_receiver *r) {
  uint32_t i, best = UINT32_MAX;
  int found = 0;

  for (i = 0; i < r->cfg.order_hold_frames; i++) {
    uint32_t d = r->hold[i].f.frame_index - r->next_idx;
    if (r->hold[i].used && (!found || d < best)) {
      best = d;
      found = 1;
    }
  }
  if (!found)
    return;
  r->order_skipped += best;
  r->next_idx += best;
}

/* Moves the reassembler's loss reports into our ring, marking the lost
 * indices so the cursor does not wait for them. */
static void pump_losses(pf_receiver *r) {
  pf_frame_loss l;

  for (;;) {
    memset(&l, 0, sizeof(l));
    l.struct_size = sizeof(l);
    if (pf_reasm_next_loss(r->reasm, &l) != 0)
      break;
    if (r->loss_len == ORDER_LOSSES) {
      r->loss_head = (r->loss_head + 1) % ORDER_LOSSES;
      r->loss_len--;
      r->losses_overflowed++;
    }
    r->losses[(r->loss_head + r->loss_len) % ORDER_LOSSES] = l;
    r->loss_len++;
    if (!(l.flags & PF_USER_FLAG_PROBE)) {
      int32_t d = (int32_t)(l.frame_index - r->next_idx);
      struct held *h;
      if (d == 0)
        r->next_idx++;
      else if (d > 0 && !held_at(r, l.frame_index) && (h = held_free(r))) {
        h->used = h->lost = 1;
        h->f.frame_index = l.frame_index;
        h->since = r->now;
        r->nheld++;
      }
    }
  }
}

/* The next frame in order, if one is ready: 1 with |*out|, else 0. */
static int order_take(pf_receiver *r, pf_frame *out) {
  for (;;) {
    struct held *h = held_at(r, r->next_idx);
    uint32_t i;
    if (h) {
      r->next_idx++;
      if (h->lost) {
        held_clear(r, h);
        continue;
      }
      *out = h->f;
      held_clear(r, h);
      return 1;
    }
    if (r->nheld == 0)
      return 0;
    if (r->release_all || r->nheld >= r->cfg.order_hold_frames) {
      skip_gap(r);
      continue;
    }
    for (i = 0; i < r->cfg.order_hold_frames; i++)
      if (r->hold[i].used && r->now - r->hold[i].since >= r->cfg.order_hold_ns)
        break;
    if (i == r->cfg.order_hold_frames)
      return 0;
    skip_gap(r);
  }
}

static int next_frame_ordered(pf_receiver *r, pf_frame *out) {
  pf_frame f;
  int rv;

  for (;;) {
    pump_losses(r);
    if (order_take(r, &f)) {
      copy_frame_out(out, &f);
      return 0;
    }
    if (r->has_pending) {
      f = r->pending;
      r->has_pending = 0;
    } else {
      memset(&f, 0, sizeof(f));
      f.struct_size = sizeof(f);
      rv = pf_reasm_next_frame(r->reasm, &f);
      if (rv != 0)
        return rv;
    }
    if (f.flags & PF_USER_FLAG_PROBE) {
      copy_frame_out(out, &f);
      return 0;
    }
    {
      int32_t d = (int32_t)(f.frame_index - r->next_idx);
      struct held *h;
      if (d < 0) {
        r->order_late++;
        (void)pf_reasm_frame_done(r->reasm, &f);
        continue;
      }
      if (d == 0) {
        r->next_idx++;
        copy_frame_out(out, &f);
        return 0;
      }
      h = held_at(r, f.frame_index);
      if (h && h->lost) { /* reported lost, finished after all */
        h->lost = 0;
        h->f = f;
        h->since = r->now;
        r->nframes++;
        continue;
      }
      if (!h && !(h = held_free(r))) {
        /* Full: order_take() gives the oldest gap up on the next turn;
         * this frame waits for that. */
        r->pending = f;
        r->has_pending = 1;
        continue;
      }
      h->used = 1;
      h->lost = 0;
      h->f = f;
      h->since = r->now;
      r->nheld++;
      r->nframes++;
    }
  }
}

int pf_receiver_next_frame(pf_receiver *r, pf_frame *frame) {
  if (!r || !frame)
    return PF_ERR_INVALID_ARGUMENT;
  if (!r->hold)
    return pf_reasm_next_frame(r->reasm, frame);
  if (frame->struct_size < offsetof(pf_frame, handle_) + sizeof(uint32_t))
    return PF_ERR_ABI;
  return next_frame_ordered(r, frame);
}

int pf_receiver_frame_done(pf_receiver *r, const pf_frame *frame) {
  if (!r)
    return PF_ERR_INVALID_ARGUMENT;
  return pf_reasm_frame_done(r->reasm, frame);
}

int pf_receiver_next_loss(pf_receiver *r, pf_frame_loss *loss) {
  size_t n;
  pf_frame_loss l;

  if (!r || !loss)
    return PF_ERR_INVALID_ARGUMENT;
  if (!r->hold)
    return pf_reasm_next_loss(r->reasm, loss);
  if (loss->struct_size < offsetof(pf_frame_loss, flags) + sizeof(uint32_t))
    return PF_ERR_ABI;
  pump_losses(r);
  if (r->loss_len == 0)
    return PF_ERR_NOFRAME;
  l = r->losses[r->loss_head];
  r->loss_head = (r->loss_head + 1) % ORDER_LOSSES;
  r->loss_len--;
  n = loss->struct_size < sizeof(l) ? loss->struct_size : sizeof(l);
  l.struct_size = n;
  memcpy(loss, &l, n);
  return 0;
}

void pf_receiver_tick(pf_receiver *r, uint64_t now_ns) {
  if (r && now_ns > r->now)
    r->now = now_ns;
}

uint64_t pf_receiver_next_deadline(const pf_receiver *r) {
  uint64_t best = PF_TIME_NONE;
  uint32_t i;

  if (!r || !r->hold)
    return PF_TIME_NONE;
  for (i = 0; i < r->cfg.order_hold_frames; i++)
    if (r->hold[i].used && r->hold[i].since + r->cfg.order_hold_ns < best)
      best = r->hold[i].since + r->cfg.order_hold_ns;
  return best;
}

void pf_receiver_release_held(pf_receiver *r) {
  if (r && r->hold)
    r->release_all = 1;
}

int pf_receiver_lock_run(pf_receiver *r, uint64_t first_seq) {
  if (!r)
    return PF_ERR_INVALID_ARGUMENT;
  if (!r->aead)
    return PF_ERR_UNSUPPORTED;
  if (r->locked)
    return r->run_first == first_seq ? 0 : PF_ERR_INVALID_ARGUMENT;
  r->locked = 1;
  r->run_first = first_seq;
  /* A window another run moved (behind the run, or far ahead of where
   * it can be) starts afresh. */
  if (r->replay.seen && (r->replay.highest < first_seq ||
                         r->replay.highest - first_seq > RUN_MAX_JUMP))
    pf_replay_init(&r->replay);
  return 0;
}

void pf_receiver_reset(pf_receiver *r) {
  if (!r)
    return;
  if (r->hold) {
    uint32_t i;
    for (i = 0; i < r->cfg.order_hold_frames; i++)
      if (r->hold[i].used && !r->hold[i].lost)
        (void)pf_reasm_frame_done(r->reasm, &r->hold[i].f);
    if (r->has_pending)
      (void)pf_reasm_frame_done(r->reasm, &r->pending);
    r->has_pending = 0;
    memset(r->hold, 0, r->cfg.order_hold_frames * sizeof(*r->hold));
    r->nheld = r->nframes = 0;
    r->loss_head = r->loss_len = 0;
  }
  pf_reasm_reset(r->reasm);
  memset(r->starts, 0, sizeof(r->starts));
  memset(r->done, 0, sizeof(r->done));
}

int pf_receiver_get_stats(const pf_receiver *r, pf_receiver_stats *out) {
  const pf_reasm_counters *c;
  pf_receiver_stats st;
  uint64_t d[PF_DROP_NREASONS], sum = 0;
  size_t i, n;

  if (!r || !out)
    return PF_ERR_INVALID_ARGUMENT;
  if (out->struct_size < PF_RECEIVER_STATS_V1_SIZE)
    return PF_ERR_ABI;
  c = pf_reasm_get_counters(r->reasm);
  for (i = 0; i < PF_DROP_NREASONS; i++) {
    d[i] = r->drops[i] + c->drops[i];
    sum += d[i];
  }
  memset(&st, 0, sizeof(st));
  n = out->struct_size < sizeof(st) ? out->struct_size : sizeof(st);
  st.struct_size = n;
  st.frames_completed = c->frames_completed;
  st.frames_dropped = c->frames_dropped;
  st.packets_received = r->packets_received;
  st.bytes_received = r->bytes_received;
  st.packets_dropped = sum;
  st.fec_recovered_shards = c->fec_recovered_shards;
  st.fec_late_shards = c->fec_late_shards;
  st.probe_frames_completed = c->probe_frames_completed;
  st.probe_frames_dropped = c->probe_frames_dropped;
  st.drop_too_short = d[PF_DROP_TOO_SHORT];
  st.drop_too_long = d[PF_DROP_TOO_LONG];
  st.drop_bad_magic = d[PF_DROP_BAD_MAGIC];
  st.drop_geometry = d[PF_DROP_GEOMETRY];
  st.drop_limits = d[PF_DROP_LIMITS];
  st.drop_stale = d[PF_DROP_STALE];
  st.drop_duplicate = d[PF_DROP_DUPLICATE];
  st.drop_late = d[PF_DROP_LATE];
  st.drop_replay = d[PF_DROP_REPLAY];
  st.drop_auth = d[PF_DROP_AUTH];
  st.drop_budget = d[PF_DROP_BUDGET];
  st.drop_fec = d[PF_DROP_FEC];
  st.drop_nomem = d[PF_DROP_NOMEM];
  st.losses_overflowed = c->losses_overflowed;
  st.inflight_frames = pf_reasm_inflight_frames(r->reasm);
  st.inflight_bytes = pf_reasm_inflight_bytes(r->reasm);
  st.peak_inflight_bytes = pf_reasm_peak_inflight_bytes(r->reasm);
  st.losses_overflowed += r->losses_overflowed;
  st.order_held_frames = r->nframes;
  st.order_skipped_frames = r->order_skipped;
  st.order_late_frames = r->order_late;
  st.drop_other_run = d[PF_DROP_OTHER_RUN];
  st.drop_far_ahead = d[PF_DROP_FAR_AHEAD];
  st.window_resyncs = c->window_resyncs;
  memcpy(out, &st, n);
  return 0;
}

int pf_receiver_last_drop(const pf_receiver *r) {
  return r->last_drop;
}

const pf_reasm *pf_receiver_reasm(const pf_receiver *r) {
  return r->reasm;
}
