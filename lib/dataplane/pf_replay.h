/*
 * pf_replay.h -- the punktfunk/1 anti-replay window (doc/wire-format.md
 * 10.2).
 *
 * A bitmap of PF_REPLAY_WINDOW sequence numbers behind the highest one
 * accepted.  It runs after a datagram has been authenticated, so a forged
 * datagram can never move it.  The state is a plain struct the receiver
 * embeds (16 KiB of bitmap), initialised with pf_replay_init(); it owns
 * no memory and needs no free.
 */
#ifndef PF_REPLAY_H
#define PF_REPLAY_H

#include <stddef.h>
#include <stdint.h>

/* Sequences remembered behind the highest: covers the 120 ms loss window
 * at ~1.09 M datagrams/s. */
#define PF_REPLAY_WINDOW 131072u
#define PF_REPLAY_WORDS (PF_REPLAY_WINDOW / 64u)

typedef struct pf_replay {
  uint64_t highest;
  int seen; /* 0 until the first accept */
  uint64_t bits[PF_REPLAY_WORDS];
} pf_replay;

/* Forgets every sequence: the next accept is "the first ever". */
void pf_replay_init(pf_replay *rp);

/*
 * Returns 1 and records |seq| if it was not seen before and is inside the
 * window (seq > highest - PF_REPLAY_WINDOW); returns 0 (nothing changes)
 * for a repeat or a sequence too old to judge.
 */
int pf_replay_accept(pf_replay *rp, uint64_t seq);

/*
 * Reads the clear big-endian sequence number at the front of a sealed
 * datagram.  Returns 0, or PF_ERR_MALFORMED when |len| < 8.
 */
int pf_replay_seq_of(uint64_t *seq, const uint8_t *dg, size_t len);

#endif /* PF_REPLAY_H */
