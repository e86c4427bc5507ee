/*
 * pf_fec16_ref.c -- the SIMD multiplication tables of the GF(2^16)
 * kernels and the portable reference kernel (the field tables are in
 * pf_gf16.c).
 */
#include "fec/pf_fec16_kern.h"

#include <pthread.h>
#include <string.h>

#ifdef __linux__
#include <sys/mman.h>
#define TABLE_ALIGN (2u * 1024u * 1024u)
#else
#define TABLE_ALIGN 4096u
#endif

static pthread_once_t nib_once = PTHREAD_ONCE_INIT;
static pthread_once_t gfni_once = PTHREAD_ONCE_INIT;

/* 65536 x 128 bytes and 65536 x 32 bytes; BSS, touched only when built. */
uint8_t pf_fec16_nib_tab[PF_GF16_ORDER * 128u]
    __attribute__((aligned(TABLE_ALIGN)));
uint64_t pf_fec16_gfni_tab[PF_GF16_ORDER * 4u]
    __attribute__((aligned(TABLE_ALIGN)));

/*
 * The multiplier tables are read at random (one entry per skew factor
 * and per locator value): as 4 KiB pages they cost a TLB miss on almost
 * every lookup.  Where transparent huge pages are on "madvise", ask for
 * them before the table is first written (a hint; failure is harmless).
 */
static void table_hint(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  (void)madvise(p, n, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

/* Products of exp(log_m) with the 16 single-bit elements; 0 for 65535. */
static void bit_products(unsigned log_m, uint16_t p[16]) {
  unsigned b;
  for (b = 0; b < 16; b++)
    p[b] = pf_gf16_mul_log((uint16_t)(1u << b), log_m);
}

static void nib_build(void) {
  unsigned lm, j, v, b;
  uint16_t p[16];

  table_hint(pf_fec16_nib_tab, sizeof(pf_fec16_nib_tab));
  for (lm = 0; lm < PF_GF16_ORDER; lm++) {
    uint8_t *t = pf_fec16_nib_tab + (size_t)lm * 128u;
    bit_products(lm, p);
    for (j = 0; j < 4; j++) {
      for (v = 0; v < 16; v++) {
        uint16_t prod = 0;
        for (b = 0; b < 4; b++)
          if (v & (1u << b))
            prod ^= p[4 * j + b];
        t[j * 32 + v] = (uint8_t)prod;
        t[j * 32 + 16 + v] = (uint8_t)(prod >> 8);
      }
    }
  }
}

const uint8_t *pf_fec16_nib_table(void) {
  pf_gf16_tables_init();
  pthread_once(&nib_once, nib_build);
  return pf_fec16_nib_tab;
}

/*
 * gf2p8affineqb computes output bit i of a byte as the parity of
 * (matrix byte 7-i) AND input: row i of the 8x8 bit matrix sits in byte 7-i.
 */
static uint64_t affine_matrix(const uint16_t *p, unsigned in_shift,
                              unsigned out_shift) {
  uint64_t mat = 0;
  unsigned i, j;
  for (i = 0; i < 8; i++) {
    unsigned row = 0;
    for (j = 0; j < 8; j++)
      row |= ((p[in_shift + j] >> (out_shift + i)) & 1u) << j;
    mat |= (uint64_t)row << (8 * (7 - i));
  }
  return mat;
}

static void gfni_build(void) {
  unsigned lm;
  uint16_t p[16];

  table_hint(pf_fec16_gfni_tab, sizeof(pf_fec16_gfni_tab));
  for (lm = 0; lm < PF_GF16_ORDER; lm++) {
    uint64_t *t = pf_fec16_gfni_tab + (size_t)lm * 4u;
    bit_products(lm, p);
    t[0] = affine_matrix(p, 0, 0); /* lo -> lo */
    t[1] = affine_matrix(p, 8, 0); /* hi -> lo */
    t[2] = affine_matrix(p, 0, 8); /* lo -> hi */
    t[3] = affine_matrix(p, 8, 8); /* hi -> hi */
  }
}

const uint64_t *pf_fec16_gfni_table(void) {
  pf_gf16_tables_init();
  pthread_once(&gfni_once, gfni_build);
  return pf_fec16_gfni_tab;
}

/* ---- reference kernel ---------------------------------------------- */

typedef struct {
  uint16_t t[4][16];
} mul_lut;

static void lut_make(mul_lut *l, unsigned log_m) {
  uint16_t p[16];
  unsigned j, v, b;

  bit_products(log_m, p);
  for (j = 0; j < 4; j++)
    for (v = 0; v < 16; v++) {
      uint16_t prod = 0;
      for (b = 0; b < 4; b++)
        if (v & (1u << b))
          prod ^= p[4 * j + b];
      l->t[j][v] = prod;
    }
}

static inline uint16_t lut_mul(const mul_lut *l, unsigned a) {
  return (uint16_t)(l->t[0][a & 15] ^ l->t[1][(a >> 4) & 15] ^
                    l->t[2][(a >> 8) & 15] ^ l->t[3][a >> 12]);
}

static void ref_xor(uint8_t *x, const uint8_t *y, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    x[i] ^= y[i];
}

/* x ^= y * m over whole blocks. */
static void ref_muladd(uint8_t *x, const uint8_t *y, const mul_lut *l,
                       size_t n) {
  size_t o;
  unsigned j;
  for (o = 0; o < n; o += 64)
    for (j = 0; j < 32; j++) {
      uint16_t p = lut_mul(l, (unsigned)y[o + j] | (unsigned)y[o + 32 + j] << 8);
      x[o + j] ^= (uint8_t)p;
      x[o + 32 + j] ^= (uint8_t)(p >> 8);
    }
}

static void ref_mul(uint8_t *x, const uint8_t *y, unsigned log_m, size_t n) {
  mul_lut l;
  size_t o;
  unsigned j;

  lut_make(&l, log_m);
  for (o = 0; o < n; o += 64)
    for (j = 0; j < 32; j++) {
      uint16_t p = lut_mul(&l, (unsigned)y[o + j] | (unsigned)y[o + 32 + j] << 8);
      x[o + j] = (uint8_t)p;
      x[o + 32 + j] = (uint8_t)(p >> 8);
    }
}

static void ref_fft2(uint8_t *x, uint8_t *y, unsigned log_m, size_t n) {
  mul_lut l;
  lut_make(&l, log_m);
  ref_muladd(x, y, &l, n);
  ref_xor(y, x, n);
}

static void ref_ifft2(uint8_t *x, uint8_t *y, unsigned log_m, size_t n) {
  mul_lut l;
  lut_make(&l, log_m);
  ref_xor(y, x, n);
  ref_muladd(x, y, &l, n);
}

static void ref_fft4(uint8_t *x0, uint8_t *x1, uint8_t *x2, uint8_t *x3,
                     unsigned l01, unsigned l23, unsigned l02, size_t n) {
  ref_fft2(x0, x2, l02, n);
  ref_fft2(x1, x3, l02, n);
  ref_fft2(x0, x1, l01, n);
  ref_fft2(x2, x3, l23, n);
}

static void ref_ifft4(uint8_t *x0, uint8_t *x1, uint8_t *x2, uint8_t *x3,
                      unsigned l01, unsigned l23, unsigned l02, size_t n) {
  ref_ifft2(x0, x1, l01, n);
  ref_ifft2(x2, x3, l23, n);
  ref_ifft2(x0, x2, l02, n);
  ref_ifft2(x1, x3, l02, n);
}

static void ref_load(uint8_t *x, const uint8_t *in, const uint16_t *in_log,
                     size_t n) {
  if (!in)
    memset(x, 0, n);
  else if (in_log)
    ref_mul(x, in, *in_log, n);
  else if (in != x) /* in place: a radix-4 step on rows of the work */
    memcpy(x, in, n);
}

static void ref_ifft2_in(uint8_t *x, size_t stride, const uint8_t *const *in,
                         const uint16_t *in_log, unsigned l01, size_t n) {
  unsigned j;
  for (j = 0; j < 2; j++)
    ref_load(x + j * stride, in[j], in_log ? in_log + j : NULL, n);
  ref_ifft2(x, x + stride, l01, n);
}

static void ref_ifft4_in(uint8_t *x, size_t stride, const uint8_t *const *in,
                         const uint16_t *in_log, unsigned l01, unsigned l23,
                         unsigned l02, size_t n) {
  unsigned j;
  for (j = 0; j < 4; j++)
    ref_load(x + j * stride, in[j], in_log ? in_log + j : NULL, n);
  ref_ifft4(x, x + stride, x + 2 * stride, x + 3 * stride, l01, l23, l02, n);
}

static void ref_ifft4_acc(uint8_t *x, size_t g, uint8_t *acc, unsigned l01,
                          unsigned l23, unsigned l02, size_t n) {
  unsigned j;
  ref_ifft4(x, x + g, x + 2 * g, x + 3 * g, l01, l23, l02, n);
  for (j = 0; j < 4; j++)
    ref_xor(acc + j * g, x + j * g, n);
}

static void ref_deriv16(uint8_t *x, size_t st, size_t n) {
  unsigned i, j;
  /* rs-simd's in-place order (it reads only original values) */
  for (i = 1; i < 16; i++) {
    unsigned w = i & (0u - i);
    for (j = 0; j < w; j++)
      ref_xor(x + (i - w + j) * st, x + (i + j) * st, n);
  }
}

static void ref_deriv16_xor(uint8_t *x, size_t st, const uint8_t *const *src,
                            unsigned cnt, size_t n) {
  unsigned c, p;
  for (c = 0; c < cnt; c++)
    for (p = 0; p < 16; p++)
      ref_xor(x + p * st, src[c] + p * st, n);
  ref_deriv16(x, st, n);
}

static void ref_ifft8_in(uint8_t *x, size_t st, const uint8_t *const *in,
                         const uint16_t *in_log, const uint16_t *lg,
                         size_t n) {
  unsigned j;
  for (j = 0; j < 8; j++)
    ref_load(x + j * st, in[j], in_log ? in_log + j : NULL, n);
  for (j = 0; j < 4; j++)
    ref_ifft2(x + 2 * j * st, x + (2 * j + 1) * st, lg[j], n);
  for (j = 0; j < 4; j++)
    ref_ifft2(x + (j & 1) * st + (j >> 1) * 4 * st,
              x + ((j & 1) + 2) * st + (j >> 1) * 4 * st, lg[4 + (j >> 1)], n);
  for (j = 0; j < 4; j++)
    ref_ifft2(x + j * st, x + (j + 4) * st, lg[6], n);
}

const pf_fec16_kern pf_fec16_kern_ref = {
    "ref",        ref_xor,      ref_mul,      ref_fft2,
    ref_ifft2,    ref_fft4,     ref_ifft4,    ref_ifft2_in,
    ref_ifft4_in, ref_ifft4_acc, ref_deriv16,  ref_ifft8_in,
    ref_deriv16_xor};
