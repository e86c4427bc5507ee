/*
 * pf_random.c -- random bytes from the kernel (see pf_random.h).  Used
 * where a value must differ between runs that share a key, such as a
 * sender's first seq (doc/internals/nonces.md).
 */
#include "base/pf_random.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

#include <punktfunk/punktfunk.h>

int pf_random_bytes(void *buf, size_t len) {
  uint8_t *p = buf;
  int tries = 0;

  if (len > 256 || (!buf && len > 0))
    return PF_ERR_INVALID_ARGUMENT;
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);

    if (n < 0) {
      /* A signal during the early-boot wait; bounded, then give up. */
      if (errno == EINTR && tries++ < 100)
        continue;
      return errno > 0 ? -errno : PF_ERR_INTERNAL;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}
