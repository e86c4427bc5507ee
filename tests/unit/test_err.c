/*
 * test_err.c -- the error table: every code has its own message,
 * -errno is described by the system, fatality is classified.
 */
#include <errno.h>
#include <string.h>

#include "testutil.h"

static const int codes[] = {
    0,
    PF_ERR_INVALID_ARGUMENT,
    PF_ERR_ABI,
    PF_ERR_NOBUF,
    PF_ERR_UNSUPPORTED,
    PF_ERR_FEC_UNRECOVERABLE,
    PF_ERR_MALFORMED,
    PF_ERR_DROP,
    PF_ERR_CRYPTO,
    PF_ERR_NOFRAME,
    PF_ERR_SEQ_EXHAUSTED,
    PF_ERR_CHECKSUM,
    PF_ERR_LIMIT,
    PF_ERR_CLOSED,
    PF_ERR_TIMEOUT,
    PF_ERR_NOMEM,
    PF_ERR_OBSOLETE_5501,
    PF_ERR_CALLBACK_FAILURE,
    PF_ERR_CRYPTO_STATE,
    PF_ERR_INTERNAL,
};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

static void test_pf_err_distinct(void) {
  size_t i, j;
  const char *unknown = pf_strerror(-4999);

  for (i = 0; i < NCODES; i++) {
    const char *s = pf_strerror(codes[i]);
    TU_CHECK(s != NULL && *s != '\0');
    TU_CHECK_MSG(strcmp(s, unknown) != 0, "code %d has no message",
                 codes[i]);
    for (j = 0; j < i; j++)
      TU_CHECK_MSG(strcmp(s, pf_strerror(codes[j])) != 0,
                   "codes %d and %d share '%s'", codes[i], codes[j], s);
  }
}

/* Walks the whole PF_ERR_* space: exactly the listed codes are known. */
static void test_pf_err_no_unlisted(void) {
  const char *unknown = pf_strerror(-4999);
  int rv;
  size_t i, known = 0;

  for (rv = -5000; rv >= -6000; rv--) {
    int listed = 0;
    for (i = 0; i < NCODES; i++)
      listed |= codes[i] == rv;
    if (strcmp(pf_strerror(rv), unknown) != 0) {
      known++;
      TU_CHECK_MSG(listed, "code %d is described but not tested", rv);
    }
  }
  TU_CHECK_EQ(known, NCODES - 1);
}

static void test_pf_err_errno(void) {
  TU_CHECK(strcmp(pf_strerror(-ENOENT), strerror(ENOENT)) == 0);
  TU_CHECK(strcmp(pf_strerror(-EADDRINUSE), strerror(EADDRINUSE)) == 0);
  TU_CHECK(pf_strerror(1) != NULL);
  TU_CHECK(pf_strerror(-2000000000) != NULL);
}

/* The rule of punktfunk.h's Errors section: codes at or below
 * PF_ERR_FATAL end the object; everything else, running out of memory
 * included, is recoverable. */
static void test_pf_err_is_fatal(void) {
  static const struct {
    int rv, fatal;
  } table[] = {
      {0, 0},
      {PF_ERR_INVALID_ARGUMENT, 0},
      {PF_ERR_ABI, 0},
      {PF_ERR_NOBUF, 0},
      {PF_ERR_UNSUPPORTED, 0},
      {PF_ERR_FEC_UNRECOVERABLE, 0},
      {PF_ERR_MALFORMED, 0},
      {PF_ERR_DROP, 0},
      {PF_ERR_CRYPTO, 0},
      {PF_ERR_NOFRAME, 0},
      {PF_ERR_SEQ_EXHAUSTED, 0},
      {PF_ERR_CHECKSUM, 0},
      {PF_ERR_LIMIT, 0},
      {PF_ERR_CLOSED, 0},
      {PF_ERR_TIMEOUT, 0},
      {PF_ERR_NOMEM, 0},
      {-ENOMEM, 0},
      {-EAGAIN, 0},
      {-1, 0},
      {-4095, 0},
      {PF_ERR_FATAL + 1, 0},
      {PF_ERR_FATAL, 1},
      {PF_ERR_OBSOLETE_5501, 1},
      {PF_ERR_CALLBACK_FAILURE, 1},
      {PF_ERR_CRYPTO_STATE, 1},
      {PF_ERR_INTERNAL, 1},
      {-6000, 1},
  };
  size_t i;

  for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
    TU_CHECK_MSG(pf_err_is_fatal(table[i].rv) == table[i].fatal,
                 "pf_err_is_fatal(%d) != %d", table[i].rv, table[i].fatal);
  /* Every listed code is classified by the rule, none by exception. */
  for (i = 0; i < NCODES; i++)
    TU_CHECK_EQ(pf_err_is_fatal(codes[i]), codes[i] <= PF_ERR_FATAL);
}

/* Codes are part of the ABI: pin their numbers. */
static void test_pf_err_numbers(void) {
  TU_CHECK_EQ(PF_ERR_INVALID_ARGUMENT, -5001);
  TU_CHECK_EQ(PF_ERR_ABI, -5002);
  TU_CHECK_EQ(PF_ERR_FEC_UNRECOVERABLE, -5005);
  TU_CHECK_EQ(PF_ERR_DROP, -5007);
  TU_CHECK_EQ(PF_ERR_TIMEOUT, -5014);
  TU_CHECK_EQ(PF_ERR_NOMEM, -5015);
  TU_CHECK_EQ(PF_ERR_FATAL, -5500);
  TU_CHECK_EQ(PF_ERR_OBSOLETE_5501, -5501);
  TU_CHECK_EQ(PF_ERR_CALLBACK_FAILURE, -5502);
  TU_CHECK_EQ(PF_ERR_CRYPTO_STATE, -5503);
  TU_CHECK_EQ(PF_ERR_INTERNAL, -5504);
}

int main(void) {
  test_pf_err_distinct();
  test_pf_err_no_unlisted();
  test_pf_err_errno();
  test_pf_err_is_fatal();
  test_pf_err_numbers();
  return tu_finish("test_err");
}
