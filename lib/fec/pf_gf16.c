/*
 * pf_gf16.c -- GF(2^16) in leopard's Cantor basis: the log/exp and FFT
 * skew tables (built once per process) and the Walsh-Hadamard transform
 * of the error locator, shared by both GF(2^16) layouts (pf_fec16.c and
 * pf_fec16_ext.c), which sit above this file.
 */
#include "fec/pf_gf16.h"

#include <pthread.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define GF_BITS 16u
#define GF_POLY 0x1002Du
#define MODULUS PF_GF16_MODULUS

/* Cantor basis of leopard / reed-solomon-simd. */
static const uint16_t cantor_basis[GF_BITS] = {
    0x0001, 0xACCA, 0x3C0E, 0x163E, 0xC582, 0xED2E, 0x914C, 0x4012,
    0x6C98, 0x10D8, 0x6A72, 0xB900, 0xFDB8, 0xFB34, 0xFF38, 0x991E};

uint16_t pf_gf16_exp[PF_GF16_ORDER];
uint16_t pf_gf16_log[PF_GF16_ORDER];
uint16_t pf_gf16_skew[PF_GF16_MODULUS];

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static unsigned add_mod(unsigned a, unsigned b) {
  unsigned s = a + b;
  return (s + (s >> GF_BITS)) & 0xffffu;
}

static void build_exp_log(void) {
  unsigned state = 1, i, j;

  /* LFSR powers of the generator in the polynomial basis. */
  for (i = 0; i < PF_GF16_MODULUS; i++) {
    pf_gf16_exp[state] = (uint16_t)i;
    state <<= 1;
    if (state >= PF_GF16_ORDER)
      state ^= GF_POLY;
  }
  pf_gf16_exp[0] = PF_GF16_MODULUS;

  /* Element i of the Cantor basis representation, as a polynomial. */
  pf_gf16_log[0] = 0;
  for (i = 0; i < GF_BITS; i++) {
    unsigned width = 1u << i;
    for (j = 0; j < width; j++)
      pf_gf16_log[j + width] = (uint16_t)(pf_gf16_log[j] ^ cantor_basis[i]);
  }
  for (i = 0; i < PF_GF16_ORDER; i++)
    pf_gf16_log[i] = pf_gf16_exp[pf_gf16_log[i]];
  for (i = 0; i < PF_GF16_ORDER; i++)
    pf_gf16_exp[pf_gf16_log[i]] = (uint16_t)i;
  pf_gf16_exp[PF_GF16_MODULUS] = pf_gf16_exp[0];
}

/* Skew factors of the additive FFT (logarithms; 65535 = zero). */
static void build_skew(void) {
  uint16_t temp[GF_BITS - 1];
  unsigned i, j, mm;

  for (i = 1; i < GF_BITS; i++)
    temp[i - 1] = (uint16_t)(1u << i);
  for (mm = 0; mm < GF_BITS - 1; mm++) {
    unsigned step = 1u << (mm + 1);

    pf_gf16_skew[(1u << mm) - 1] = 0;
    for (i = mm; i < GF_BITS - 1; i++) {
      unsigned s = 1u << (i + 1);
      for (j = (1u << mm) - 1; j < s; j += step)
        pf_gf16_skew[j + s] = (uint16_t)(pf_gf16_skew[j] ^ temp[i]);
    }
    /* temp[mm] becomes a logarithm from here on. */
    temp[mm] = (uint16_t)(PF_GF16_MODULUS -
                          pf_gf16_log[pf_gf16_mul_log(
                              temp[mm], pf_gf16_log[temp[mm] ^ 1])]);
    for (i = mm + 1; i < GF_BITS - 1; i++) {
      unsigned sum = add_mod(pf_gf16_log[temp[i] ^ 1], temp[mm]);
      temp[i] = pf_gf16_mul_log(temp[i], sum);
    }
  }
  for (i = 0; i < PF_GF16_MODULUS; i++)
    pf_gf16_skew[i] = pf_gf16_log[pf_gf16_skew[i]];
}

static void tables_build(void) {
  build_exp_log();
  build_skew();
}

void pf_gf16_tables_init(void) { pthread_once(&tables_once, tables_build); }

#ifdef __SSE2__
/*
 * The locator's Walsh transforms and products, 8 values at a time (the
 * scalar loops took ~0.45 ms of a (10000, 2000) decode).  Lanes hold
 * residues in [0, 65534]; addmod(a, b), a < 65535, b <= 65535, gives
 * (a + b) mod 65535 in [0, 65534]: a wrapped 16-bit sum that carried is
 * one too small (2^16 = 1 mod 65535), and a sum of exactly 65535 is 0.
 * 65535 - b is ~b, and a 32-bit product is hi * 2^16 + lo = hi + lo.
 * Exactly the values of the scalar code.
 */
static inline __m128i addmod(__m128i a, __m128i b) {
  __m128i t = _mm_add_epi16(a, b);
  __m128i nc = _mm_cmpeq_epi16(_mm_adds_epu16(a, b), t); /* no carry */
  t = _mm_sub_epi16(_mm_add_epi16(t, _mm_set1_epi16(1)),
                    _mm_and_si128(nc, _mm_set1_epi16(1)));
  return _mm_andnot_si128(_mm_cmpeq_epi16(t, _mm_set1_epi16(-1)), t);
}
#endif

void pf_gf16_fwht(uint16_t *d, uint32_t n) {
  uint32_t dist, i, j;
  for (dist = 1; dist < n; dist <<= 1) {
#ifdef __SSE2__
    if (dist >= 8) {
      for (i = 0; i < n; i += 2 * dist)
        for (j = i; j < i + dist; j += 8) {
          __m128i *pa = (__m128i *)(void *)(d + j);
          __m128i *pb = (__m128i *)(void *)(d + j + dist);
          __m128i a = _mm_loadu_si128(pa), b = _mm_loadu_si128(pb);
          _mm_storeu_si128(pa, addmod(a, b));
          _mm_storeu_si128(pb, addmod(a, _mm_xor_si128(b, _mm_set1_epi16(-1))));
        }
      continue;
    }
#endif
    for (i = 0; i < n; i += 2 * dist)
      for (j = i; j < i + dist; j++) {
        unsigned a = d[j], b = d[j + dist];
        d[j] = (uint16_t)pf_gf16_mod(a + b);
        d[j + dist] = (uint16_t)pf_gf16_mod(a + MODULUS - b);
      }
  }
}

void pf_gf16_log_convolve(uint16_t *e, const uint16_t *lw, uint32_t n) {
  uint32_t i = 0;

  pf_gf16_fwht(e, n);
#ifdef __SSE2__
  for (; i + 8 <= n; i += 8) {
    __m128i *pe = (__m128i *)(void *)(e + i);
    __m128i a = _mm_loadu_si128(pe);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(lw + i));
    _mm_storeu_si128(pe, addmod(_mm_mulhi_epu16(a, b), _mm_mullo_epi16(a, b)));
  }
#endif
  for (; i < n; i++)
    e[i] = (uint16_t)((uint32_t)e[i] * lw[i] % MODULUS);
  pf_gf16_fwht(e, n);
}
