/*
 * pf_fec8.h -- Cauchy Reed-Solomon over GF(2^8), byte-identical to nanors.
 *
 * Internal module behind pf_fec (lib/fec/pf_fec.c), which validates the
 * arguments common to both codes (NULL pointers, sizes, aliasing) before
 * calling in here.
 */
#ifndef PF_FEC8_H
#define PF_FEC8_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

typedef struct pf_fec8 pf_fec8;

/*
 * Creates a (k, m) coder, k >= 1, m >= 1, k + m <= 255.  |matrix| is NULL
 * (nanors Cauchy) or an m x k row-major parity matrix, copied.  |impl| is
 * a PF_FEC_IMPL_* value (AUTO honours $PF_FEC_IMPL).  Returns 0,
 * PF_ERR_INVALID_ARGUMENT, PF_ERR_UNSUPPORTED or PF_ERR_NOMEM.
 */
int pf_fec8_new(pf_fec8 **pfec, uint32_t k, uint32_t m,
                const uint8_t *matrix, uint32_t impl, const pf_mem *mem);
void pf_fec8_del(pf_fec8 *fec);

/* Arguments are already validated by pf_fec.c; |len| >= 1. */
int pf_fec8_encode(pf_fec8 *fec, const uint8_t *const *data,
                   uint8_t *const *parity, size_t len);

/* As pf_fec_decode(): returns shards rebuilt or PF_ERR_FEC_UNRECOVERABLE. */
int pf_fec8_decode(pf_fec8 *fec, uint8_t *const *shards,
                   const uint8_t *present, size_t len);

const char *pf_fec8_impl_name(const pf_fec8 *fec);

#endif /* PF_FEC8_H */
