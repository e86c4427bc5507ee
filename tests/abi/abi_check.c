/*
 * abi_check.c -- a program outside the build tree, compiled against the
 * INSTALLED <punktfunk/punktfunk.h> and library through pkg-config (see
 * tests/cli/t0001-installed-abi.bats).  It uses only the public API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

static int failures;

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "abi_check: FAIL line %d: %s\n", __LINE__, #cond);      \
      failures++;                                                             \
    }                                                                         \
  } while (0)

static void check_versions(void) {
  unsigned a, b, c;
  char tail;

  CHECK(pf_abi_version() == PF_ABI_VERSION);
  CHECK(sscanf(pf_version(), "%u.%u.%u%c", &a, &b, &c, &tail) == 3);
}

static void check_errors(void) {
  CHECK(strcmp(pf_strerror(PF_ERR_ABI), pf_strerror(PF_ERR_NOMEM)) != 0);
  CHECK(strcmp(pf_strerror(0), pf_strerror(PF_ERR_INVALID_ARGUMENT)) != 0);
  /* ABI 2: running out of memory is recoverable; only codes at or below
   * PF_ERR_FATAL end an object. */
  CHECK(pf_err_is_fatal(PF_ERR_CRYPTO_STATE) && !pf_err_is_fatal(PF_ERR_DROP));
  CHECK(!pf_err_is_fatal(PF_ERR_NOMEM) && PF_ERR_NOMEM == -5015);
}

static void check_struct_size(void) {
  pf_fec_config cfg;
  pf_fec *fec = NULL;
  struct {
    pf_fec_config cfg;
    unsigned char tail[32];
  } big;

  pf_fec_config_default(&cfg);
  CHECK(cfg.struct_size == sizeof(cfg));
  cfg.struct_size = sizeof(size_t);
  CHECK(pf_fec_new(&fec, &cfg, NULL) == PF_ERR_ABI);
  pf_fec_config_default(&big.cfg);
  memset(big.tail, 0x5a, sizeof(big.tail));
  big.cfg.struct_size = sizeof(big);
  CHECK(pf_fec_new(&fec, &big.cfg, NULL) == 0);
  pf_fec_del(fec);
}

/* A round trip through the public FEC API: 10 + 4 shards, 4 lost. */
static void check_fec_round_trip(void) {
  enum { K = 10, M = 4, SIZE = 333 };
  static uint8_t orig[K][SIZE], work[K + M][SIZE];
  const uint8_t *data[K];
  uint8_t *parity[M], *shards[K + M], present[K + M];
  pf_fec_config cfg;
  pf_fec *fec;
  int i, j;

  for (i = 0; i < K; i++) {
    for (j = 0; j < SIZE; j++)
      orig[i][j] = (uint8_t)(i * 31 + j * 7);
    data[i] = orig[i];
  }
  for (i = 0; i < M; i++)
    parity[i] = work[K + i];
  pf_fec_config_default(&cfg);
  cfg.data_shards = K;
  cfg.parity_shards = M;
  CHECK(pf_fec_new(&fec, &cfg, NULL) == 0);
  if (failures)
    return;
  CHECK(pf_fec_encode(fec, data, parity, SIZE) == 0);
  for (i = 0; i < K + M; i++) {
    if (i < K)
      memcpy(work[i], orig[i], SIZE);
    shards[i] = work[i];
    present[i] = 1;
  }
  for (i = 0; i < M; i++) {
    present[i * 2] = 0;
    memset(work[i * 2], 0, SIZE);
  }
  CHECK(pf_fec_decode(fec, shards, present, SIZE) == M);
  for (i = 0; i < K; i++)
    CHECK(memcmp(work[i], orig[i], SIZE) == 0);
  present[0] = present[1] = present[2] = present[3] = present[4] = 0;
  CHECK(pf_fec_decode(fec, shards, present, SIZE) == PF_ERR_FEC_UNRECOVERABLE);
  pf_fec_del(fec);
}

int main(void) {
  check_versions();
  check_errors();
  check_struct_size();
  check_fec_round_trip();
  if (failures) {
    fprintf(stderr, "abi_check: %d failure(s)\n", failures);
    return 1;
  }
  printf("abi_check: ok (libpunktfunk %s, ABI %u)\n", pf_version(),
         pf_abi_version());
  return 0;
}
