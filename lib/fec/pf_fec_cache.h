/*
 * pf_fec_cache.h -- a small LRU of pf_fec coders keyed by (code, k, m).
 *
 * Frames are cut into blocks of K_max data shards with only the last
 * block short, so a stream uses one (K_max, M) coder for most blocks and a
 * few short-block shapes.  The cache keeps |capacity| coders; a miss
 * creates one (an allocation per new shape, never per packet) and evicts
 * the least recently used.
 */
#ifndef PF_FEC_CACHE_H
#define PF_FEC_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

typedef struct pf_fec_cache pf_fec_cache;

/*
 * |impl| is passed to every coder (PF_FEC_IMPL_AUTO normally);
 * |max_shard_bytes| sizes GF16 work space.  Returns 0, PF_ERR_NOMEM or
 * PF_ERR_INVALID_ARGUMENT (capacity 0).
 */
int pf_fec_cache_new(pf_fec_cache **pcache, size_t capacity, uint32_t impl,
                     size_t max_shard_bytes, const pf_mem *mem);
void pf_fec_cache_del(pf_fec_cache *cache);

/*
 * Returns in |*pfec| a coder for (code, k, m), borrowed: valid until the
 * next pf_fec_cache_get() or pf_fec_cache_del().  Returns 0 or the error
 * of pf_fec_new().
 */
int pf_fec_cache_get(pf_fec_cache *cache, uint32_t fec_scheme, uint32_t k,
                     uint32_t m, pf_fec **pfec);

#endif /* PF_FEC_CACHE_H */
