/*
 * pf_receiver.h -- internals of the public pf_receiver (punktfunk.h):
 * datagram -> (AEAD open -> replay window) -> pf_reasm.
 */
#ifndef PF_RECEIVER_H
#define PF_RECEIVER_H

#include <punktfunk/punktfunk.h>

#include "dataplane/pf_reasm.h"

/* The first published layout of pf_receiver_config ends here. */
#define PF_RECEIVER_CONFIG_V1_SIZE                                             \
  (offsetof(pf_receiver_config, fec_impl) + sizeof(uint32_t))
#define PF_RECEIVER_STATS_V1_SIZE                                              \
  (offsetof(pf_receiver_stats, peak_inflight_bytes) + sizeof(uint64_t))

/* The reason the last pf_receiver_read_datagram() dropped its datagram
 * (PF_DROP_NONE if it was used).  For tests and tools. */
int pf_receiver_last_drop(const pf_receiver *r);

/* The reassembler behind |r| (for tests: fixed-size accounting). */
const pf_reasm *pf_receiver_reasm(const pf_receiver *r);

#endif /* PF_RECEIVER_H */
