/*
 * pf_cpu.h -- run-time CPU feature detection and FEC kernel selection,
 * shared by the GF(2^8) and GF(2^16) coders.
 */
#ifndef PF_CPU_H
#define PF_CPU_H

#include <stdint.h>

#define PF_CPU_SSSE3 (1u << 0)
#define PF_CPU_AVX2 (1u << 1)
#define PF_CPU_AVX512BW (1u << 2) /* with F, VL and OS support for ZMM */
#define PF_CPU_GFNI (1u << 3)

/* Features of this CPU that the OS also enabled (cached, thread-safe). */
uint32_t pf_cpu_features(void);

/*
 * Resolves PF_FEC_IMPL_AUTO: returns the PF_FEC_IMPL_* named by the
 * environment variable PF_FEC_IMPL ("ref", "isal", "gfni", "ssse3",
 * "avx2", "avx512"), or PF_FEC_IMPL_AUTO when it is unset or empty, or
 * PF_ERR_INVALID_ARGUMENT when it names nothing known.  Any other |impl|
 * is returned unchanged.
 */
int pf_fec_impl_resolve(uint32_t impl);

/* "ref", "isal", ... for a PF_FEC_IMPL_* value; "auto" for 0; "?" else. */
const char *pf_fec_impl_str(uint32_t impl);

#endif /* PF_CPU_H */
