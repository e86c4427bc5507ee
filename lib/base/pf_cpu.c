/*
 * pf_cpu.c -- CPU feature detection (x86 cpuid/xgetbv) and the
 * PF_FEC_IMPL override.
 */
#include "base/pf_cpu.h"

#include <stdlib.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t xgetbv0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

static uint32_t detect(void) {
  unsigned a, b, c, d;
  uint32_t f = 0;
  uint64_t xcr0 = 0;
  int osxsave;

  if (!__get_cpuid(1, &a, &b, &c, &d))
    return 0;
  if (c & bit_SSSE3)
    f |= PF_CPU_SSSE3;
  osxsave = (c & bit_OSXSAVE) != 0;
  if (osxsave)
    xcr0 = xgetbv0();
  if (__get_cpuid_max(0, NULL) < 7)
    return f;
  __cpuid_count(7, 0, a, b, c, d);
  /* YMM state (bits 1, 2) must be enabled by the OS for AVX2. */
  if (osxsave && (xcr0 & 0x6) == 0x6 && (b & bit_AVX2))
    f |= PF_CPU_AVX2;
  /* ZMM state: opmask, ZMM_Hi256, Hi16_ZMM (bits 5-7). */
  if (osxsave && (xcr0 & 0xe6) == 0xe6 && (b & bit_AVX512F) &&
      (b & bit_AVX512BW) && (b & bit_AVX512VL))
    f |= PF_CPU_AVX512BW;
  if (c & bit_GFNI)
    f |= PF_CPU_GFNI;
  return f;
}
#else
static uint32_t detect(void) { return 0; }
#endif

uint32_t pf_cpu_features(void) {
  static uint32_t cached; /* bit 31 marks "detected" */
  uint32_t f = __atomic_load_n(&cached, __ATOMIC_RELAXED);

  if (!(f & 0x80000000u)) {
    /* cppcheck-suppress badBitmaskCheck ; detect() is 0 only off x86 */
    f = detect() | 0x80000000u;
    __atomic_store_n(&cached, f, __ATOMIC_RELAXED);
  }
  return f & 0x7fffffffu;
}

static const char *const impl_names[] = {"auto", "ref",   "isal",  "gfni",
                                         "ssse3", "avx2", "avx512"};

const char *pf_fec_impl_str(uint32_t impl) {
  if (impl < sizeof(impl_names) / sizeof(impl_names[0]))
    return impl_names[impl];
  return "?";
}

int pf_fec_impl_resolve(uint32_t impl) {
  const char *env;
  uint32_t i;

  if (impl != PF_FEC_IMPL_AUTO)
    return (int)impl;
  env = getenv("PF_FEC_IMPL");
  if (!env || !*env || strcmp(env, "auto") == 0)
    return PF_FEC_IMPL_AUTO;
  for (i = 1; i < sizeof(impl_names) / sizeof(impl_names[0]); i++)
    if (strcmp(env, impl_names[i]) == 0)
      return (int)i;
  return PF_ERR_INVALID_ARGUMENT;
}
