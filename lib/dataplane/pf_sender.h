/*
 * pf_sender.h -- internals of the punktfunk/1 sender (the public API is in
 * punktfunk.h, "Data plane: sender").  Exposed for the unit tests.
 */
#ifndef PF_SENDER_H
#define PF_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

/* Smallest parity count of a protected block (Moonlight's
 * minRequiredFecPackets). */
#define PF_SENDER_MIN_RECOVERY 2u

/*
 * recovery_shards(k, pct) of doc/wire-format.md 5.2: 0 when |pct| or |k|
 * is 0, else max(ceil(k * pct / 100), 2).  No clamp.
 */
uint32_t pf_sender_recovery_for(uint32_t k, uint32_t pct);

/*
 * Parity of a block of |k| data shards at |pct|, clamped so that
 * k + m <= |ceiling| (the code's shard limit).
 */
uint32_t pf_sender_block_parity(uint32_t k, uint32_t pct, uint32_t ceiling);

/* Geometry of one AU, as the sender cuts it (doc/wire-format.md 5.1). */
typedef struct pf_sender_geom {
  size_t total_data;  /* data shards of the AU, >= 1 */
  size_t blocks;      /* 1..65535 */
  uint32_t k_full;    /* K of every block but the last */
  uint32_t m_full;    /* M of every block but the last */
  uint32_t k_last;
  uint32_t m_last;
  size_t total;       /* datagrams of the AU */
} pf_sender_geom;

/*
 * Cuts |len| bytes into |payload|-byte shards in blocks of at most |kmax|
 * with |pct| parity (|ceiling| = code limit).  An empty AU is one zero
 * shard without parity.  Returns 0 or PF_ERR_LIMIT (more than 65535
 * blocks).
 */
int pf_sender_geometry(pf_sender_geom *g, size_t len, uint32_t payload,
                       uint32_t kmax, uint32_t pct, uint32_t ceiling);

#endif /* PF_SENDER_H */
