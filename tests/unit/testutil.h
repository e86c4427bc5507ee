/*
 * testutil.h -- helpers for the C unit tests (tests/unit/test_*.c).
 *
 * Each test binary exits T_EXIT_PASS (0), T_EXIT_FAIL (1) or T_EXIT_SKIP
 * (77), like liburing's tests, and prints one line per failed check.
 */
#ifndef PF_TESTUTIL_H
#define PF_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <punktfunk/punktfunk.h>

#define T_EXIT_PASS 0
#define T_EXIT_FAIL 1
#define T_EXIT_SKIP 77

extern int tu_failures;
extern int tu_checks;

/* Records a check; prints file:line and the expression when it fails. */
#define TU_CHECK(cond)                                                        \
  tu_check_((cond) ? 1 : 0, __FILE__, __LINE__, #cond)
#define TU_CHECK_MSG(cond, ...)                                               \
  do {                                                                        \
    if (!TU_CHECK(cond)) {                                                    \
      fprintf(stderr, "    ");                                                \
      fprintf(stderr, __VA_ARGS__);                                           \
      fprintf(stderr, "\n");                                                  \
    }                                                                         \
  } while (0)
#define TU_CHECK_EQ(a, b)                                                     \
  do {                                                                        \
    long long tu_a_ = (long long)(a), tu_b_ = (long long)(b);                 \
    if (!tu_check_(tu_a_ == tu_b_, __FILE__, __LINE__, #a " == " #b))         \
      fprintf(stderr, "    %lld != %lld\n", tu_a_, tu_b_);                    \
  } while (0)

int tu_check_(int ok, const char *file, int line, const char *expr);

/* Prints "name: N checks, F failed" and returns the exit status. */
int tu_finish(const char *name);

/* splitmix64 as in tests/vectors/README.txt. */
uint64_t tu_splitmix64(uint64_t *state);
/* Fills |buf| from one continuous splitmix64 byte stream seeded |seed|. */
void tu_fill(uint64_t seed, uint8_t *buf, size_t len);

/* Decodes lowercase/uppercase hex; returns bytes written or -1. */
long tu_hex_decode(const char *hex, uint8_t *out, size_t cap);
/* Returns the path of vector file |name| ($PF_VECTORS, then
 * tests/vectors), or NULL if none exists.  Static buffer. */
const char *tu_vector_path(const char *name);

/*
 * Reads blank-line separated cases of "key=value" tokens (separated by
 * spaces or newlines) from a vector file; '#' lines are comments.
 */
typedef struct tu_vecfile {
  FILE *fp;
  size_t n;
  char *key[512];
  char *val[512];
  char *line[512];
  size_t nlines;
} tu_vecfile;
int tu_vec_open(tu_vecfile *vf, const char *path);
/* Returns 1 when a case was read, 0 at end of file, -1 on error. */
int tu_vec_next(tu_vecfile *vf);
/* Value of |key| in the current case, or NULL. */
const char *tu_vec_get(const tu_vecfile *vf, const char *key);
void tu_vec_close(tu_vecfile *vf);

/*
 * A pf_mem that counts allocations and live bytes, tracks the peak, and
 * can fail the Nth allocation (fail_at = 0: never).
 */
typedef struct tu_alloc {
  pf_mem mem;
  size_t allocs;   /* successful allocations so far */
  size_t frees;
  size_t live;     /* live allocation count */
  size_t live_bytes;
  size_t peak_bytes;
  size_t fail_at;  /* 1-based allocation number that fails */
  size_t attempts; /* allocation attempts so far */
} tu_alloc;
void tu_alloc_init(tu_alloc *a);

/* snprintf that aborts the test on truncation (test paths are short). */
#define TU_SNPRINTF(buf, size, ...)                                           \
  do {                                                                        \
    int n_ = snprintf(buf, size, __VA_ARGS__);                                \
    if (n_ < 0 || (size_t)n_ >= (size_t)(size))                               \
      abort();                                                                \
  } while (0)

/* Removes |path| and, for a directory, everything below it (no links
 * followed); a missing path is fine. */
void tu_rm_rf(const char *path);

#endif /* PF_TESTUTIL_H */
