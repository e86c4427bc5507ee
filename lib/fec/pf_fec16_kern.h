/*
 * pf_fec16_kern.h -- GF(2^16) row kernels (and their multiplication
 * tables) behind pf_fec16.c and pf_fec16_ext.c; the field itself is in
 * pf_gf16.h.
 *
 * A "row" is one shard in the work layout: a whole number of 64-byte
 * blocks, each holding the 32 low bytes then the 32 high bytes of 32
 * field elements.  Every kernel takes a byte count |n| that is a non-zero
 * multiple of 64.  Field elements are in leopard's Cantor-basis
 * representation; multiplication is by exp(log_m) given as a logarithm.
 */
#ifndef PF_FEC16_KERN_H
#define PF_FEC16_KERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fec/pf_gf16.h"

/* Bytes of one work row for a |len|-byte shard. */
static inline size_t pf_fec16_row_bytes(size_t len) {
  return (len + 63) & ~(size_t)63;
}

/*
 * A shard whose size is not a multiple of 64 ends in a tail of t bytes:
 * t/2 low bytes then t/2 high bytes, which sit in the row's last block as
 * bytes [0, t/2) and [32, 32 + t/2) (rest zero).
 */
static inline void pf_fec16_tail_in(uint8_t *blk, const uint8_t *src,
                                    size_t t) {
  memset(blk, 0, 64);
  memcpy(blk, src, t / 2);
  memcpy(blk + 32, src + t / 2, t / 2);
}

static inline void pf_fec16_tail_out(uint8_t *dst, const uint8_t *blk,
                                     size_t t) {
  memcpy(dst, blk, t / 2);
  memcpy(dst + t / 2, blk + 32, t / 2);
}

/*
 * 128 bytes per logarithm: for nibble j = 0..3 of the element, 16 low
 * product bytes then 16 high product bytes.  Entry 65535 is all zero
 * (multiplication by 0, which is what a skew of log 65535 means).
 */
const uint8_t *pf_fec16_nib_table(void);
/*
 * 4 GF(2)-affine matrices per logarithm for gf2p8affineqb: lo->lo,
 * hi->lo, lo->hi, hi->hi.  Entry 65535 is all zero.
 */
const uint64_t *pf_fec16_gfni_table(void);
/*
 * The same tables as arrays, for the kernels' inner multiplier set-up
 * (no pthread_once per use): valid once the function above has run,
 * which pf_fec16_new() does for the kernel it picks.
 */
extern uint8_t pf_fec16_nib_tab[PF_GF16_ORDER * 128u];
extern uint64_t pf_fec16_gfni_tab[PF_GF16_ORDER * 4u];

/*
 * Kernels.  In the butterflies, log_m == 65535 means multiplying by 0.
 * fft2:  x ^= y * m; y ^= x        ifft2: y ^= x; x ^= y * m
 * fft4/ifft4: the two radix-2 layers of leopard's FFT_DIT4/IFFT_DIT4 on
 * rows x0..x3 (pairs (0,2),(1,3) with l02 and (0,1),(2,3) with l01, l23).
 * mul: x = y * exp(log_m), log_m < 65535; x == y allowed.
 * ifft2_in/ifft4_in/ifft8_in: the first 1, 2 or 3 IFFT layers fused
 * with loading (ifft8_in: layer 1 on pairs (2i, 2i+1) with lg[i], layer
 * 2 on (0,2),(1,3) with lg[4] and (4,6),(5,7) with lg[5], layer 3 on
 * (i, i+4) with lg[6]; any of them may be 65535): input
 * row j is in[j] (NULL: zero; or the output row j itself, in place),
 * times exp(in_log[j]) unless in_log is NULL (in_log[j] < 65535);
 * outputs are the rows x, x + stride, ...
 * deriv16: the formal derivative of 16 rows x, x + stride, ...: row p ^=
 * row (p | 2^t) for each bit t < 4 clear in p (original values).
 * ifft4_acc: ifft4 on rows x0, x0 + g, x0 + 2g, x0 + 3g whose results
 * are XORed into acc, acc + g, ... (the x rows may be clobbered).
 * deriv16_xor: deriv16 of the 16 rows x, x + stride, ... after XORing
 * into row p the rows src[c] + p * stride for c < cnt (cnt <= 16; no
 * source row overlaps an x row).  NULL in a kernel for which fusing the
 * derivative into the IFFT does not pay (ssse3): the decoder then runs
 * it as a pass of its own with deriv16 and xor_rows.
 */
typedef struct pf_fec16_kern {
  const char *name;
  void (*xor_rows)(uint8_t *x, const uint8_t *y, size_t n);
  void (*mul)(uint8_t *x, const uint8_t *y, unsigned log_m, size_t n);
  void (*fft2)(uint8_t *x, uint8_t *y, unsigned log_m, size_t n);
  void (*ifft2)(uint8_t *x, uint8_t *y, unsigned log_m, size_t n);
  void (*fft4)(uint8_t *x0, uint8_t *x1, uint8_t *x2, uint8_t *x3,
               unsigned l01, unsigned l23, unsigned l02, size_t n);
  void (*ifft4)(uint8_t *x0, uint8_t *x1, uint8_t *x2, uint8_t *x3,
                unsigned l01, unsigned l23, unsigned l02, size_t n);
  void (*ifft2_in)(uint8_t *x, size_t stride, const uint8_t *const *in,
                   const uint16_t *in_log, unsigned l01, size_t n);
  void (*ifft4_in)(uint8_t *x, size_t stride, const uint8_t *const *in,
                   const uint16_t *in_log, unsigned l01, unsigned l23,
                   unsigned l02, size_t n);
  void (*ifft4_acc)(uint8_t *x0, size_t g, uint8_t *acc, unsigned l01,
                    unsigned l23, unsigned l02, size_t n);
  void (*deriv16)(uint8_t *x, size_t stride, size_t n);
  void (*ifft8_in)(uint8_t *x, size_t stride, const uint8_t *const *in,
                   const uint16_t *in_log, const uint16_t *lg, size_t n);
  void (*deriv16_xor)(uint8_t *x, size_t stride, const uint8_t *const *src,
                      unsigned cnt, size_t n);
} pf_fec16_kern;

extern const pf_fec16_kern pf_fec16_kern_ref;
#if defined(__x86_64__) || defined(__i386__)
#define PF_FEC16_HAVE_X86 1
extern const pf_fec16_kern pf_fec16_kern_ssse3;
extern const pf_fec16_kern pf_fec16_kern_avx2;
extern const pf_fec16_kern pf_fec16_kern_avx512;
extern const pf_fec16_kern pf_fec16_kern_gfni;
#endif

#endif /* PF_FEC16_KERN_H */
