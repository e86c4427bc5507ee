/*
 * pf_geometry.h -- the sender's parity rule and how it cuts an AU into
 * blocks (doc/wire-format.md sections 5.2 and 5.3).  pf_geometry_for()
 * is public (punktfunk.h, "Data plane: sender"); the two rules below
 * are for the sender and the unit tests.
 */
#ifndef PF_GEOMETRY_H
#define PF_GEOMETRY_H

#include <stdint.h>

#include <punktfunk/punktfunk.h>

/* Smallest parity count of a protected block (Moonlight's
 * minRequiredFecPackets). */
#define PF_SENDER_MIN_RECOVERY 2u

/*
 * recovery(k, pct) of doc/wire-format.md 5.2: 0 when |pct| or |k| is 0,
 * else max(ceil(k * pct / 100), 2).  No clamp.
 */
uint32_t pf_sender_recovery_for(uint32_t k, uint32_t pct);

/*
 * Parity of a block of |k| data shards at |pct|, clamped so that
 * k + m <= |ceiling| (the code's shard limit).
 */
uint32_t pf_sender_block_parity(uint32_t k, uint32_t pct, uint32_t ceiling);

#endif /* PF_GEOMETRY_H */
