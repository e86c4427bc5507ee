/*
 * splitmix.h -- the one splitmix64 of the tools, tests and benchmarks
 * (Steele, Lea, Flood 2014: the seeding generator of xoroshiro).  It
 * also defines the test-vector data stream of tests/vectors/README.txt
 * (outputs little-endian, one after another), so every copy of that
 * stream must come from here.  Not part of the library.
 */
#ifndef PF_SPLITMIX_H
#define PF_SPLITMIX_H

#include <stdint.h>

/* Advances |*state| and returns the next output. */
static inline uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

#endif /* PF_SPLITMIX_H */
