/*
 * pf_fec8_gfni.h -- GF(2^8) (poly 0x11D) multiply-accumulate kernels on
 * GFNI's affine instruction, several parity rows per pass over the data.
 *
 * Internal to pf_fec8.c (and its unit test).  Callers must check the CPU
 * (pf_cpu_features()) before calling a kernel.
 */
#ifndef PF_FEC8_GFNI_H
#define PF_FEC8_GFNI_H

#include <stddef.h>
#include <stdint.h>

/* Rows computed per pass over the inputs by each width. */
#define PF_FEC8_GFNI512_GROUP 12u
#define PF_FEC8_GFNI256_GROUP 4u

/* The 8x8 bit matrix A with affine(A, x) = c * x in GF(2^8)/0x11D: from
 * a table, and computed from scratch (the table's definition). */
uint64_t pf_fec8_gfni_affine(uint8_t c);
uint64_t pf_fec8_gfni_affine_slow(uint8_t c);

/*
 * Converts the rows x k coefficient matrix |coef| (row-major) into the
 * kernel table |tab| (rows * k words): for each group of |group| rows, the
 * matrices of input 0 for every row of the group, then input 1, ...
 */
void pf_fec8_gfni_prepare(uint32_t k, uint32_t rows, uint32_t group,
                          const uint8_t *coef, uint64_t *tab);

/*
 * dst[r][b] = XOR_i coef[r][i] * src[i][b] for r < rows, b < len, with
 * |tab| prepared for the matching group size.  Any len >= 1, no alignment;
 * dst must not overlap src.
 */
void pf_fec8_gfni512_encode(size_t len, uint32_t k, uint32_t rows,
                            const uint64_t *tab, const uint8_t *const *src,
                            uint8_t *const *dst);
void pf_fec8_gfni256_encode(size_t len, uint32_t k, uint32_t rows,
                            const uint64_t *tab, const uint8_t *const *src,
                            uint8_t *const *dst);

#endif /* PF_FEC8_GFNI_H */
