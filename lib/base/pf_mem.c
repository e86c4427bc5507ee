/*
 * pf_mem.c -- the default allocator and helpers over pf_mem.
 */
#include "base/pf_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *default_malloc(size_t size, void *user_data) {
  (void)user_data;
  return malloc(size);
}

static void default_free(void *ptr, void *user_data) {
  (void)user_data;
  free(ptr);
}

static void *default_calloc(size_t nmemb, size_t size, void *user_data) {
  (void)user_data;
  return calloc(nmemb, size);
}

static void *default_realloc(void *ptr, size_t size, void *user_data) {
  (void)user_data;
  return realloc(ptr, size);
}

static const pf_mem mem_default = {NULL, default_malloc, default_free,
                                   default_calloc, default_realloc};

const pf_mem *pf_mem_default(void) { return &mem_default; }

const pf_mem *pf_mem_or_default(const pf_mem *mem) {
  return mem ? mem : &mem_default;
}

void *pf_mem_malloc(const pf_mem *mem, size_t size) {
  mem = pf_mem_or_default(mem);
  return mem->malloc(size ? size : 1, mem->user_data);
}

void *pf_mem_calloc(const pf_mem *mem, size_t nmemb, size_t size) {
  mem = pf_mem_or_default(mem);
  if (nmemb == 0 || size == 0) {
    nmemb = 1;
    size = 1;
  }
  return mem->calloc(nmemb, size, mem->user_data);
}

void *pf_mem_realloc(const pf_mem *mem, void *ptr, size_t size) {
  mem = pf_mem_or_default(mem);
  return mem->realloc(ptr, size ? size : 1, mem->user_data);
}

void pf_mem_free(const pf_mem *mem, void *ptr) {
  if (!ptr)
    return;
  mem = pf_mem_or_default(mem);
  mem->free(ptr, mem->user_data);
}

/*
 * Aligned blocks keep the pointer the allocator returned in the word just
 * below the aligned address, so pf_mem_aligned_free() can hand it back.
 */
void *pf_mem_aligned_alloc(const pf_mem *mem, size_t align, size_t size) {
  size_t total;
  uint8_t *raw;
  uintptr_t p;

  if (align < sizeof(void *) || (align & (align - 1)) != 0 || align > 4096)
    return NULL;
  if (__builtin_add_overflow(size, align + sizeof(void *), &total))
    return NULL;
  raw = pf_mem_calloc(mem, 1, total);
  if (!raw)
    return NULL;
  p = ((uintptr_t)raw + sizeof(void *) + align - 1) & ~(uintptr_t)(align - 1);
  memcpy((void *)(p - sizeof(void *)), &raw, sizeof(raw));
  return (void *)p;
}

void pf_mem_aligned_free(const pf_mem *mem, void *ptr) {
  void *raw;

  if (!ptr)
    return;
  memcpy(&raw, (uint8_t *)ptr - sizeof(void *), sizeof(raw));
  pf_mem_free(mem, raw);
}

int pf_mem_aligned_reserve(const pf_mem *mem, uint8_t **buf, size_t *bytes,
                           size_t need) {
  uint8_t *w;

  if (need <= *bytes)
    return 0;
  w = pf_mem_aligned_alloc(mem, 64, need);
  if (!w)
    return PF_ERR_NOMEM;
  pf_mem_aligned_free(mem, *buf);
  *buf = w;
  *bytes = need;
  return 0;
}
