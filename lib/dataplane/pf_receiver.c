/*
 * pf_receiver.c -- the public receiver: per datagram, AEAD open (sealed
 * mode), the anti-replay window, then the reassembler.  The order
 * follows the original client (wire-notes 1.1 and 4.1): authenticate
 * first, so a forged datagram can neither move the replay window nor
 * reach the header parser; replay check on the authenticated seq; then
 * reassembly.  Every drop is counted by reason; none is fatal.
 *
 * One shortcut before the open: an AU's datagrams take consecutive seqs
 * (the packetizer numbers them in wire order, wire-notes 2.5 and 4.4),
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
                  c.fec_impl > PF_FEC_IMPL_AVX512))
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
  rv = pf_reasm_new(&r->reasm, &lim, mem);
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

int pf_receiver_next_frame(pf_receiver *r, pf_frame *frame) {
  if (!r)
    return PF_ERR_INVALID_ARGUMENT;
  return pf_reasm_next_frame(r->reasm, frame);
}

int pf_receiver_frame_done(pf_receiver *r, const pf_frame *frame) {
  if (!r)
    return PF_ERR_INVALID_ARGUMENT;
  return pf_reasm_frame_done(r->reasm, frame);
}

int pf_receiver_next_loss(pf_receiver *r, pf_frame_loss *loss) {
  if (!r)
    return PF_ERR_INVALID_ARGUMENT;
  return pf_reasm_next_loss(r->reasm, loss);
}

void pf_receiver_reset(pf_receiver *r) {
  if (!r)
    return;
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
  memcpy(out, &st, n);
  return 0;
}

int pf_receiver_last_drop(const pf_receiver *r) {
  return r->last_drop;
}

const pf_reasm *pf_receiver_reasm(const pf_receiver *r) {
  return r->reasm;
}
