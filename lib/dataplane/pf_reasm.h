/*
 * pf_reasm.h -- the punktfunk/1 frame reassembler (doc/wire-format.md 10).
 *
 * Takes plaintext packets (40-byte header || shard), runs the per-packet
 * firewall, keeps the video and probe windows, copies data shards to
 * their offset in the frame buffer, holds parity in pooled buffers,
 * runs FEC as soon as a block has K shards and queues finished frames
 * for delivery as borrowed views.  Sans-I/O: no clock, no socket.
 *
 * doc/internals/reassembly.md states the invariants and the memory
 * bound this module keeps for any input.
 */
#ifndef PF_REASM_H
#define PF_REASM_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

/* Why a packet was dropped; indexes pf_reasm_counters.drops. */
enum pf_drop_reason {
  PF_DROP_NONE = 0,
  PF_DROP_TOO_SHORT, /* shorter than header (+ shard, + AEAD overhead) */
  PF_DROP_TOO_LONG,  /* longer than PF_WIRE_MAX_DATAGRAM */
  PF_DROP_BAD_MAGIC, /* magic != 0xC9 */
  PF_DROP_GEOMETRY,  /* fields disagree with each other, the derived
                        geometry or the open frame / block, or M is
                        above what a sender at max_fec_percent uses */
  PF_DROP_LIMITS,    /* K, K+M, block count or frame size above limits */
  PF_DROP_STALE,     /* frame behind the index or capture-time window */
  PF_DROP_DUPLICATE, /* this shard is already held */
  PF_DROP_LATE,      /* frame or block already finished (or given up) */
  PF_DROP_REPLAY,    /* sequence seen before or too old (sealed mode) */
  PF_DROP_AUTH,      /* AEAD open failed: forged or damaged */
  PF_DROP_BUDGET,    /* in-flight frame count or byte budget exhausted */
  PF_DROP_FEC,       /* FEC could not rebuild the block */
  PF_DROP_NOMEM,     /* the allocator failed */
  PF_DROP_OTHER_RUN, /* sealed: another run than the locked one */
  PF_DROP_FAR_AHEAD, /* frame index more than window_frames ahead of the
                        newest, without sustained evidence (see
                        doc/internals/reassembly.md) */
  PF_DROP_NREASONS
};

typedef struct pf_reasm_limits {
  uint32_t fec_scheme;     /* PF_FEC_GF8 / PF_FEC_GF16, used to decode */
  size_t shard_bytes;      /* S: every packet must carry exactly this */
  size_t max_data_shards;  /* K_max (= the sender's max_data_per_block) */
  size_t max_total_shards; /* limit on K + M */
  uint32_t max_fec_percent; /* M of a block <= pf_wire_recovery_for(K, it) */
  size_t max_blocks;       /* limit on block_count */
  size_t max_frame_bytes;  /* limit on frame_bytes */
  size_t budget_bytes;     /* frame buffers + held parity, allocated */
  size_t max_frames;       /* frames assembling, queued or borrowed */
  uint32_t window_frames;  /* index window and completed memory (64) */
  uint64_t loss_window_ns; /* capture-time window (120 ms) */
  int release_on_next;     /* next_frame releases the previous frame */
  uint32_t fec_impl;       /* PF_FEC_IMPL_* for the coders */
} pf_reasm_limits;

typedef struct pf_reasm_counters {
  uint64_t frames_completed, frames_dropped;
  uint64_t probe_frames_completed, probe_frames_dropped;
  uint64_t fec_recovered_shards, fec_late_shards;
  uint64_t losses_overflowed;
  uint64_t window_resyncs; /* far-ahead jumps taken on sustained evidence */
  uint64_t drops[PF_DROP_NREASONS];
} pf_reasm_counters;

typedef struct pf_reasm pf_reasm;

/*
 * Fills |lim| from the receiver-level numbers: derives max_total_shards
 * (min(K_max + pf_wire_recovery_for(K_max, max_fec_percent), code
 * ceiling)) and max_blocks (ceil(ceil(max_frame / S) / K_max)), keeps
 * max_fec_percent for the per-block M bound, and sets a budget of
 * 4 x max frame when |budget| is 0.  Returns 0 or
 * PF_ERR_INVALID_ARGUMENT when the numbers are out of range.
 */
int pf_reasm_limits_derive(pf_reasm_limits *lim, uint32_t fec_scheme,
                           uint32_t shard_bytes, uint32_t max_data_shards,
                           uint32_t max_fec_percent, uint64_t max_frame_bytes,
                           uint64_t budget, uint32_t max_frames,
                           uint32_t window_frames, uint64_t loss_window_ns);

/* Preallocates every fixed structure and makes the coder of the full
 * block shape (so an unavailable code or kernel fails here).  0,
 * PF_ERR_INVALID_ARGUMENT, PF_ERR_UNSUPPORTED or PF_ERR_NOMEM. */
int pf_reasm_new(pf_reasm **pr, const pf_reasm_limits *lim, const pf_mem *mem);
void pf_reasm_del(pf_reasm *r);

/*
 * Feeds one plaintext packet.  |now_ns| only stamps received_ns.
 * Returns 0 (the packet was used), PF_ERR_DROP (counted, |*reason|
 * says why) or PF_ERR_NOMEM (counted as PF_DROP_NOMEM; the reassembler
 * stays consistent and usable).
 */
int pf_reasm_push(pf_reasm *r, const uint8_t *pkt, size_t len, uint64_t now_ns,
                  int *reason);

/* What pf_reasm_push_info() tells about a packet it used. */
typedef struct pf_reasm_pushed {
  uint32_t frame_index;
  int video;           /* 1: video window, 0: probe window */
  int first_block_pos; /* block 0 data shard: its shard_index (its place
                          in the AU's wire order in every packetizer
                          layout); otherwise -1 */
  uint32_t au_total;   /* > 0 when this packet finished its frame: the
                          AU's datagram count, sum of K + M of its blocks */
} pf_reasm_pushed;

/* pf_reasm_push() that also fills |*info| (when it returns 0). */
int pf_reasm_push_info(pf_reasm *r, const uint8_t *pkt, size_t len,
                       uint64_t now_ns, int *reason, pf_reasm_pushed *info);

/* As pf_receiver_next_frame / _frame_done / _next_loss / _reset. */
int pf_reasm_next_frame(pf_reasm *r, pf_frame *out);
int pf_reasm_frame_done(pf_reasm *r, const pf_frame *frame);
int pf_reasm_next_loss(pf_reasm *r, pf_frame_loss *out);
void pf_reasm_reset(pf_reasm *r);

const pf_reasm_counters *pf_reasm_get_counters(const pf_reasm *r);
/* Frames assembling + queued + borrowed. */
size_t pf_reasm_inflight_frames(const pf_reasm *r);
/* Bytes allocated now / at most for frame buffers and parity (<= budget). */
size_t pf_reasm_inflight_bytes(const pf_reasm *r);
size_t pf_reasm_peak_inflight_bytes(const pf_reasm *r);
/* Bytes allocated by pf_reasm_new (the fixed part of the bound). */
size_t pf_reasm_fixed_bytes(const pf_reasm *r);

#endif /* PF_REASM_H */
