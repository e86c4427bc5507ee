/*
 * pf_fec16.h -- Leopard-RS over GF(2^16), byte-identical to reed-solomon-simd.
 *
 * Internal module behind pf_fec (lib/fec/pf_fec.c), which validates the
 * arguments common to both codes (NULL pointers, sizes, aliasing) before
 * calling in here.
 */
#ifndef PF_FEC16_H
#define PF_FEC16_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

typedef struct pf_fec16 pf_fec16;

/*
 * 1 if reed-solomon-simd (and leopard) can code (k, m): k >= 1, m >= 1,
 * k + m <= 65535 and NextPow2(min(k, m)) + max(k, m) <= 65536.  Only
 * such shapes may go on the wire (pf_sender.c checks).
 */
int pf_fec16_shape_compatible(uint32_t k, uint32_t m);

/*
 * Creates a (k, m) coder, k >= 1, m >= 1, k + m <= 65535: rs-simd's layout
 * (byte-identical parity) when pf_fec16_shape_compatible(k, m), else the
 * extension layout of pf_fec16_ext.c.  |max_len| (even or 0)
 * sizes the work space so later calls do not allocate (0 = grow on demand).  |impl| is
 * a PF_FEC_IMPL_* value (AUTO honours $PF_FEC_IMPL).  Returns 0,
 * PF_ERR_INVALID_ARGUMENT, PF_ERR_UNSUPPORTED or PF_ERR_NOMEM.
 */
int pf_fec16_new(pf_fec16 **pfec, uint32_t k, uint32_t m,
                size_t max_len, uint32_t impl, const pf_mem *mem);
void pf_fec16_del(pf_fec16 *fec);

/* As pf_fec16_new() but always the extension layout (for tests: for
 * low-rate shapes with k a power of two it is rs-simd's layout too). */
int pf_fec16_new_ext(pf_fec16 **pfec, uint32_t k, uint32_t m,
                     size_t max_len, uint32_t impl, const pf_mem *mem);

/* Arguments are already validated by pf_fec.c; |len| >= 2 and even. */
int pf_fec16_encode(pf_fec16 *fec, const uint8_t *const *data,
                   uint8_t *const *parity, size_t len);

/* As pf_fec_decode(): returns shards rebuilt or PF_ERR_FEC_UNRECOVERABLE. */
int pf_fec16_decode(pf_fec16 *fec, uint8_t *const *shards,
                   const uint8_t *present, size_t len);

const char *pf_fec16_impl_name(const pf_fec16 *fec);

#endif /* PF_FEC16_H */
