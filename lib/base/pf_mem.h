/*
 * pf_mem.h -- internal allocation helpers over the injected pf_mem.
 */
#ifndef PF_MEM_H
#define PF_MEM_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

/* Returns |mem|, or the libc allocator when |mem| is NULL. */
const pf_mem *pf_mem_or_default(const pf_mem *mem);

void *pf_mem_malloc(const pf_mem *mem, size_t size);
void *pf_mem_calloc(const pf_mem *mem, size_t nmemb, size_t size);
void *pf_mem_realloc(const pf_mem *mem, void *ptr, size_t size);
void pf_mem_free(const pf_mem *mem, void *ptr);

/*
 * Allocates |size| bytes aligned to |align| (a power of two <= 4096) over
 * mem->malloc by over-allocating; release with pf_mem_aligned_free().
 * The memory is zeroed.
 */
void *pf_mem_aligned_alloc(const pf_mem *mem, size_t align, size_t size);
void pf_mem_aligned_free(const pf_mem *mem, void *ptr);

/*
 * Makes the 64-byte aligned scratch buffer |*buf| (|*bytes| long, NULL
 * and 0 at first) at least |need| bytes: a larger one replaces it, its
 * contents not kept.  Returns 0, or PF_ERR_NOMEM with |*buf| unchanged.
 */
int pf_mem_aligned_reserve(const pf_mem *mem, uint8_t **buf, size_t *bytes,
                           size_t need);

/* Returns 1 if the multiplication a * b overflows size_t, else stores it. */
static inline int pf_mul_overflow(size_t a, size_t b, size_t *out) {
  return __builtin_mul_overflow(a, b, out);
}

#endif /* PF_MEM_H */
