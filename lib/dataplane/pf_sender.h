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

/* The parity clamp (pf_sender_block_parity()) and the AU cut
 * (pf_geometry_for()) live in pf_geometry.c; the parity rule itself is
 * pf_wire_recovery_for(). */
#include "dataplane/pf_geometry.h"

#endif /* PF_SENDER_H */
