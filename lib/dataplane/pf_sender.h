/*
 * pf_sender.h -- internals of the punktfunk/1 sender (the public API is in
 * punktfunk.h, "Data plane: sender").  Exposed for the unit tests.
 */
#ifndef PF_SENDER_H
#define PF_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

/*
 * Datagrams one AES-128-GCM key may seal: RFC 9001 section 6.6's
 * confidentiality limit (attacker advantage 2^-57 for datagrams of up
 * to 2^10 blocks; ours are at most 576).  A sender logs one warning
 * (PF_LOG_WARN) when it has sealed more than this many
 * (doc/internals/nonces.md).
 */
#define PF_SENDER_AESGCM_LIMIT ((uint64_t)1 << 23)

/* Tests only: sets the count of datagrams |s| has sealed, so the usage
 * warning can be reached without sealing 2^23 datagrams. */
void pf_sender_set_sealed_count(pf_sender *s, uint64_t n);

/*
 * Parity of a block of |k| data shards at |pct|: pf_wire_recovery_for()
 * (the one parity rule, shared with the receiver), clamped so that
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
