/*
 * pf_fec16_ext.h -- the GF(2^16) code for shapes reed-solomon-simd
 * refuses (NextPow2(min(k, m)) + max(k, m) > 65536), behind pf_fec16.c.
 *
 * Layout: data shard i at position i, parity shard j at position k + j,
 * positions >= k + m never sent; the codewords are the evaluations at all
 * 65536 points of the polynomials of degree < k (novel basis).  No other
 * implementation produces this parity; see doc/internals/fec16.md,
 * "Shapes beyond reed-solomon-simd (extension)".
 */
#ifndef PF_FEC16_EXT_H
#define PF_FEC16_EXT_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

#include "fec/pf_fec16_kern.h"

typedef struct pf_fec16_ext pf_fec16_ext;

/*
 * Creates the extension coder for any k >= 1, m >= 1, k + m <= 65535 (the
 * caller has checked them and run pf_gf16_tables_init() and the table
 * set-up of |kern|).  |max_len| as for pf_fec16_new().  Returns 0 or
 * PF_ERR_NOMEM.
 */
int pf_fec16_ext_new(pf_fec16_ext **pext, const pf_fec16_kern *kern,
                     uint32_t k, uint32_t m, size_t max_len,
                     const pf_mem *mem);
void pf_fec16_ext_del(pf_fec16_ext *ext);

/* As pf_fec16_encode() / pf_fec16_decode(). */
int pf_fec16_ext_encode(pf_fec16_ext *ext, const uint8_t *const *data,
                        uint8_t *const *parity, size_t len);
int pf_fec16_ext_decode(pf_fec16_ext *ext, uint8_t *const *shards,
                        const uint8_t *present, size_t len);

#endif /* PF_FEC16_EXT_H */
