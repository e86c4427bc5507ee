/*
 * pf_gf16.h -- the field GF(2^16) in leopard's Cantor basis, as both
 * GF(2^16) layouts use it (pf_fec16.c, rs-simd's layouts, and
 * pf_fec16_ext.c, the extension layout): log/exp and FFT skew tables,
 * logarithm arithmetic, and the Walsh-Hadamard transform behind the
 * error locator.  Below both layouts and the kernels; calls nothing of
 * theirs.  doc/internals/fec16.md, "Field and basis".
 */
#ifndef PF_GF16_H
#define PF_GF16_H

#include <stddef.h>
#include <stdint.h>

#define PF_GF16_ORDER 65536u
#define PF_GF16_MODULUS 65535u /* also the "log of zero" marker */

/* Hidden: the kernels read the tables PC-relative, not through the GOT,
 * as when they were defined in the kernels' own file. */
#ifdef __GNUC__
#define PF_GF16_HIDDEN __attribute__((visibility("hidden")))
#else
#define PF_GF16_HIDDEN
#endif

/* Built once per process by pf_gf16_tables_init() (pthread_once). */
extern PF_GF16_HIDDEN uint16_t pf_gf16_exp[PF_GF16_ORDER];
extern PF_GF16_HIDDEN uint16_t pf_gf16_log[PF_GF16_ORDER];
extern PF_GF16_HIDDEN uint16_t pf_gf16_skew[PF_GF16_MODULUS];

void pf_gf16_tables_init(void);

/* |x| modulo 65535, in [0, 65534] (logs add modulo 65535). */
static inline unsigned pf_gf16_mod(uint32_t x) {
  x = (x & 0xffffu) + (x >> 16);
  x = (x & 0xffffu) + (x >> 16);
  return x == PF_GF16_MODULUS ? 0 : x;
}

/* a * exp(log_m) for one element; log_m 65535 gives 0. */
static inline uint16_t pf_gf16_mul_log(uint16_t a, unsigned log_m) {
  unsigned s;
  if (a == 0 || log_m == PF_GF16_MODULUS)
    return 0;
  s = (unsigned)pf_gf16_log[a] + log_m;
  s = (s & 0xffffu) + (s >> 16);
  return pf_gf16_exp[s];
}

/*
 * Walsh-Hadamard transform of d[0..n) modulo 65535 (n a power of two,
 * values < 65535), and the dyadic convolution behind the error locator:
 * e = WHT(WHT(e) * lw) with lw already a Walsh transform (values
 * < 65535).  With e the 0/1 erasure indicator and lw the transform of
 * the log table (log 0 taken as 0), e[p] becomes the sum over erased j
 * of log(p xor j) modulo 65535: the log of Lambda(x_p) for a received p,
 * of Lambda'(x_p) for an erased one (times n, which callers fold into
 * lw).  SSE2 where the compiler has it.
 */
void pf_gf16_fwht(uint16_t *d, uint32_t n);
void pf_gf16_log_convolve(uint16_t *e, const uint16_t *lw, uint32_t n);

#endif /* PF_GF16_H */
