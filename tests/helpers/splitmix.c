/*
 * splitmix.c -- writes the test-vector data stream of
 * tests/vectors/README.txt to stdout: splitmix64 seeded with SEED, each
 * output little-endian, LEN bytes in all.  Shell tests use it to rebuild
 * the data shards of a vector case.
 *
 * Usage: splitmix SEED LEN   (both decimal)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "splitmix.h"

static int parse_u64(const char *s, uint64_t *out) {
  uint64_t v = 0;

  if (*s < '0' || *s > '9')
    return -1;
  for (; *s >= '0' && *s <= '9'; s++) {
    if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
      return -1;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  if (*s != '\0')
    return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  uint64_t state, len, z;
  uint8_t b[8];
  size_t i, n;

  if (argc != 3 || parse_u64(argv[1], &state) != 0 ||
      parse_u64(argv[2], &len) != 0) {
    fprintf(stderr, "usage: splitmix SEED LEN\n");
    return 2;
  }
  while (len > 0) {
    z = splitmix64(&state);
    for (i = 0; i < 8; i++)
      b[i] = (uint8_t)(z >> (8 * i));
    n = len < 8 ? (size_t)len : 8;
    if (fwrite(b, 1, n, stdout) != n)
      return 1;
    len -= n;
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
