/*
 * pf_replay.c -- anti-replay window (see pf_replay.h, doc/wire-format.md
 * 10.2).
 *
 * Bit (seq % W) stands for the one sequence in (highest - W, highest]
 * with that residue.  Moving |highest| forward clears the bits of the
 * sequences skipped over, so a bit that is set always belongs to the
 * sequence currently mapped to it.
 */
#include "dataplane/pf_replay.h"

#include <string.h>

#include <punktfunk/punktfunk.h>

#include "dataplane/pf_wire.h"

void pf_replay_init(pf_replay *rp) {
  memset(rp, 0, sizeof(*rp));
}

static void bit_set(pf_replay *rp, uint64_t seq) {
  uint64_t b = seq % PF_REPLAY_WINDOW;
  rp->bits[b / 64] |= (uint64_t)1 << (b % 64);
}

static int bit_get(const pf_replay *rp, uint64_t seq) {
  uint64_t b = seq % PF_REPLAY_WINDOW;
  return (int)(rp->bits[b / 64] >> (b % 64) & 1);
}

/* Clears the bits of sequences from..to inclusive (to - from < W). */
static void clear_range(pf_replay *rp, uint64_t from, uint64_t to) {
  uint64_t s = from;

  while (s <= to) {
    uint64_t b = s % PF_REPLAY_WINDOW;
    uint64_t off = b % 64;
    uint64_t n = 64 - off; /* bits left in this word */
    if (n > to - s + 1)
      n = to - s + 1;
    if (n == 64)
      rp->bits[b / 64] = 0;
    else
      rp->bits[b / 64] &= ~((((uint64_t)1 << n) - 1) << off);
    s += n;
    if (s == 0) /* wrapped past UINT64_MAX */
      break;
  }
}

int pf_replay_accept(pf_replay *rp, uint64_t seq) {
  if (!rp->seen) {
    rp->seen = 1;
    rp->highest = seq;
    bit_set(rp, seq);
    return 1;
  }
  if (seq > rp->highest) {
    uint64_t jump = seq - rp->highest;
    if (jump >= PF_REPLAY_WINDOW)
      memset(rp->bits, 0, sizeof(rp->bits));
    else if (jump > 1)
      clear_range(rp, rp->highest + 1, seq - 1);
    rp->highest = seq;
    bit_set(rp, seq);
    return 1;
  }
  if (rp->highest - seq >= PF_REPLAY_WINDOW || bit_get(rp, seq))
    return 0;
  bit_set(rp, seq);
  return 1;
}

int pf_replay_seq_of(uint64_t *seq, const uint8_t *dg, size_t len) {
  if (!dg || len < PF_WIRE_SEQ_BYTES)
    return PF_ERR_MALFORMED;
  *seq = pf_get_u64be(dg);
  return 0;
}
