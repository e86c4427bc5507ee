/*
 * pf_fec8_gfni.c -- GF(2^8) multiply-accumulate on GFNI.
 *
 * GFNI's gf2p8mulb multiplies in GF(2^8)/0x11B (the AES field), not our
 * 0x11D, so it cannot be used.  But multiplication by a constant c is a
 * linear map over GF(2)^8 in any polynomial basis, and
 * vgf2p8affineqb(x, A, 0) applies an arbitrary 8x8 bit matrix A to every
 * byte of x: result bit i = parity(x & A.byte[7 - i]).  So each
 * coefficient becomes one 64-bit matrix, and one instruction multiplies
 * 64 (AVX-512) or 32 (AVX2) bytes by it.
 *
 * The kernels compute a group of rows per pass over the inputs: every
 * input vector loaded is multiplied into all rows of the group, so the
 * data are read ceil(rows / group) times instead of rows times.  Two
 * products are folded into an accumulator by one three-way XOR
 * (vpternlogq 0x96) on AVX-512.
 *
 * Each function carries its own target attribute, so the library needs no
 * global -m flags; pf_fec8.c checks pf_cpu_features() before calling.
 */
#include "fec/pf_fec8_gfni.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PF_HAVE_X86 1
#else
#define PF_HAVE_X86 0
#endif

/* Carry-less multiply modulo 0x11D; only used to build the matrices. */
static uint8_t mul_slow(uint8_t a, uint8_t b) {
  unsigned r = 0, x = a;
  int i;

  for (i = 0; i < 8; i++) {
    if (b & (1u << i))
      r ^= x;
    x <<= 1;
    if (x & 0x100)
      x ^= 0x11D;
  }
  return (uint8_t)r;
}

/* affine_tab[c]: the bit matrix of multiplication by c, generated; the
 * unit test checks it against pf_fec8_gfni_affine_slow(). */
static const uint64_t affine_tab[256] = {
    UINT64_C(0x0000000000000000), UINT64_C(0x0102040810204080),
    UINT64_C(0x8001828488102040), UINT64_C(0x8103868c983060c0),
    UINT64_C(0x408041c2c4881020), UINT64_C(0x418245cad4a850a0),
    UINT64_C(0xc081c3464c983060), UINT64_C(0xc183c74e5cb870e0),
    UINT64_C(0x2040a061e2c48810), UINT64_C(0x2142a469f2e4c890),
    UINT64_C(0xa04122e56ad4a850), UINT64_C(0xa14326ed7af4e8d0),
    UINT64_C(0x60c0e1a3264c9830), UINT64_C(0x61c2e5ab366cd8b0),
    UINT64_C(0xe0c16327ae5cb870), UINT64_C(0xe1c3672fbe7cf8f0),
    UINT64_C(0x102050b071e2c488), UINT64_C(0x112254b861c28408),
    UINT64_C(0x9021d234f9f2e4c8), UINT64_C(0x9123d63ce9d2a448),
    UINT64_C(0x50a01172b56ad4a8), UINT64_C(0x51a2157aa54a9428),
    UINT64_C(0xd0a193f63d7af4e8), UINT64_C(0xd1a397fe2d5ab468),
    UINT64_C(0x3060f0d193264c98), UINT64_C(0x3162f4d983060c18),
    UINT64_C(0xb06172551b366cd8), UINT64_C(0xb163765d0b162c58),
    UINT64_C(0x70e0b11357ae5cb8), UINT64_C(0x71e2b51b478e1c38),
    UINT64_C(0xf0e13397dfbe7cf8), UINT64_C(0xf1e3379fcf9e3c78),
    UINT64_C(0x8810a8d83871e2c4), UINT64_C(0x8912acd02851a244),
    UINT64_C(0x08112a5cb061c284), UINT64_C(0x09132e54a0418204),
    UINT64_C(0xc890e91afcf9f2e4), UINT64_C(0xc992ed12ecd9b264),
    UINT64_C(0x48916b9e74e9d2a4), UINT64_C(0x49936f9664c99224),
    UINT64_C(0xa85008b9dab56ad4), UINT64_C(0xa9520cb1ca952a54),
    UINT64_C(0x28518a3d52a54a94), UINT64_C(0x29538e3542850a14),
    UINT64_C(0xe8d0497b1e3d7af4), UINT64_C(0xe9d24d730e1d3a74),
    UINT64_C(0x68d1cbff962d5ab4), UINT64_C(0x69d3cff7860d1a34),
    UINT64_C(0x9830f8684993264c), UINT64_C(0x9932fc6059b366cc),
    UINT64_C(0x18317aecc183060c), UINT64_C(0x19337ee4d1a3468c),
    UINT64_C(0xd8b0b9aa8d1b366c), UINT64_C(0xd9b2bda29d3b76ec),
    UINT64_C(0x58b13b2e050b162c), UINT64_C(0x59b33f26152b56ac),
    UINT64_C(0xb8705809ab57ae5c), UINT64_C(0xb9725c01bb77eedc),
    UINT64_C(0x3871da8d23478e1c), UINT64_C(0x3973de853367ce9c),
    UINT64_C(0xf8f019cb6fdfbe7c), UINT64_C(0xf9f21dc37ffffefc),
    UINT64_C(0x78f19b4fe7cf9e3c), UINT64_C(0x79f39f47f7efdebc),
    UINT64_C(0xc488d46c1c3871e2), UINT64_C(0xc58ad0640c183162),
    UINT64_C(0x448956e8942851a2), UINT64_C(0x458b52e084081122),
    UINT64_C(0x840895aed8b061c2), UINT64_C(0x850a91a6c8902142),
    UINT64_C(0x0409172a50a04182), UINT64_C(0x050b132240800102),
    UINT64_C(0xe4c8740dfefcf9f2), UINT64_C(0xe5ca7005eedcb972),
    UINT64_C(0x64c9f68976ecd9b2), UINT64_C(0x65cbf28166cc9932),
    UINT64_C(0xa44835cf3a74e9d2), UINT64_C(0xa54a31c72a54a952),
    UINT64_C(0x2449b74bb264c992), UINT64_C(0x254bb343a2448912),
    UINT64_C(0xd4a884dc6ddab56a), UINT64_C(0xd5aa80d47dfaf5ea),
    UINT64_C(0x54a90658e5ca952a), UINT64_C(0x55ab0250f5ead5aa),
    UINT64_C(0x9428c51ea952a54a), UINT64_C(0x952ac116b972e5ca),
    UINT64_C(0x1429479a2142850a), UINT64_C(0x152b43923162c58a),
    UINT64_C(0xf4e824bd8f1e3d7a), UINT64_C(0xf5ea20b59f3e7dfa),
    UINT64_C(0x74e9a639070e1d3a), UINT64_C(0x75eba231172e5dba),
    UINT64_C(0xb468657f4b962d5a), UINT64_C(0xb56a61775bb66dda),
    UINT64_C(0x3469e7fbc3860d1a), UINT64_C(0x356be3f3d3a64d9a),
    UINT64_C(0x4c987cb424499326), UINT64_C(0x4d9a78bc3469d3a6),
    UINT64_C(0xcc99fe30ac59b366), UINT64_C(0xcd9bfa38bc79f3e6),
    UINT64_C(0x0c183d76e0c18306), UINT64_C(0x0d1a397ef0e1c386),
    UINT64_C(0x8c19bff268d1a346), UINT64_C(0x8d1bbbfa78f1e3c6),
    UINT64_C(0x6cd8dcd5c68d1b36), UINT64_C(0x6ddad8ddd6ad5bb6),
    UINT64_C(0xecd95e514e9d3b76), UINT64_C(0xeddb5a595ebd7bf6),
    UINT64_C(0x2c589d1702050b16), UINT64_C(0x2d5a991f12254b96),
    UINT64_C(0xac591f938a152b56), UINT64_C(0xad5b1b9b9a356bd6),
    UINT64_C(0x5cb82c0455ab57ae), UINT64_C(0x5dba280c458b172e),
    UINT64_C(0xdcb9ae80ddbb77ee), UINT64_C(0xddbbaa88cd9b376e),
    UINT64_C(0x1c386dc69123478e), UINT64_C(0x1d3a69ce8103070e),
    UINT64_C(0x9c39ef42193367ce), UINT64_C(0x9d3beb4a0913274e),
    UINT64_C(0x7cf88c65b76fdfbe), UINT64_C(0x7dfa886da74f9f3e),
    UINT64_C(0xfcf90ee13f7ffffe), UINT64_C(0xfdfb0ae92f5fbf7e),
    UINT64_C(0x3c78cda773e7cf9e), UINT64_C(0x3d7ac9af63c78f1e),
    UINT64_C(0xbc794f23fbf7efde), UINT64_C(0xbd7b4b2bebd7af5e),
    UINT64_C(0xe2c46a368e1c3871), UINT64_C(0xe3c66e3e9e3c78f1),
    UINT64_C(0x62c5e8b2060c1831), UINT64_C(0x63c7ecba162c58b1),
    UINT64_C(0xa2442bf44a942851), UINT64_C(0xa3462ffc5ab468d1),
    UINT64_C(0x2245a970c2840811), UINT64_C(0x2347ad78d2a44891),
    UINT64_C(0xc284ca576cd8b061), UINT64_C(0xc386ce5f7cf8f0e1),
    UINT64_C(0x428548d3e4c89021), UINT64_C(0x43874cdbf4e8d0a1),
    UINT64_C(0x82048b95a850a041), UINT64_C(0x83068f9db870e0c1),
    UINT64_C(0x0205091120408001), UINT64_C(0x03070d193060c081),
    UINT64_C(0xf2e43a86fffefcf9), UINT64_C(0xf3e63e8eefdebc79),
    UINT64_C(0x72e5b80277eedcb9), UINT64_C(0x73e7bc0a67ce9c39),
    UINT64_C(0xb2647b443b76ecd9), UINT64_C(0xb3667f4c2b56ac59),
    UINT64_C(0x3265f9c0b366cc99), UINT64_C(0x3367fdc8a3468c19),
    UINT64_C(0xd2a49ae71d3a74e9), UINT64_C(0xd3a69eef0d1a3469),
    UINT64_C(0x52a51863952a54a9), UINT64_C(0x53a71c6b850a1429),
    UINT64_C(0x9224db25d9b264c9), UINT64_C(0x9326df2dc9922449),
    UINT64_C(0x122559a151a24489), UINT64_C(0x13275da941820409),
    UINT64_C(0x6ad4c2eeb66ddab5), UINT64_C(0x6bd6c6e6a64d9a35),
    UINT64_C(0xead5406a3e7dfaf5), UINT64_C(0xebd744622e5dba75),
    UINT64_C(0x2a54832c72e5ca95), UINT64_C(0x2b56872462c58a15),
    UINT64_C(0xaa5501a8faf5ead5), UINT64_C(0xab5705a0ead5aa55),
    UINT64_C(0x4a94628f54a952a5), UINT64_C(0x4b96668744891225),
    UINT64_C(0xca95e00bdcb972e5), UINT64_C(0xcb97e403cc993265),
    UINT64_C(0x0a14234d90214285), UINT64_C(0x0b16274580010205),
    UINT64_C(0x8a15a1c9183162c5), UINT64_C(0x8b17a5c108112245),
    UINT64_C(0x7af4925ec78f1e3d), UINT64_C(0x7bf69656d7af5ebd),
    UINT64_C(0xfaf510da4f9f3e7d), UINT64_C(0xfbf714d25fbf7efd),
    UINT64_C(0x3a74d39c03070e1d), UINT64_C(0x3b76d79413274e9d),
    UINT64_C(0xba7551188b172e5d), UINT64_C(0xbb7755109b376edd),
    UINT64_C(0x5ab4323f254b962d), UINT64_C(0x5bb63637356bd6ad),
    UINT64_C(0xdab5b0bbad5bb66d), UINT64_C(0xdbb7b4b3bd7bf6ed),
    UINT64_C(0x1a3473fde1c3860d), UINT64_C(0x1b3677f5f1e3c68d),
    UINT64_C(0x9a35f17969d3a64d), UINT64_C(0x9b37f57179f3e6cd),
    UINT64_C(0x264cbe5a92244993), UINT64_C(0x274eba5282040913),
    UINT64_C(0xa64d3cde1a3469d3), UINT64_C(0xa74f38d60a142953),
    UINT64_C(0x66ccff9856ac59b3), UINT64_C(0x67cefb90468c1933),
    UINT64_C(0xe6cd7d1cdebc79f3), UINT64_C(0xe7cf7914ce9c3973),
    UINT64_C(0x060c1e3b70e0c183), UINT64_C(0x070e1a3360c08103),
    UINT64_C(0x860d9cbff8f0e1c3), UINT64_C(0x870f98b7e8d0a143),
    UINT64_C(0x468c5ff9b468d1a3), UINT64_C(0x478e5bf1a4489123),
    UINT64_C(0xc68ddd7d3c78f1e3), UINT64_C(0xc78fd9752c58b163),
    UINT64_C(0x366ceeeae3c68d1b), UINT64_C(0x376eeae2f3e6cd9b),
    UINT64_C(0xb66d6c6e6bd6ad5b), UINT64_C(0xb76f68667bf6eddb),
    UINT64_C(0x76ecaf28274e9d3b), UINT64_C(0x77eeab20376eddbb),
    UINT64_C(0xf6ed2dacaf5ebd7b), UINT64_C(0xf7ef29a4bf7efdfb),
    UINT64_C(0x162c4e8b0102050b), UINT64_C(0x172e4a831122458b),
    UINT64_C(0x962dcc0f8912254b), UINT64_C(0x972fc807993265cb),
    UINT64_C(0x56ac0f49c58a152b), UINT64_C(0x57ae0b41d5aa55ab),
    UINT64_C(0xd6ad8dcd4d9a356b), UINT64_C(0xd7af89c55dba75eb),
    UINT64_C(0xae5c1682aa55ab57), UINT64_C(0xaf5e128aba75ebd7),
    UINT64_C(0x2e5d940622458b17), UINT64_C(0x2f5f900e3265cb97),
    UINT64_C(0xeedc57406eddbb77), UINT64_C(0xefde53487efdfbf7),
    UINT64_C(0x6eddd5c4e6cd9b37), UINT64_C(0x6fdfd1ccf6eddbb7),
    UINT64_C(0x8e1cb6e348912347), UINT64_C(0x8f1eb2eb58b163c7),
    UINT64_C(0x0e1d3467c0810307), UINT64_C(0x0f1f306fd0a14387),
    UINT64_C(0xce9cf7218c193367), UINT64_C(0xcf9ef3299c3973e7),
    UINT64_C(0x4e9d75a504091327), UINT64_C(0x4f9f71ad142953a7),
    UINT64_C(0xbe7c4632dbb76fdf), UINT64_C(0xbf7e423acb972f5f),
    UINT64_C(0x3e7dc4b653a74f9f), UINT64_C(0x3f7fc0be43870f1f),
    UINT64_C(0xfefc07f01f3f7fff), UINT64_C(0xfffe03f80f1f3f7f),
    UINT64_C(0x7efd8574972f5fbf), UINT64_C(0x7fff817c870f1f3f),
    UINT64_C(0x9e3ce6533973e7cf), UINT64_C(0x9f3ee25b2953a74f),
    UINT64_C(0x1e3d64d7b163c78f), UINT64_C(0x1f3f60dfa143870f),
    UINT64_C(0xdebca791fdfbf7ef), UINT64_C(0xdfbea399eddbb76f),
    UINT64_C(0x5ebd251575ebd7af), UINT64_C(0x5fbf211d65cb972f),
};

uint64_t pf_fec8_gfni_affine_slow(uint8_t c) {
  uint8_t col[8]; /* col[j] = c * x^j: the image of input bit j */
  uint64_t a = 0;
  int i, j;

  for (j = 0; j < 8; j++)
    col[j] = mul_slow(c, (uint8_t)(1u << j));
  for (i = 0; i < 8; i++) {
    unsigned row = 0; /* output bit i as a mask over input bits */
    for (j = 0; j < 8; j++)
      row |= ((col[j] >> i) & 1u) << j;
    a |= (uint64_t)row << (8 * (7 - i));
  }
  return a;
}

uint64_t pf_fec8_gfni_affine(uint8_t c) {
  return affine_tab[c];
}

void pf_fec8_gfni_prepare(uint32_t k, uint32_t rows, uint32_t group,
                          const uint8_t *coef, uint64_t *tab) {
  uint32_t r0, g, i, r;

  for (r0 = 0; r0 < rows; r0 += g) {
    g = rows - r0 < group ? rows - r0 : group;
    for (i = 0; i < k; i++)
      for (r = 0; r < g; r++)
        *tab++ = affine_tab[coef[(size_t)(r0 + r) * k + i]];
  }
}

#if PF_HAVE_X86

#define INL static inline __attribute__((always_inline))
/* The row loops run a constant R times once inlined: unroll them fully so
 * the accumulators live in registers. */
#if defined(__clang__)
#define PF_UNROLL _Pragma("clang loop unroll(full)")
#else
#define PF_UNROLL _Pragma("GCC unroll 12")
#endif
#define T512 __attribute__((target("avx512f,avx512bw,gfni")))
#define T256 __attribute__((target("avx2,gfni")))

/* ------------------------------------------------------------ AVX-512 */

INL T512 __m512i aff512(__m512i x, const uint64_t *a) {
  __m512i m = _mm512_set1_epi64((long long)*a);
#if defined(__clang__)
  /*
   * clang 14's integrated assembler encodes the embedded-broadcast form
   * "vgf2p8affineqb $0, 8(%rdx){1to8}, ..." with an unscaled disp8 (8
   * instead of 8 / 8 = 1), so the CPU reads the matrix 64 bytes further on
   * and the parity is wrong.  Forcing the matrix into a register keeps
   * clang from folding the broadcast into the instruction (gcc does that
   * by itself).  The unit test catches a regression.
   */
  __asm__("" : "+v"(m));
#endif
  return _mm512_gf2p8affine_epi64_epi8(x, m, 0);
}

INL T512 __m512i ld512(const uint8_t *p, __mmask64 mk, const int tail) {
  return tail ? _mm512_maskz_loadu_epi8(mk, p) : _mm512_loadu_si512(p);
}

/*
 * One 64-byte column (|tail|: the first bytes of |mk| only) of a group of
 * R rows.  |t| holds R matrices per input.
 */
INL T512 void col512(size_t off, __mmask64 mk, const int tail, uint32_t k,
                     const uint64_t *t, const uint8_t *const *src,
                     uint8_t *const *dst, const uint32_t R) {
  __m512i acc[PF_FEC8_GFNI512_GROUP], x0, x1;
  uint32_t i, r;

  x0 = ld512(src[0] + off, mk, tail);
  PF_UNROLL
  for (r = 0; r < R; r++)
    acc[r] = aff512(x0, t + r);
  for (i = 1; i + 1 < k; i += 2) {
    const uint64_t *t0 = t + (size_t)i * R, *t1 = t0 + R;
    x0 = ld512(src[i] + off, mk, tail);
    x1 = ld512(src[i + 1] + off, mk, tail);
    PF_UNROLL
    for (r = 0; r < R; r++)
      acc[r] = _mm512_ternarylogic_epi64(acc[r], aff512(x0, t0 + r),
                                         aff512(x1, t1 + r), 0x96);
  }
  if (i < k) {
    const uint64_t *t0 = t + (size_t)i * R;
    x0 = ld512(src[i] + off, mk, tail);
    PF_UNROLL
    for (r = 0; r < R; r++)
      acc[r] = _mm512_xor_si512(acc[r], aff512(x0, t0 + r));
  }
  PF_UNROLL
  for (r = 0; r < R; r++) {
    if (tail)
      _mm512_mask_storeu_epi8(dst[r] + off, mk, acc[r]);
    else
      _mm512_storeu_si512(dst[r] + off, acc[r]);
  }
}

INL T512 void group512(size_t len, uint32_t k, const uint64_t *t,
                       const uint8_t *const *src, uint8_t *const *dst,
                       const uint32_t R) {
  size_t off;

  for (off = 0; len - off >= 64; off += 64)
    col512(off, 0, 0, k, t, src, dst, R);
  if (off < len)
    col512(off, (__mmask64)((UINT64_C(1) << (len - off)) - 1), 1, k, t, src,
           dst, R);
}

#define DEF512(R)                                                              \
  static T512 void g512_##R(size_t len, uint32_t k, const uint64_t *t,         \
                            const uint8_t *const *src, uint8_t *const *dst) {  \
    group512(len, k, t, src, dst, R);                                          \
  }
DEF512(1)
DEF512(2)
DEF512(3)
DEF512(4)
DEF512(5)
DEF512(6)
DEF512(7)
DEF512(8)
DEF512(9)
DEF512(10)
DEF512(11)
DEF512(12)

typedef void group_fn(size_t len, uint32_t k, const uint64_t *t,
                      const uint8_t *const *src, uint8_t *const *dst);

static group_fn *const g512[PF_FEC8_GFNI512_GROUP + 1] = {
    NULL,   g512_1, g512_2, g512_3,  g512_4,  g512_5, g512_6,
    g512_7, g512_8, g512_9, g512_10, g512_11, g512_12};

/* ------------------------------------------------------------ AVX2 */

INL T256 __m256i aff256(__m256i x, const uint64_t *a) {
  return _mm256_gf2p8affine_epi64_epi8(x, _mm256_set1_epi64x((long long)*a), 0);
}

INL T256 void col256(size_t off, uint32_t k, const uint64_t *t,
                     const uint8_t *const *src, uint8_t *const *dst,
                     const uint32_t R) {
  __m256i acc[PF_FEC8_GFNI256_GROUP], x0, x1;
  uint32_t i, r;

  x0 = _mm256_loadu_si256((const __m256i *)(const void *)(src[0] + off));
  PF_UNROLL
  for (r = 0; r < R; r++)
    acc[r] = aff256(x0, t + r);
  for (i = 1; i + 1 < k; i += 2) {
    const uint64_t *t0 = t + (size_t)i * R, *t1 = t0 + R;
    x0 = _mm256_loadu_si256((const __m256i *)(const void *)(src[i] + off));
    x1 = _mm256_loadu_si256((const __m256i *)(const void *)(src[i + 1] + off));
    PF_UNROLL
    for (r = 0; r < R; r++)
      acc[r] = _mm256_xor_si256(
          acc[r], _mm256_xor_si256(aff256(x0, t0 + r), aff256(x1, t1 + r)));
  }
  if (i < k) {
    x0 = _mm256_loadu_si256((const __m256i *)(const void *)(src[i] + off));
    PF_UNROLL
    for (r = 0; r < R; r++)
      acc[r] = _mm256_xor_si256(acc[r], aff256(x0, t + (size_t)i * R + r));
  }
  PF_UNROLL
  for (r = 0; r < R; r++)
    _mm256_storeu_si256((__m256i *)(void *)(dst[r] + off), acc[r]);
}

/* The last len % 32 bytes, through zero-padded copies. */
static T256 void tail256(size_t off, size_t n, uint32_t k, const uint64_t *t,
                         const uint8_t *const *src, uint8_t *const *dst,
                         uint32_t R) {
  uint8_t buf[32];
  __m256i acc[PF_FEC8_GFNI256_GROUP], x;
  uint32_t i, r;

  memset(buf, 0, sizeof(buf));
  for (r = 0; r < R; r++)
    acc[r] = _mm256_setzero_si256();
  for (i = 0; i < k; i++) {
    memcpy(buf, src[i] + off, n);
    x = _mm256_loadu_si256((const __m256i *)(const void *)buf);
    for (r = 0; r < R; r++)
      acc[r] = _mm256_xor_si256(acc[r], aff256(x, t + (size_t)i * R + r));
  }
  for (r = 0; r < R; r++) {
    _mm256_storeu_si256((__m256i *)(void *)buf, acc[r]);
    memcpy(dst[r] + off, buf, n);
  }
}

INL T256 void group256(size_t len, uint32_t k, const uint64_t *t,
                       const uint8_t *const *src, uint8_t *const *dst,
                       const uint32_t R) {
  size_t off;

  for (off = 0; len - off >= 32; off += 32)
    col256(off, k, t, src, dst, R);
  if (off < len)
    tail256(off, len - off, k, t, src, dst, R);
}

#define DEF256(R)                                                              \
  static T256 void g256_##R(size_t len, uint32_t k, const uint64_t *t,         \
                            const uint8_t *const *src, uint8_t *const *dst) {  \
    group256(len, k, t, src, dst, R);                                          \
  }
DEF256(1)
DEF256(2)
DEF256(3)
DEF256(4)

static group_fn *const g256[PF_FEC8_GFNI256_GROUP + 1] = {NULL, g256_1, g256_2,
                                                          g256_3, g256_4};

static void run_groups(group_fn *const *fns, uint32_t group, size_t len,
                       uint32_t k, uint32_t rows, const uint64_t *tab,
                       const uint8_t *const *src, uint8_t *const *dst) {
  uint32_t r0, g;

  for (r0 = 0; r0 < rows; r0 += g) {
    g = rows - r0 < group ? rows - r0 : group;
    fns[g](len, k, tab, src, dst + r0);
    tab += (size_t)g * k;
  }
}

void pf_fec8_gfni512_encode(size_t len, uint32_t k, uint32_t rows,
                            const uint64_t *tab, const uint8_t *const *src,
                            uint8_t *const *dst) {
  run_groups(g512, PF_FEC8_GFNI512_GROUP, len, k, rows, tab, src, dst);
}

void pf_fec8_gfni256_encode(size_t len, uint32_t k, uint32_t rows,
                            const uint64_t *tab, const uint8_t *const *src,
                            uint8_t *const *dst) {
  run_groups(g256, PF_FEC8_GFNI256_GROUP, len, k, rows, tab, src, dst);
}

#else /* !PF_HAVE_X86: never selected (pf_cpu_features() reports no GFNI) */

void pf_fec8_gfni512_encode(size_t len, uint32_t k, uint32_t rows,
                            const uint64_t *tab, const uint8_t *const *src,
                            uint8_t *const *dst) {
  (void)len;
  (void)k;
  (void)rows;
  (void)tab;
  (void)src;
  (void)dst;
}

void pf_fec8_gfni256_encode(size_t len, uint32_t k, uint32_t rows,
                            const uint64_t *tab, const uint8_t *const *src,
                            uint8_t *const *dst) {
  (void)len;
  (void)k;
  (void)rows;
  (void)tab;
  (void)src;
  (void)dst;
}

#endif
