/*
 * pf_pacer.h -- computed (never slept) send pacing for the sender: each
 * AU leaves as a burst, and the rest is spread in chunks over a budget
 * derived from the pacing rate.  See doc/wire-format.md section 9
 * ("Pacing") and 12.2 for the original host's rules.
 *
 * Pure arithmetic over caller timestamps (ns); no clock, no allocation.
 */
#ifndef PF_PACER_H
#define PF_PACER_H

#include <stddef.h>
#include <stdint.h>

/* Automatic burst: 10 ms at the pacing rate, clamped to this range. */
#define PF_PACE_BURST_MIN 16384u /* 16 KiB */
#define PF_PACE_BURST_MAX 262144u /* 256 KiB */
/* Hard cap of the spread of one AU. */
#define PF_PACE_MAX_SPREAD_NS 100000000u
#define PF_PACE_DEFAULT_CHUNK 16u
/* An AU submitted at most this long after the previous AU's schedule
 * ended continues that schedule instead of starting a new one at |now|:
 * the time the caller spent between two AUs (reading, FEC, sealing) is
 * not lost to the rate when AUs follow each other back to back. */
#define PF_PACE_CONTINUE_NS 1000000u

typedef struct pf_pacer {
  uint64_t rate_bps;      /* 0 = unpaced */
  uint64_t burst_bytes;   /* effective burst (auto already resolved) */
  uint64_t max_spread_ns; /* 1..PF_PACE_MAX_SPREAD_NS */
  uint64_t chunk;         /* datagrams per paced chunk, >= 1 */
  uint64_t busy_until;    /* end of the last AU's schedule */
  int have_prev;          /* busy_until is valid */
} pf_pacer;

/*
 * |burst_bytes| 0 = automatic, |max_spread_ns| 0 or above the cap = the
 * cap, |chunk| 0 = PF_PACE_DEFAULT_CHUNK.
 */
void pf_pacer_init(pf_pacer *p, uint64_t rate_bps, uint64_t burst_bytes,
                   uint64_t max_spread_ns, uint32_t chunk);

/* The automatic burst for |rate_bps| (rate * 10 ms / 8, clamped). */
uint64_t pf_pacer_auto_burst(uint64_t rate_bps);

/*
 * Schedules one AU of |n| datagrams of |dgram_bytes| each, submitted at
 * |now|: writes due[0..n-1] (non-decreasing, all >= the previous AU's
 * end) and returns the AU's end (when the next AU may start its burst).
 * The AU starts at max(now, previous end), or at the previous end when
 * that is at most PF_PACE_CONTINUE_NS before |now| (paced senders only):
 * then due times may lie in the past.
 */
uint64_t pf_pacer_schedule(pf_pacer *p, uint64_t now, size_t n,
                           size_t dgram_bytes, uint64_t *due);

#endif /* PF_PACER_H */
