/*
 * pf_random.h -- random bytes from the kernel's CSPRNG (getrandom(2)).
 */
#ifndef PF_RANDOM_H
#define PF_RANDOM_H

#include <stddef.h>

/*
 * Fills |buf| with |len| (at most 256) random bytes from getrandom(2),
 * blocking only until the kernel's pool is initialised (early boot).
 * Retries on EINTR.  Returns 0, PF_ERR_INVALID_ARGUMENT (|len| > 256) or
 * the -errno of getrandom (e.g. -ENOSYS on a kernel before 3.17): never
 * falls back to a weaker source.
 */
int pf_random_bytes(void *buf, size_t len);

#endif /* PF_RANDOM_H */
