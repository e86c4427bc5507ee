/*
 * pf_fec8.c -- Cauchy Reed-Solomon over GF(2^8), byte-identical to nanors.
 *
 * Field GF(2^8) with polynomial 0x11D, generator 2.  Parity shard j is
 * parity_j = XOR_i P[j][i] * data_i with P[j][i] = inv((m + i) XOR j),
 * nanors' matrix used as is (no normalisation), or a caller's matrix.
 *
 * Every coding operation -- encoding and rebuilding lost data -- is one
 * call "rows x k coefficient matrix times k input shards" into a kernel:
 *   ref   portable log/exp tables, byte at a time (the test oracle);
 *   isal  Intel ISA-L ec_init_tables() + ec_encode_data();
 *   gfni  pf_fec8_gfni.c, vgf2p8affineqb with one bit matrix per
 *         coefficient, AVX-512 (else AVX2) width.
 * Decoding inverts the square system of the lost data shards once per
 * loss pattern and keeps the result in a small LRU cache; the shard data
 * only ever go through the kernel.  See doc/internals/fec8.md.
 *
 * Nothing here allocates after pf_fec8_new().  An object is not safe to
 * use from two threads at once (the cache and scratch are shared).
 */
#include "fec/pf_fec8.h"

#include <limits.h>
#include <string.h>

#include "base/pf_cpu.h"
#include "fec/pf_fec8_gfni.h"
#include "base/pf_mem.h"

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifdef HAVE_ISAL
#include <isa-l/erasure_code.h>
#define PF_FEC8_ISAL 1
#else
#define PF_FEC8_ISAL 0
#endif

/* Decoding matrices kept per object (loss patterns). */
#define PF_FEC8_CACHE 4

/* exp[i] = 2^i for i < 510, so exp[log a + log b] needs no reduction;
 * zero above, see f8_logz. */
static const uint8_t f8_exp[766] = {
    1,   2,   4,   8,   16,  32,  64,  128, 29,  58,  116, 232, 205, 135, 19,
    38,  76,  152, 45,  90,  180, 117, 234, 201, 143, 3,   6,   12,  24,  48,
    96,  192, 157, 39,  78,  156, 37,  74,  148, 53,  106, 212, 181, 119, 238,
    193, 159, 35,  70,  140, 5,   10,  20,  40,  80,  160, 93,  186, 105, 210,
    185, 111, 222, 161, 95,  190, 97,  194, 153, 47,  94,  188, 101, 202, 137,
    15,  30,  60,  120, 240, 253, 231, 211, 187, 107, 214, 177, 127, 254, 225,
    223, 163, 91,  182, 113, 226, 217, 175, 67,  134, 17,  34,  68,  136, 13,
    26,  52,  104, 208, 189, 103, 206, 129, 31,  62,  124, 248, 237, 199, 147,
    59,  118, 236, 197, 151, 51,  102, 204, 133, 23,  46,  92,  184, 109, 218,
    169, 79,  158, 33,  66,  132, 21,  42,  84,  168, 77,  154, 41,  82,  164,
    85,  170, 73,  146, 57,  114, 228, 213, 183, 115, 230, 209, 191, 99,  198,
    145, 63,  126, 252, 229, 215, 179, 123, 246, 241, 255, 227, 219, 171, 75,
    150, 49,  98,  196, 149, 55,  110, 220, 165, 87,  174, 65,  130, 25,  50,
    100, 200, 141, 7,   14,  28,  56,  112, 224, 221, 167, 83,  166, 81,  162,
    89,  178, 121, 242, 249, 239, 195, 155, 43,  86,  172, 69,  138, 9,   18,
    36,  72,  144, 61,  122, 244, 245, 247, 243, 251, 235, 203, 139, 11,  22,
    44,  88,  176, 125, 250, 233, 207, 131, 27,  54,  108, 216, 173, 71,  142,
    1,   2,   4,   8,   16,  32,  64,  128, 29,  58,  116, 232, 205, 135, 19,
    38,  76,  152, 45,  90,  180, 117, 234, 201, 143, 3,   6,   12,  24,  48,
    96,  192, 157, 39,  78,  156, 37,  74,  148, 53,  106, 212, 181, 119, 238,
    193, 159, 35,  70,  140, 5,   10,  20,  40,  80,  160, 93,  186, 105, 210,
    185, 111, 222, 161, 95,  190, 97,  194, 153, 47,  94,  188, 101, 202, 137,
    15,  30,  60,  120, 240, 253, 231, 211, 187, 107, 214, 177, 127, 254, 225,
    223, 163, 91,  182, 113, 226, 217, 175, 67,  134, 17,  34,  68,  136, 13,
    26,  52,  104, 208, 189, 103, 206, 129, 31,  62,  124, 248, 237, 199, 147,
    59,  118, 236, 197, 151, 51,  102, 204, 133, 23,  46,  92,  184, 109, 218,
    169, 79,  158, 33,  66,  132, 21,  42,  84,  168, 77,  154, 41,  82,  164,
    85,  170, 73,  146, 57,  114, 228, 213, 183, 115, 230, 209, 191, 99,  198,
    145, 63,  126, 252, 229, 215, 179, 123, 246, 241, 255, 227, 219, 171, 75,
    150, 49,  98,  196, 149, 55,  110, 220, 165, 87,  174, 65,  130, 25,  50,
    100, 200, 141, 7,   14,  28,  56,  112, 224, 221, 167, 83,  166, 81,  162,
    89,  178, 121, 242, 249, 239, 195, 155, 43,  86,  172, 69,  138, 9,   18,
    36,  72,  144, 61,  122, 244, 245, 247, 243, 251, 235, 203, 139, 11,  22,
    44,  88,  176, 125, 250, 233, 207, 131, 27,  54,  108, 216, 173, 71,  142,
    /* 510..765: zero, the products with 0 (see f8_logz) */
};

static const uint8_t f8_log[256] = {
    0,   0,   1,   25,  2,   50,  26,  198, 3,   223, 51,  238, 27,  104, 199,
    75,  4,   100, 224, 14,  52,  141, 239, 129, 28,  193, 105, 248, 200, 8,
    76,  113, 5,   138, 101, 47,  225, 36,  15,  33,  53,  147, 142, 218, 240,
    18,  130, 69,  29,  181, 194, 125, 106, 39,  249, 185, 201, 154, 9,   120,
    77,  228, 114, 166, 6,   191, 139, 98,  102, 221, 48,  253, 226, 152, 37,
    179, 16,  145, 34,  136, 54,  208, 148, 206, 143, 150, 219, 189, 241, 210,
    19,  92,  131, 56,  70,  64,  30,  66,  182, 163, 195, 72,  126, 110, 107,
    58,  40,  84,  250, 133, 186, 61,  202, 94,  155, 159, 10,  21,  121, 43,
    78,  212, 229, 172, 115, 243, 167, 87,  7,   112, 192, 247, 140, 128, 99,
    13,  103, 74,  222, 237, 49,  197, 254, 24,  227, 165, 153, 119, 38,  184,
    180, 124, 17,  68,  146, 217, 35,  32,  137, 46,  55,  63,  209, 91,  149,
    188, 207, 205, 144, 135, 151, 178, 220, 252, 190, 97,  242, 86,  211, 171,
    20,  42,  93,  158, 132, 60,  57,  83,  71,  109, 65,  162, 31,  45,  67,
    216, 183, 123, 164, 118, 196, 23,  73,  236, 127, 12,  111, 246, 108, 161,
    59,  82,  41,  157, 85,  170, 251, 96,  134, 177, 187, 204, 62,  90,  203,
    89,  95,  176, 156, 169, 160, 81,  11,  245, 22,  235, 122, 117, 44,  215,
    79,  174, 213, 233, 230, 231, 173, 232, 116, 214, 244, 234, 168, 80,  88,
    175,
};

/* f8_logz[a] = log a, and 511 for 0 (then f8_exp[f8_logz[a] + l] = 0 for
 * any l <= 254: f8_exp is zero from 510 on). */
static const uint16_t f8_logz[256] = {
    511, 0,   1,   25,  2,   50,  26,  198, 3,   223, 51,  238, 27,  104, 199,
    75,  4,   100, 224, 14,  52,  141, 239, 129, 28,  193, 105, 248, 200, 8,
    76,  113, 5,   138, 101, 47,  225, 36,  15,  33,  53,  147, 142, 218, 240,
    18,  130, 69,  29,  181, 194, 125, 106, 39,  249, 185, 201, 154, 9,   120,
    77,  228, 114, 166, 6,   191, 139, 98,  102, 221, 48,  253, 226, 152, 37,
    179, 16,  145, 34,  136, 54,  208, 148, 206, 143, 150, 219, 189, 241, 210,
    19,  92,  131, 56,  70,  64,  30,  66,  182, 163, 195, 72,  126, 110, 107,
    58,  40,  84,  250, 133, 186, 61,  202, 94,  155, 159, 10,  21,  121, 43,
    78,  212, 229, 172, 115, 243, 167, 87,  7,   112, 192, 247, 140, 128, 99,
    13,  103, 74,  222, 237, 49,  197, 254, 24,  227, 165, 153, 119, 38,  184,
    180, 124, 17,  68,  146, 217, 35,  32,  137, 46,  55,  63,  209, 91,  149,
    188, 207, 205, 144, 135, 151, 178, 220, 252, 190, 97,  242, 86,  211, 171,
    20,  42,  93,  158, 132, 60,  57,  83,  71,  109, 65,  162, 31,  45,  67,
    216, 183, 123, 164, 118, 196, 23,  73,  236, 127, 12,  111, 246, 108, 161,
    59,  82,  41,  157, 85,  170, 251, 96,  134, 177, 187, 204, 62,  90,  203,
    89,  95,  176, 156, 169, 160, 81,  11,  245, 22,  235, 122, 117, 44,  215,
    79,  174, 213, 233, 230, 231, 173, 232, 116, 214, 244, 234, 168, 80,  88,
    175,
};

static const uint8_t f8_inv[256] = {
    0,   1,   142, 244, 71,  167, 122, 186, 173, 157, 221, 152, 61,  170, 93,
    150, 216, 114, 192, 88,  224, 62,  76,  102, 144, 222, 85,  128, 160, 131,
    75,  42,  108, 237, 57,  81,  96,  86,  44,  138, 112, 208, 31,  74,  38,
    139, 51,  110, 72,  137, 111, 46,  164, 195, 64,  94,  80,  34,  207, 169,
    171, 12,  21,  225, 54,  95,  248, 213, 146, 78,  166, 4,   48,  136, 43,
    30,  22,  103, 69,  147, 56,  35,  104, 140, 129, 26,  37,  97,  19,  193,
    203, 99,  151, 14,  55,  65,  36,  87,  202, 91,  185, 196, 23,  77,  82,
    141, 239, 179, 32,  236, 47,  50,  40,  209, 17,  217, 233, 251, 218, 121,
    219, 119, 6,   187, 132, 205, 254, 252, 27,  84,  161, 29,  124, 204, 228,
    176, 73,  49,  39,  45,  83,  105, 2,   245, 24,  223, 68,  79,  155, 188,
    15,  92,  11,  220, 189, 148, 172, 9,   199, 162, 28,  130, 159, 198, 52,
    194, 70,  5,   206, 59,  13,  60,  156, 8,   190, 183, 135, 229, 238, 107,
    235, 242, 191, 175, 197, 100, 7,   123, 149, 154, 174, 182, 18,  89,  165,
    53,  101, 184, 163, 158, 210, 247, 98,  90,  133, 125, 168, 58,  41,  113,
    200, 246, 249, 67,  215, 214, 16,  115, 118, 120, 153, 10,  25,  145, 20,
    63,  230, 240, 134, 177, 226, 241, 250, 116, 243, 180, 109, 33,  178, 106,
    227, 231, 181, 234, 3,   143, 211, 201, 66,  212, 232, 117, 127, 255, 126,
    253,
};

/* One cached decoding matrix: the loss pattern and what rebuilds it. */
typedef struct dec_entry {
  uint64_t key[4];  /* bit i: data shard i lost, or shard i used as parity */
  uint64_t used;    /* LRU stamp; 0 = empty */
  uint32_t nlost;   /* rows of coef */
  uint8_t in[255];  /* k input shard indices (present data, then parity) */
  uint8_t out[255]; /* nlost lost data shard indices */
  uint8_t *coef;    /* nlost x k */
  void *tab;        /* kernel table for coef */
} dec_entry;

struct pf_fec8 {
  const pf_mem *mem;
  uint32_t k, m;
  uint32_t impl;    /* PF_FEC_IMPL_REF, _ISAL or _GFNI */
  int wide;         /* gfni: 1 = AVX-512, 0 = AVX2 */
  uint32_t maxlost; /* min(k, m) */
  int cauchy;       /* pmat is nanors' matrix (closed-form inverses) */
  uint8_t *pmat;    /* m x k parity matrix */
  void *enc_tab;    /* kernel table for pmat */
  uint8_t *work;    /* 2 * maxlost^2 bytes: inversion scratch */
  void *scratch;    /* maxlost * k uint16_t: B (or its logs) in decoding */
  const uint8_t **src;
  uint8_t **dst;
  uint64_t clock;
  dec_entry cache[PF_FEC8_CACHE];
};

/* ------------------------------------------------------------ kernels */

static void ref_encode(size_t len, uint32_t k, uint32_t rows,
                       const uint8_t *coef, const uint8_t *const *src,
                       uint8_t *const *dst) {
  uint32_t r, i;
  size_t b;

  for (r = 0; r < rows; r++) {
    uint8_t *d = dst[r];
    const uint8_t *c = coef + (size_t)r * k;

    memset(d, 0, len);
    for (i = 0; i < k; i++) {
      const uint8_t *s = src[i];
      unsigned lc;

      if (c[i] == 0)
        continue;
      lc = f8_log[c[i]];
      for (b = 0; b < len; b++)
        if (s[b])
          d[b] ^= f8_exp[lc + f8_log[s[b]]];
    }
  }
}

/* Bytes of kernel table for a rows x k matrix. */
static size_t tab_size(uint32_t impl, uint32_t k, uint32_t rows) {
  size_t n = (size_t)k * rows;

  switch (impl) {
  case PF_FEC_IMPL_ISAL:
    return 32 * n;
  case PF_FEC_IMPL_GFNI:
    return 8 * n;
  default:
    return 0;
  }
}

static void tab_prepare(const pf_fec8 *fec, uint32_t rows, const uint8_t *coef,
                        void *tab) {
  switch (fec->impl) {
#if PF_FEC8_ISAL
  case PF_FEC_IMPL_ISAL:
    ec_init_tables((int)fec->k, (int)rows, (unsigned char *)(uintptr_t)coef,
                   tab);
    break;
#endif
  case PF_FEC_IMPL_GFNI:
    pf_fec8_gfni_prepare(
        fec->k, rows, fec->wide ? PF_FEC8_GFNI512_GROUP : PF_FEC8_GFNI256_GROUP,
        coef, tab);
    break;
  default:
    break;
  }
}

static void run_kernel(const pf_fec8 *fec, size_t len, uint32_t rows,
                       const uint8_t *coef, const void *tab,
                       const uint8_t *const *src, uint8_t *const *dst) {
  switch (fec->impl) {
#if PF_FEC8_ISAL
  case PF_FEC_IMPL_ISAL: {
    /* ec_encode_data() takes an int length and non-const pointers (it
     * writes only through the coding pointers, never to the arrays). */
    unsigned char *s[255], *d[255];
    size_t off, n;
    uint32_t i;

    if (len <= (size_t)INT_MAX) {
      ec_encode_data(
          (int)len, (int)fec->k, (int)rows, (unsigned char *)(uintptr_t)tab,
          (unsigned char **)(uintptr_t)src, (unsigned char **)(uintptr_t)dst);
      break;
    }
    for (off = 0; off < len; off += n) {
      n = len - off;
      if (n > (size_t)INT_MAX / 2)
        n = (size_t)INT_MAX / 2;
      for (i = 0; i < fec->k; i++)
        s[i] = (unsigned char *)(uintptr_t)(src[i] + off);
      for (i = 0; i < rows; i++)
        d[i] = dst[i] + off;
      ec_encode_data((int)n, (int)fec->k, (int)rows,
                     (unsigned char *)(uintptr_t)tab, s, d);
    }
    break;
  }
#endif
  case PF_FEC_IMPL_GFNI:
    if (fec->wide)
      pf_fec8_gfni512_encode(len, fec->k, rows, tab, src, dst);
    else
      pf_fec8_gfni256_encode(len, fec->k, rows, tab, src, dst);
    break;
  default:
    ref_encode(len, fec->k, rows, coef, src, dst);
    break;
  }
}

/* ------------------------------------------------------------ algebra */

/* dst[j] ^= c * src[j] for j < n, with |lsrc| = f8_logz of src. */
static void f8_muladd_log(uint8_t *dst, const uint16_t *lsrc, uint8_t c,
                          uint32_t n) {
  unsigned lc = f8_log[c];
  uint32_t j;

  for (j = 0; j < n; j++)
    dst[j] ^= f8_exp[lc + lsrc[j]];
}

/*
 * Inverts the n x n matrix |a| in place by Gauss-Jordan elimination with
 * |tmp| (n x n) as scratch.  Returns 0, or -1 if |a| is singular.  The row
 * operations are branch-free: the pivot row is taken to logarithms once
 * (f8_logz), then each row subtracts a multiple with one lookup per byte.
 */
static int f8_invert(uint8_t *a, uint8_t *tmp, uint32_t n) {
  uint16_t la[255], lt[255];
  uint32_t c, r, j;

  memset(tmp, 0, (size_t)n * n);
  for (r = 0; r < n; r++)
    tmp[(size_t)r * n + r] = 1;
  for (c = 0; c < n; c++) {
    uint8_t *pr, *pt;
    unsigned li;

    for (r = c; r < n && a[(size_t)r * n + c] == 0; r++)
      ;
    if (r == n)
      return -1;
    if (r != c) {
      for (j = 0; j < n; j++) {
        uint8_t t = a[(size_t)r * n + j];
        a[(size_t)r * n + j] = a[(size_t)c * n + j];
        a[(size_t)c * n + j] = t;
        t = tmp[(size_t)r * n + j];
        tmp[(size_t)r * n + j] = tmp[(size_t)c * n + j];
        tmp[(size_t)c * n + j] = t;
      }
    }
    pr = a + (size_t)c * n;
    pt = tmp + (size_t)c * n;
    /* Scale the pivot row to pr[c] = 1 and take its logarithms.  Columns
     * before c are already zero in |a|'s pivot row. */
    li = f8_log[f8_inv[pr[c]]];
    for (j = 0; j < n; j++) {
      pr[j] = f8_exp[li + f8_logz[pr[j]]];
      pt[j] = f8_exp[li + f8_logz[pt[j]]];
      la[j] = f8_logz[pr[j]];
      lt[j] = f8_logz[pt[j]];
    }
    for (r = 0; r < n; r++) {
      uint8_t f = a[(size_t)r * n + c];

      if (r == c || f == 0)
        continue;
      f8_muladd_log(a + (size_t)r * n + c, la + c, f, n - c);
      f8_muladd_log(tmp + (size_t)r * n, lt, f, n);
    }
  }
  memcpy(a, tmp, (size_t)n * n);
  return 0;
}

/*
 * The inverse of a Cauchy matrix has a closed form (Schechter 1959), which
 * in characteristic 2 (x - y = x XOR y) reads, for C[a][b] = 1/(x_a + y_b):
 *
 *   C^-1[b][a] = prod_k (x_a + y_k) * prod_k (x_k + y_b)
 *                / ((x_a + y_b) * prod_{k!=a} (x_a + x_k) * prod_{k!=b} (y_b +
 * y_k))
 *
 * O(n^2) in the log domain instead of Gauss-Jordan's O(n^3).  Used for the
 * nanors matrix, where the block A = P[J][D] is Cauchy with x_a = j_a
 * (parity index) and y_b = m + d_b (data index).  |ainv| gets row b
 * (lost data shard b), column a (parity a).
 */
static void cauchy_inverse(const uint8_t *x, const uint8_t *y, uint32_t n,
                           uint8_t *ainv) {
  uint32_t l1[255], l2[255], l3[255], l4[255], a, b;

  for (a = 0; a < n; a++) {
    l1[a] = l2[a] = l3[a] = l4[a] = 0;
    for (b = 0; b < n; b++) {
      l1[a] += f8_log[x[a] ^ y[b]];
      l2[a] += f8_log[x[b] ^ y[a]];
      if (b != a) {
        l3[a] += f8_log[x[a] ^ x[b]];
        l4[a] += f8_log[y[a] ^ y[b]];
      }
    }
  }
  for (b = 0; b < n; b++)
    for (a = 0; a < n; a++) {
      /* All sums < 255 * 255 * 4; 255 * 1024 keeps the difference >= 0. */
      uint32_t e =
          255u * 1024u + l1[a] + l2[b] - f8_log[x[a] ^ y[b]] - l3[a] - l4[b];
      ainv[(size_t)b * n + a] = f8_exp[e % 255];
    }
}

/* Returns 1 if the s x s minor of |p| (m x k) on |rows|, |cols| is 0. */
static int minor_singular(const uint8_t *p, uint32_t k, const uint8_t *rows,
                          const uint8_t *cols, uint32_t s, uint8_t *a,
                          uint8_t *tmp) {
  uint32_t i, j;

  for (i = 0; i < s; i++)
    for (j = 0; j < s; j++)
      a[i * s + j] = p[(size_t)rows[i] * k + cols[j]];
  return f8_invert(a, tmp, s) != 0;
}

/* Advances the s-subset |c| of 0..n-1 (ascending); returns 0 at the end. */
static int next_subset(uint8_t *c, uint32_t s, uint32_t n) {
  uint32_t i = s;

  while (i > 0) {
    i--;
    if (c[i] < n - s + i) {
      c[i]++;
      while (++i < s)
        c[i] = (uint8_t)(c[i - 1] + 1);
      return 1;
    }
  }
  return 0;
}

/*
 * Every k x k selection of the rows of [I; P] is invertible iff every
 * square submatrix of P is.  There are C(k + m, m) - 1 of them, so the
 * check is exhaustive only while that stays small (the caller matrices in
 * use are 4 + 2); beyond it only the 1 x 1 minors (no zero entries) are
 * checked here and pf_fec8_decode() reports any singular selection it
 * meets as PF_ERR_FEC_UNRECOVERABLE.  Returns 0 if no singular minor was
 * found.  |scratch| holds 2 * min(k, m)^2 bytes.
 */
#define MDS_CHECK_LIMIT 20000u

static int check_matrix(const uint8_t *p, uint32_t k, uint32_t m,
                        uint8_t *scratch) {
  uint8_t rows[255], cols[255];
  uint32_t s, i, smax = k < m ? k : m;
  uint64_t total = 1;

  for (i = 0; i < (size_t)k * m; i++)
    if (p[i] == 0)
      return -1;
  /* C(k + m, m), stopping once past the limit. */
  for (i = 1; i <= m && total <= MDS_CHECK_LIMIT; i++)
    total = total * (k + i) / i;
  if (total > MDS_CHECK_LIMIT)
    return 0;
  for (s = 2; s <= smax; s++) {
    for (i = 0; i < s; i++)
      rows[i] = (uint8_t)i;
    do {
      for (i = 0; i < s; i++)
        cols[i] = (uint8_t)i;
      do {
        if (minor_singular(p, k, rows, cols, s, scratch,
                           scratch + (size_t)s * s))
          return -1;
      } while (next_subset(cols, s, k));
    } while (next_subset(rows, s, m));
  }
  return 0;
}

/* ------------------------------------------------------------ lifetime */

static int impl_available(uint32_t impl, int *wide) {
  uint32_t f = pf_cpu_features();

  switch (impl) {
  case PF_FEC_IMPL_REF:
    return 1;
  case PF_FEC_IMPL_ISAL:
    return PF_FEC8_ISAL;
  case PF_FEC_IMPL_GFNI:
    if (!(f & PF_CPU_GFNI))
      return 0;
    if (f & PF_CPU_AVX512BW) {
      *wide = 1;
      return 1;
    }
    *wide = 0;
    return (f & PF_CPU_AVX2) != 0;
  default:
    return 0;
  }
}

void pf_fec8_del(pf_fec8 *fec) {
  const pf_mem *mem;
  int i;

  if (!fec)
    return;
  mem = fec->mem;
  for (i = 0; i < PF_FEC8_CACHE; i++) {
    pf_mem_free(mem, fec->cache[i].coef);
    pf_mem_aligned_free(mem, fec->cache[i].tab);
  }
  pf_mem_free(mem, fec->pmat);
  pf_mem_aligned_free(mem, fec->enc_tab);
  pf_mem_free(mem, fec->work);
  pf_mem_free(mem, fec->scratch);
  pf_mem_free(mem, fec->src);
  pf_mem_free(mem, fec->dst);
  pf_mem_free(mem, fec);
}

int pf_fec8_new(pf_fec8 **pfec, uint32_t k, uint32_t m, const uint8_t *matrix,
                uint32_t impl, const pf_mem *mem) {
  pf_fec8 *fec;
  int rv, wide = 0, i;
  uint32_t j, c;
  size_t tsz;

  *pfec = NULL;
  if (k < 1 || m < 1 || k + m > PF_FEC8_MAX_SHARDS)
    return PF_ERR_INVALID_ARGUMENT;
  rv = pf_fec_impl_resolve(impl);
  if (rv < 0)
    return rv;
  impl = (uint32_t)rv;
  if (impl == PF_FEC_IMPL_AUTO) {
    /* Fastest first; see doc/internals/fec8.md for the measurements. */
    if (impl_available(PF_FEC_IMPL_GFNI, &wide))
      impl = PF_FEC_IMPL_GFNI;
    else if (impl_available(PF_FEC_IMPL_ISAL, &wide))
      impl = PF_FEC_IMPL_ISAL;
    else
      impl = PF_FEC_IMPL_REF;
  } else if (!impl_available(impl, &wide)) {
    return PF_ERR_UNSUPPORTED;
  }

  mem = pf_mem_or_default(mem);
  fec = pf_mem_calloc(mem, 1, sizeof(*fec));
  if (!fec)
    return PF_ERR_NOMEM;
  fec->mem = mem;
  fec->k = k;
  fec->m = m;
  fec->impl = impl;
  fec->wide = wide;
  fec->maxlost = k < m ? k : m;

  fec->pmat = pf_mem_malloc(mem, (size_t)m * k);
  fec->work = pf_mem_malloc(mem, 2 * (size_t)fec->maxlost * fec->maxlost);
  fec->scratch = pf_mem_malloc(mem, sizeof(uint16_t) * fec->maxlost * k);
  fec->src = pf_mem_calloc(mem, PF_FEC8_MAX_SHARDS, sizeof(*fec->src));
  fec->dst = pf_mem_calloc(mem, PF_FEC8_MAX_SHARDS, sizeof(*fec->dst));
  if (!fec->pmat || !fec->work || !fec->scratch || !fec->src || !fec->dst)
    goto nomem;

  if (matrix) {
    memcpy(fec->pmat, matrix, (size_t)m * k);
    if (check_matrix(fec->pmat, k, m, fec->work) != 0) {
      pf_fec8_del(fec);
      return PF_ERR_INVALID_ARGUMENT;
    }
  } else {
    fec->cauchy = 1;
    for (j = 0; j < m; j++)
      for (c = 0; c < k; c++)
        fec->pmat[(size_t)j * k + c] = f8_inv[(m + c) ^ j];
  }

  tsz = tab_size(impl, k, m);
  if (tsz) {
    fec->enc_tab = pf_mem_aligned_alloc(mem, 64, tsz);
    if (!fec->enc_tab)
      goto nomem;
    tab_prepare(fec, m, fec->pmat, fec->enc_tab);
  }
  tsz = tab_size(impl, k, fec->maxlost);
  for (i = 0; i < PF_FEC8_CACHE; i++) {
    dec_entry *e = &fec->cache[i];

    e->coef = pf_mem_malloc(mem, (size_t)fec->maxlost * k);
    if (!e->coef)
      goto nomem;
    if (tsz) {
      e->tab = pf_mem_aligned_alloc(mem, 64, tsz);
      if (!e->tab)
        goto nomem;
    }
  }
  *pfec = fec;
  return 0;

nomem:
  pf_fec8_del(fec);
  return PF_ERR_NOMEM;
}

const char *pf_fec8_impl_name(const pf_fec8 *fec) {
  return pf_fec_impl_str(fec->impl);
}

/* ------------------------------------------------------------ coding */

int pf_fec8_encode(pf_fec8 *fec, const uint8_t *const *data,
                   uint8_t *const *parity, size_t len) {
  run_kernel(fec, len, fec->m, fec->pmat, fec->enc_tab, data, parity);
  return 0;
}

/*
 * Builds the decoding rows for entry |e| whose key, in[] and out[] are
 * set.  With D the lost data shards and J the parity shards used
 * (|J| = |D| = n), the k x k system of the surviving shards is
 *   [ I 0 ] [x_rest]   [data_rest]
 *   [ B A ] [x_D   ] = [parity_J ]   A = P[J][D], B = P[J][rest],
 * whose inverse's rows for D are  x_D = A^-1 parity_J + A^-1 B data_rest:
 * only the n x n block A is inverted, then multiplied out to n x k rows.
 * The product A^-1 B is itself a kernel call (n inputs: the rows of B)
 * with GFNI, whose tables cost nothing to prepare; the other kernels do
 * it with the log/exp row operation.
 */
static int build_entry(pf_fec8 *fec, dec_entry *e) {
  uint32_t k = fec->k, n = e->nlost, nrest = k - n, a, b, i;
  uint8_t *ainv = fec->work, *tmp = fec->work + (size_t)n * n;
  const uint8_t *prow;

  if (fec->cauchy) {
    uint8_t x[255], y[255];

    for (a = 0; a < n; a++)
      x[a] = (uint8_t)(e->in[nrest + a] - k);
    for (b = 0; b < n; b++)
      y[b] = (uint8_t)(fec->m + e->out[b]);
    cauchy_inverse(x, y, n, ainv);
  } else {
    for (a = 0; a < n; a++) {
      prow = fec->pmat + (size_t)(e->in[nrest + a] - k) * k;
      for (b = 0; b < n; b++)
        ainv[a * n + b] = prow[e->out[b]];
    }
    if (f8_invert(ainv, tmp, n) != 0)
      return -1;
  }
  for (b = 0; b < n; b++)
    memcpy(e->coef + (size_t)b * k + nrest, ainv + (size_t)b * n, n);
  if (nrest == 0)
    goto done;

  if (fec->impl == PF_FEC_IMPL_GFNI) {
    /* B's rows as n shards of nrest bytes; outputs into the coef rows. */
    uint8_t *bm = fec->scratch;

    for (a = 0; a < n; a++) {
      prow = fec->pmat + (size_t)(e->in[nrest + a] - k) * k;
      for (i = 0; i < nrest; i++)
        bm[(size_t)a * nrest + i] = prow[e->in[i]];
      fec->src[a] = bm + (size_t)a * nrest;
    }
    for (b = 0; b < n; b++)
      fec->dst[b] = e->coef + (size_t)b * k;
    pf_fec8_gfni_prepare(
        n, n, fec->wide ? PF_FEC8_GFNI512_GROUP : PF_FEC8_GFNI256_GROUP, ainv,
        e->tab);
    if (fec->wide)
      pf_fec8_gfni512_encode(nrest, n, n, e->tab, fec->src, fec->dst);
    else
      pf_fec8_gfni256_encode(nrest, n, n, e->tab, fec->src, fec->dst);
  } else {
    uint16_t *lb = fec->scratch; /* logarithms of B, n x nrest */

    for (a = 0; a < n; a++) {
      prow = fec->pmat + (size_t)(e->in[nrest + a] - k) * k;
      for (i = 0; i < nrest; i++)
        lb[(size_t)a * nrest + i] = f8_logz[prow[e->in[i]]];
    }
    for (b = 0; b < n; b++) {
      uint8_t *row = e->coef + (size_t)b * k;
      const uint8_t *ai = ainv + (size_t)b * n;

      memset(row, 0, nrest);
      for (a = 0; a < n; a++)
        if (ai[a])
          f8_muladd_log(row, lb + (size_t)a * nrest, ai[a], nrest);
    }
  }
done:
  tab_prepare(fec, n, e->coef, e->tab);
  return 0;
}

int pf_fec8_decode(pf_fec8 *fec, uint8_t *const *shards, const uint8_t *present,
                   size_t len) {
  uint32_t k = fec->k, m = fec->m, n = 0, np = 0, i, j;
  uint64_t key[4] = {0, 0, 0, 0};
  uint8_t lost[255], in[255];
  dec_entry *e, *victim;
  int h;

  for (i = 0; i < k; i++) {
    if (!present[i]) {
      lost[n++] = (uint8_t)i;
      key[i >> 6] |= UINT64_C(1) << (i & 63);
    } else {
      in[np++] = (uint8_t)i;
    }
  }
  if (n == 0)
    return 0;
  /* The first n parity shards that arrived stand in for the lost data. */
  for (j = 0; j < m && np < k; j++) {
    if (present[k + j]) {
      in[np++] = (uint8_t)(k + j);
      key[(k + j) >> 6] |= UINT64_C(1) << ((k + j) & 63);
    }
  }
  if (np < k)
    return PF_ERR_FEC_UNRECOVERABLE;

  e = NULL;
  victim = &fec->cache[0];
  for (h = 0; h < PF_FEC8_CACHE; h++) {
    dec_entry *c = &fec->cache[h];

    if (c->used && memcmp(c->key, key, sizeof(key)) == 0) {
      e = c;
      break;
    }
    if (c->used < victim->used)
      victim = c;
  }
  if (!e) {
    e = victim;
    memcpy(e->key, key, sizeof(key));
    memcpy(e->in, in, k);
    memcpy(e->out, lost, n);
    e->nlost = n;
    if (build_entry(fec, e) != 0) {
      e->used = 0;
      return PF_ERR_FEC_UNRECOVERABLE;
    }
  }
  e->used = ++fec->clock;

  for (i = 0; i < k; i++)
    fec->src[i] = shards[e->in[i]];
  for (i = 0; i < n; i++)
    fec->dst[i] = shards[e->out[i]];
  run_kernel(fec, len, n, e->coef, e->tab, fec->src, fec->dst);
  return (int)n;
}
