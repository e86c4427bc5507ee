/*
 * pf_geometry.h -- the sender's parity rule and how it cuts an AU into
 * blocks (doc/wire-format.md sections 5.2 and 5.3).  pf_geometry_for()
 * is public (punktfunk.h, "Data plane: sender"); the clamp below is
 * for the sender and the unit tests.
 */
#ifndef PF_GEOMETRY_H
#define PF_GEOMETRY_H

#include <stdint.h>

#include <punktfunk/punktfunk.h>

/* The parity rule itself, recovery(k, pct) of doc/wire-format.md 5.2, is
 * pf_wire_recovery_for() (dataplane/pf_wire.h), shared with the
 * receiver's bound. */

/*
 * Parity of a block of |k| data shards at |pct|, clamped so that
 * k + m <= |ceiling| (the code's shard limit).
 */
uint32_t pf_sender_block_parity(uint32_t k, uint32_t pct, uint32_t ceiling);

#endif /* PF_GEOMETRY_H */
