/*
 * test_core_abi.c -- the original punktfunk C ABI (punktfunk_core.h):
 * struct layouts, status numbers, config validation, NULL safety, the
 * loopback pair and a real UDP round trip between two sessions on
 * 127.0.0.1.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <punktfunk/punktfunk.h>
#include <punktfunk/punktfunk_core.h>

#include "compat/pf_core.h"
#include "testutil.h"

/* ---- layout: doc/wire-format.md 12.3, identical on LP64 and ILP32 ---- */
_Static_assert(sizeof(PunktfunkConfig) == 64, "PunktfunkConfig is 64 bytes");
_Static_assert(offsetof(PunktfunkConfig, struct_size) == 0, "struct_size");
_Static_assert(offsetof(PunktfunkConfig, role) == 4, "role");
_Static_assert(offsetof(PunktfunkConfig, phase) == 8, "phase");
_Static_assert(offsetof(PunktfunkConfig, fec_scheme) == 12, "fec_scheme");
_Static_assert(offsetof(PunktfunkConfig, fec_percent) == 16, "fec_percent");
_Static_assert(offsetof(PunktfunkConfig, max_data_per_block) == 20,
               "max_data_per_block");
_Static_assert(offsetof(PunktfunkConfig, shard_payload) == 24, "shard_payload");
_Static_assert(offsetof(PunktfunkConfig, encrypt) == 28, "encrypt");
_Static_assert(offsetof(PunktfunkConfig, key) == 32, "key");
_Static_assert(sizeof(((PunktfunkConfig *)0)->key) == 16, "key size");
_Static_assert(offsetof(PunktfunkConfig, salt) == 48, "salt");
_Static_assert(sizeof(((PunktfunkConfig *)0)->salt) == 4, "salt size");
_Static_assert(offsetof(PunktfunkConfig, loopback_drop_period) == 52,
               "loopback_drop_period");
_Static_assert(offsetof(PunktfunkConfig, max_frame_bytes) == 56,
               "max_frame_bytes");
_Static_assert(sizeof(PunktfunkStats) == 80, "PunktfunkStats: 10 x u64");
_Static_assert(offsetof(PunktfunkStats, frames_submitted) == 0, "stats[0]");
_Static_assert(offsetof(PunktfunkStats, packets_send_dropped) == 48,
               "stats[6]");
_Static_assert(offsetof(PunktfunkStats, bytes_received) == 72, "stats[9]");
_Static_assert(offsetof(PunktfunkFrame, data) == 0, "frame.data");
_Static_assert(offsetof(PunktfunkFrame, len) == sizeof(void *), "frame.len");
_Static_assert(offsetof(PunktfunkFrame, frame_index) == 2 * sizeof(void *),
               "frame.frame_index");
_Static_assert(sizeof(PunktfunkStatus) == 4, "PunktfunkStatus is int32_t");

static PunktfunkConfig cfg_default(uint32_t role) {
  PunktfunkConfig c;

  memset(&c, 0, sizeof(c));
  c.struct_size = (uint32_t)sizeof(c);
  c.role = role;
  c.phase = 1;
  c.fec_scheme = 0;
  c.fec_percent = 25;
  c.max_data_per_block = 64;
  c.shard_payload = 1024;
  c.max_frame_bytes = 8u * 1024u * 1024u;
  return c;
}

static void fill(uint8_t *b, size_t n, unsigned f) {
  size_t i;

  for (i = 0; i < n; i++)
    b[i] = (uint8_t)((i * 131u + f * 17u) & 0xFFu);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

  nanosleep(&ts, NULL);
}

static void test_punktfunk_status_codes(void) {
  TU_CHECK_EQ(PUNKTFUNK_STATUS_OK, 0);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_INVALID_ARG, -1);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_FEC, -2);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_CRYPTO, -3);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_BAD_PACKET, -4);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_NO_FRAME, -5);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_UNSUPPORTED, -6);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_IO, -7);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_NULL_POINTER, -8);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_TIMEOUT, -9);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_CLOSED, -10);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_NOT_ARMED, -20);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_BOUND_OTHER, -21);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_RATE_LIMITED, -22);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_IDENTITY_REQUIRED, -23);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_DENIED, -24);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_APPROVAL_TIMEOUT, -25);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_SUPERSEDED, -26);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_WIRE_VERSION, -27);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_BUSY, -28);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_SETUP_FAILED, -29);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_ACCESS_EXPIRED, -30);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_LAUNCH_NOT_PERMITTED, -31);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_HOST_POWER, -32);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_PROFILE_UNKNOWN, -33);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_NO_SEAT, -34);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_SEAT_OCCUPIED, -35);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_REJECTED_SEAT_UNAVAILABLE, -36);
  TU_CHECK_EQ(PUNKTFUNK_STATUS_PANIC, -99);
  TU_CHECK_EQ(punktfunk_abi_version(), PUNKTFUNK_ABI_VERSION);
}

/* Status of a loopback pair whose host (or client) config is |bad|. */
static PunktfunkStatus pair_status(const PunktfunkConfig *h,
                                   const PunktfunkConfig *c) {
  PunktfunkSession *hs = (PunktfunkSession *)1, *cs = (PunktfunkSession *)1;
  PunktfunkStatus st = punktfunk_test_loopback_pair(h, c, &hs, &cs);

  if (st != PUNKTFUNK_STATUS_OK) {
    TU_CHECK(hs == NULL && cs == NULL);
  } else {
    punktfunk_session_free(hs);
    punktfunk_session_free(cs);
  }
  return st;
}

/* Checks that host config |h| (and the same as a client where it makes
 * sense) is refused by both entry points. */
static void expect_invalid(PunktfunkConfig h, const char *what) {
  PunktfunkConfig c = cfg_default(1);

  TU_CHECK_MSG(pair_status(&h, &c) == PUNKTFUNK_STATUS_INVALID_ARG, "%s", what);
  TU_CHECK_MSG(punktfunk_session_new(&h, "127.0.0.1:0", "127.0.0.1:9") == NULL,
               "%s (session_new)", what);
}

static void test_punktfunk_config_validate(void) {
  PunktfunkConfig h = cfg_default(0), c = cfg_default(1), t;
  struct {
    PunktfunkConfig cfg;
    uint8_t tail[16];
  } big;

  TU_CHECK_EQ(pair_status(&h, &c), PUNKTFUNK_STATUS_OK);

  t = h;
  t.struct_size = 60;
  expect_invalid(t, "struct_size too small");
  t.struct_size = 0;
  expect_invalid(t, "struct_size 0");
  /* A short struct_size is read first: the rest may be garbage. */
  memset(&t, 0xFF, sizeof(t));
  t.struct_size = 8;
  expect_invalid(t, "struct_size 8, garbage after");

  t = h, t.role = 2, expect_invalid(t, "role 2");
  t = h, t.phase = 0, expect_invalid(t, "phase 0");
  t = h, t.phase = 3, expect_invalid(t, "phase 3");
  t = h, t.fec_scheme = 2, expect_invalid(t, "fec_scheme 2");
  t = h, t.fec_scheme = 256, expect_invalid(t, "fec_scheme 256");
  t = h, t.fec_percent = 256, expect_invalid(t, "fec_percent 256");
  t = h, t.max_data_per_block = 0, expect_invalid(t, "K 0");
  t = h, t.max_data_per_block = 65536, expect_invalid(t, "K 65536");
  /* 250 @ 15 % = 250 + 38 > 255 (doc/wire-format.md 5.2) */
  t = h, t.max_data_per_block = 250, t.fec_percent = 15;
  expect_invalid(t, "GF8 K + M > 255");
  t.fec_scheme = 1;
  TU_CHECK_EQ(pair_status(&t, &c), PUNKTFUNK_STATUS_OK);
  t = h, t.shard_payload = 0, expect_invalid(t, "shard 0");
  t = h, t.shard_payload = 1023, expect_invalid(t, "shard odd");
  t = h, t.shard_payload = 9154, expect_invalid(t, "shard > 9152");
  t = h, t.shard_payload = 9152;
  TU_CHECK_EQ(pair_status(&t, &c), PUNKTFUNK_STATUS_OK);
  t = h, t.max_frame_bytes = 0, expect_invalid(t, "max_frame 0");
  t = h, t.max_frame_bytes = (uint64_t)UINT32_MAX + 1;
  expect_invalid(t, "max_frame > u32");
  /* ceil(ceil(64 MiB / 2) / 1) blocks > 65535 */
  t = h, t.shard_payload = 2, t.max_data_per_block = 1, t.fec_percent = 0;
  t.max_frame_bytes = 64u * 1024u * 1024u;
  expect_invalid(t, "too many blocks");
  t = h, t.encrypt = 1, expect_invalid(t, "encrypt with zero key");
  t.key[15] = 1;
  c.encrypt = 1, c.key[15] = 1;
  TU_CHECK_EQ(pair_status(&t, &c), PUNKTFUNK_STATUS_OK);
  c = cfg_default(1);

  /* A client needs shard_payload >= 512; a host does not. */
  t = c, t.shard_payload = 510;
  TU_CHECK_EQ(pair_status(&h, &t), PUNKTFUNK_STATUS_INVALID_ARG);
  t = h, t.shard_payload = 510;
  TU_CHECK(pair_status(&t, &c) == PUNKTFUNK_STATUS_OK);

  /* Roles must match the positions. */
  TU_CHECK_EQ(pair_status(&c, &h), PUNKTFUNK_STATUS_INVALID_ARG);
  TU_CHECK_EQ(pair_status(&h, &h), PUNKTFUNK_STATUS_INVALID_ARG);

  /* A newer caller's larger struct is accepted. */
  memset(&big, 0xEE, sizeof(big));
  big.cfg = h;
  big.cfg.struct_size = (uint32_t)sizeof(big);
  TU_CHECK_EQ(pair_status(&big.cfg, &c), PUNKTFUNK_STATUS_OK);

  /* fec_percent above 90 is valid if K + M fits (the sender uses 90). */
  t = h, t.fec_percent = 200, t.max_data_per_block = 32;
  TU_CHECK_EQ(pair_status(&t, &c), PUNKTFUNK_STATUS_OK);
}

static void test_punktfunk_null_safety(void) {
  PunktfunkConfig h = cfg_default(0), c = cfg_default(1);
  PunktfunkSession *hs = NULL, *cs = NULL;
  PunktfunkFrame fr;
  PunktfunkStats st;
  uint8_t b[4] = {1, 2, 3, 4};

  punktfunk_session_free(NULL);
  TU_CHECK_EQ(punktfunk_host_submit_frame(NULL, b, 4, 0, 0),
              PUNKTFUNK_STATUS_NULL_POINTER);
  TU_CHECK_EQ(punktfunk_client_poll_frame(NULL, &fr),
              PUNKTFUNK_STATUS_NULL_POINTER);
  TU_CHECK_EQ(punktfunk_get_stats(NULL, &st), PUNKTFUNK_STATUS_NULL_POINTER);
  TU_CHECK_EQ(punktfunk_test_loopback_pair(NULL, &c, &hs, &cs),
              PUNKTFUNK_STATUS_NULL_POINTER);
  TU_CHECK_EQ(punktfunk_test_loopback_pair(&h, NULL, &hs, &cs),
              PUNKTFUNK_STATUS_NULL_POINTER);
  TU_CHECK_EQ(punktfunk_test_loopback_pair(&h, &c, NULL, &cs),
              PUNKTFUNK_STATUS_NULL_POINTER);
  TU_CHECK_EQ(punktfunk_test_loopback_pair(&h, &c, &hs, NULL),
              PUNKTFUNK_STATUS_NULL_POINTER);
  TU_CHECK(punktfunk_session_new(NULL, "127.0.0.1:0", "127.0.0.1:9") == NULL);
  TU_CHECK(punktfunk_session_new(&h, NULL, "127.0.0.1:9") == NULL);
  TU_CHECK(punktfunk_session_new(&h, "127.0.0.1:0", NULL) == NULL);
  TU_CHECK(punktfunk_session_new(&h, "nonsense", "127.0.0.1:9") == NULL);
  TU_CHECK(punktfunk_session_new(&h, "127.0.0.1:0", "example.org:9") == NULL);

  TU_CHECK_EQ(punktfunk_test_loopback_pair(&h, &c, &hs, &cs),
              PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(punktfunk_get_stats(hs, NULL), PUNKTFUNK_STATUS_NULL_POINTER);
  TU_CHECK_EQ(punktfunk_client_poll_frame(cs, NULL),
              PUNKTFUNK_STATUS_NULL_POINTER);
  TU_CHECK_EQ(punktfunk_host_submit_frame(hs, NULL, 4, 0, 0),
              PUNKTFUNK_STATUS_NULL_POINTER);
  /* Wrong roles. */
  TU_CHECK_EQ(punktfunk_host_submit_frame(cs, b, 4, 0, 0),
              PUNKTFUNK_STATUS_INVALID_ARG);
  TU_CHECK_EQ(punktfunk_client_poll_frame(hs, &fr),
              PUNKTFUNK_STATUS_INVALID_ARG);
  punktfunk_session_free(hs);
  punktfunk_session_free(cs);
}

static void test_punktfunk_loopback(void) {
  PunktfunkConfig h = cfg_default(0), c = cfg_default(1);
  PunktfunkSession *hs = NULL, *cs = NULL;
  PunktfunkFrame fr;
  PunktfunkStats st;
  uint8_t *buf = malloc(300000), *copy = malloc(300000);
  int f;

  if (buf == NULL || copy == NULL) {
    TU_CHECK(0);
    free(buf);
    free(copy);
    return;
  }
  h.loopback_drop_period = 0;
  TU_CHECK_EQ(punktfunk_test_loopback_pair(&h, &c, &hs, &cs),
              PUNKTFUNK_STATUS_OK);

  /* Nothing submitted: NoFrame, |out| untouched. */
  memset(&fr, 0x5A, sizeof(fr));
  TU_CHECK_EQ(punktfunk_client_poll_frame(cs, &fr), PUNKTFUNK_STATUS_NO_FRAME);
  TU_CHECK(fr.frame_index == 0x5A5A5A5Au);

  /* An empty frame, flags carried through. */
  TU_CHECK_EQ(punktfunk_host_submit_frame(hs, NULL, 0, 7, 0x110),
              PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(punktfunk_client_poll_frame(cs, &fr), PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(fr.len, 0);
  TU_CHECK_EQ(fr.frame_index, 0);
  TU_CHECK_EQ(fr.pts_ns, 7);
  TU_CHECK_EQ(fr.flags, 0x110);

  /* Three frames queued before polling, then taken in order; each stays
   * intact until the next poll. */
  for (f = 1; f <= 3; f++) {
    fill(buf, 100000u * (size_t)f, (unsigned)f);
    TU_CHECK_EQ(punktfunk_host_submit_frame(hs, buf, 100000u * (size_t)f,
                                            (uint64_t)f * 1000u, 0),
                PUNKTFUNK_STATUS_OK);
  }
  for (f = 1; f <= 3; f++) {
    TU_CHECK_EQ(punktfunk_client_poll_frame(cs, &fr), PUNKTFUNK_STATUS_OK);
    TU_CHECK_EQ(fr.frame_index, f);
    TU_CHECK_EQ(fr.len, 100000u * (size_t)f);
    fill(copy, 100000u * (size_t)f, (unsigned)f);
    TU_CHECK(fr.data != NULL && memcmp(fr.data, copy, fr.len) == 0);
  }
  TU_CHECK_EQ(punktfunk_client_poll_frame(cs, &fr), PUNKTFUNK_STATUS_NO_FRAME);

  /* Larger than max_frame_bytes: refused, nothing sent. */
  h.max_frame_bytes = 1000;
  punktfunk_session_free(hs);
  punktfunk_session_free(cs);
  TU_CHECK_EQ(punktfunk_test_loopback_pair(&h, &c, &hs, &cs),
              PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(punktfunk_host_submit_frame(hs, buf, 1001, 0, 0),
              PUNKTFUNK_STATUS_INVALID_ARG);
  TU_CHECK_EQ(punktfunk_host_submit_frame(hs, buf, 1000, 0, 0),
              PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(punktfunk_get_stats(hs, &st), PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(st.frames_submitted, 1);
  /* One data shard and M = max(ceil(1 * 25 / 100), 2) = 2 parity. */
  TU_CHECK(st.packets_sent == 3 && st.bytes_sent == 3 * (40 + 1024));
  TU_CHECK_EQ(st.packets_received, 0);

  /* Freeing the client first leaves a host that says Closed. */
  punktfunk_session_free(cs);
  TU_CHECK_EQ(punktfunk_host_submit_frame(hs, buf, 10, 0, 0),
              PUNKTFUNK_STATUS_CLOSED);
  punktfunk_session_free(hs);

  /* A client whose key differs authenticates nothing. */
  h = cfg_default(0), c = cfg_default(1);
  h.encrypt = c.encrypt = 1;
  h.key[0] = 1;
  c.key[0] = 2;
  TU_CHECK_EQ(punktfunk_test_loopback_pair(&h, &c, &hs, &cs),
              PUNKTFUNK_STATUS_OK);
  fill(buf, 5000, 1);
  TU_CHECK_EQ(punktfunk_host_submit_frame(hs, buf, 5000, 0, 0),
              PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(punktfunk_client_poll_frame(cs, &fr), PUNKTFUNK_STATUS_NO_FRAME);
  TU_CHECK_EQ(punktfunk_get_stats(cs, &st), PUNKTFUNK_STATUS_OK);
  TU_CHECK(st.packets_dropped > 0 && st.packets_received == 0);
  punktfunk_session_free(hs);
  punktfunk_session_free(cs);
  free(buf);
  free(copy);
}

/* Key hygiene: a session keeps no copy of the key after set-up (the
 * cipher has its own schedule), host or client, and still works. */
static void test_punktfunk_key_wiped(void) {
  PunktfunkConfig h = cfg_default(0), c = cfg_default(1);
  PunktfunkSession *hs = NULL, *cs = NULL;
  PunktfunkFrame fr;
  uint8_t buf[3000];
  const uint8_t *k;
  size_t i;
  int nz;

  h.encrypt = c.encrypt = 1;
  for (i = 0; i < 16; i++)
    h.key[i] = c.key[i] = (uint8_t)(0x51 + i);
  TU_CHECK_EQ(punktfunk_test_loopback_pair(&h, &c, &hs, &cs),
              PUNKTFUNK_STATUS_OK);
  if (!hs || !cs)
    return;
  for (k = pf_core_session_key(hs), nz = 0, i = 0; i < 16; i++)
    nz |= k[i];
  TU_CHECK_MSG(nz == 0, "host session still holds the key");
  for (k = pf_core_session_key(cs), nz = 0, i = 0; i < 16; i++)
    nz |= k[i];
  TU_CHECK_MSG(nz == 0, "client session still holds the key");
  TU_CHECK(h.key[0] == 0x51); /* the caller's config is the caller's */
  fill(buf, sizeof(buf), 9);
  TU_CHECK_EQ(punktfunk_host_submit_frame(hs, buf, sizeof(buf), 0, 0),
              PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(punktfunk_client_poll_frame(cs, &fr), PUNKTFUNK_STATUS_OK);
  TU_CHECK(fr.len == sizeof(buf) && memcmp(fr.data, buf, sizeof(buf)) == 0);
  punktfunk_session_free(hs);
  punktfunk_session_free(cs);
}

/*
 * The client bounds M per block at M(K, 90 %), not at 1000 % as before
 * (the reassembler tests cover the drop itself): a host configured with
 * 255 % clamps to 90 %, so its stream still passes that bound whole.
 */
static void test_punktfunk_parity_bound(void) {
  PunktfunkConfig h = cfg_default(0), c = cfg_default(1);
  PunktfunkSession *hs = NULL, *cs = NULL;
  PunktfunkFrame fr;
  PunktfunkStats st;
  uint8_t buf[7000];

  h.fec_percent = c.fec_percent = 255;
  h.max_data_per_block = c.max_data_per_block = 8;
  TU_CHECK_EQ(punktfunk_test_loopback_pair(&h, &c, &hs, &cs),
              PUNKTFUNK_STATUS_OK);
  if (!hs || !cs)
    return;
  fill(buf, sizeof(buf), 4);
  TU_CHECK_EQ(punktfunk_host_submit_frame(hs, buf, sizeof(buf), 0, 0),
              PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(punktfunk_client_poll_frame(cs, &fr), PUNKTFUNK_STATUS_OK);
  TU_CHECK(fr.len == sizeof(buf) && memcmp(fr.data, buf, sizeof(buf)) == 0);
  TU_CHECK_EQ(punktfunk_get_stats(cs, &st), PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(st.frames_completed, 1);
  punktfunk_session_free(hs);
  punktfunk_session_free(cs);
}

/* The harness shape with each scheme, sealed and not. */
static void test_punktfunk_loopback_lossy(uint32_t scheme, uint32_t encrypt) {
  PunktfunkConfig h = cfg_default(0), c = cfg_default(1);
  PunktfunkSession *hs = NULL, *cs = NULL;
  PunktfunkFrame fr;
  PunktfunkStats st;
  uint8_t *buf = malloc(200000);
  int f;

  if (buf == NULL) {
    TU_CHECK(0);
    return;
  }
  h.fec_scheme = c.fec_scheme = scheme;
  h.encrypt = c.encrypt = encrypt;
  memset(h.key, 0x42, sizeof(h.key));
  memcpy(c.key, h.key, sizeof(c.key));
  h.loopback_drop_period = c.loopback_drop_period = 8;
  TU_CHECK_EQ(punktfunk_test_loopback_pair(&h, &c, &hs, &cs),
              PUNKTFUNK_STATUS_OK);
  for (f = 0; f < 4; f++) {
    fill(buf, 200000, (unsigned)f);
    TU_CHECK_EQ(
        punktfunk_host_submit_frame(hs, buf, 200000, (uint64_t)f * 1000000u, 0),
        PUNKTFUNK_STATUS_OK);
    TU_CHECK_EQ(punktfunk_client_poll_frame(cs, &fr), PUNKTFUNK_STATUS_OK);
    TU_CHECK(fr.len == 200000 && memcmp(fr.data, buf, 200000) == 0);
    TU_CHECK_EQ(fr.frame_index, f);
  }
  TU_CHECK_EQ(punktfunk_get_stats(cs, &st), PUNKTFUNK_STATUS_OK);
  TU_CHECK(st.fec_recovered_shards > 0);
  TU_CHECK_EQ(st.frames_completed, 4);
  TU_CHECK_EQ(punktfunk_get_stats(hs, &st), PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(st.frames_submitted, 4);
  TU_CHECK_EQ(st.packets_sent, 4 * 246);
  punktfunk_session_free(hs);
  punktfunk_session_free(cs);
  free(buf);
}

/* Host on one thread, client polling on another. */
struct thr {
  PunktfunkSession *hs;
  int failures;
};

static void *host_thread(void *p) {
  struct thr *t = p;
  uint8_t buf[30000];
  int f;

  for (f = 0; f < 20; f++) {
    fill(buf, sizeof(buf), (unsigned)f);
    if (punktfunk_host_submit_frame(t->hs, buf, sizeof(buf),
                                    (uint64_t)f * 1000000u,
                                    0) != PUNKTFUNK_STATUS_OK)
      t->failures++;
    sleep_ms(1);
  }
  return NULL;
}

static void test_punktfunk_loopback_threads(void) {
  PunktfunkConfig h = cfg_default(0), c = cfg_default(1);
  PunktfunkSession *cs = NULL;
  PunktfunkFrame fr;
  struct thr t = {NULL, 0};
  pthread_t th;
  uint8_t want[30000];
  int got = 0, spins;

  TU_CHECK_EQ(punktfunk_test_loopback_pair(&h, &c, &t.hs, &cs),
              PUNKTFUNK_STATUS_OK);
  if (pthread_create(&th, NULL, host_thread, &t) != 0) {
    TU_CHECK(0);
    punktfunk_session_free(t.hs);
    punktfunk_session_free(cs);
    return;
  }
  for (spins = 0; got < 20 && spins < 5000; spins++) {
    PunktfunkStatus st = punktfunk_client_poll_frame(cs, &fr);
    if (st == PUNKTFUNK_STATUS_NO_FRAME) {
      sleep_ms(1);
      continue;
    }
    TU_CHECK_EQ(st, PUNKTFUNK_STATUS_OK);
    fill(want, sizeof(want), (unsigned)got);
    TU_CHECK(fr.frame_index == (uint32_t)got && fr.len == sizeof(want) &&
             memcmp(fr.data, want, sizeof(want)) == 0);
    got++;
  }
  pthread_join(th, NULL);
  TU_CHECK_EQ(got, 20);
  TU_CHECK_EQ(t.failures, 0);
  punktfunk_session_free(t.hs);
  punktfunk_session_free(cs);
}

/* Two free loopback ports (closed again: the sessions bind them). */
static int free_ports(uint16_t *a, uint16_t *b) {
  pf_udp_config uc;
  pf_udp *u1 = NULL, *u2 = NULL;
  int rv;

  pf_udp_config_default(&uc);
  uc.backend = PF_UDP_IO_MMSG;
  uc.gso = uc.gro = 0;
  uc.sndbuf = uc.rcvbuf = 0;
  rv = pf_udp_open(&u1, &uc, "127.0.0.1:0", NULL, NULL);
  if (rv == 0)
    rv = pf_udp_open(&u2, &uc, "127.0.0.1:0", NULL, NULL);
  if (rv == 0) {
    *a = pf_udp_local_port(u1);
    *b = pf_udp_local_port(u2);
  }
  pf_udp_del(u1);
  pf_udp_del(u2);
  return rv;
}

static void test_punktfunk_session_udp(void) {
  PunktfunkConfig h = cfg_default(0), c = cfg_default(1);
  PunktfunkSession *hs = NULL, *cs = NULL;
  PunktfunkFrame fr;
  PunktfunkStats st;
  uint8_t *buf = malloc(200000);
  char hl[32], hp[32], cl[32], cp[32];
  uint16_t ph = 0, pc = 0;
  struct timespec t0, t1;
  int attempt, f, spins;
  long us;

  if (buf == NULL) {
    TU_CHECK(0);
    return;
  }
  h.encrypt = c.encrypt = 1;
  memset(h.key, 0x17, sizeof(h.key));
  memcpy(c.key, h.key, sizeof(c.key));
  for (attempt = 0; attempt < 5 && (hs == NULL || cs == NULL); attempt++) {
    punktfunk_session_free(hs);
    punktfunk_session_free(cs);
    hs = cs = NULL;
    if (free_ports(&ph, &pc) != 0)
      continue;
    snprintf(hl, sizeof(hl), "127.0.0.1:%u", (unsigned)ph);
    snprintf(hp, sizeof(hp), "127.0.0.1:%u", (unsigned)pc);
    snprintf(cl, sizeof(cl), "127.0.0.1:%u", (unsigned)pc);
    snprintf(cp, sizeof(cp), "127.0.0.1:%u", (unsigned)ph);
    cs = punktfunk_session_new(&c, cl, cp);
    hs = punktfunk_session_new(&h, hl, hp);
  }
  TU_CHECK(hs != NULL && cs != NULL);
  if (hs == NULL || cs == NULL) {
    punktfunk_session_free(hs);
    punktfunk_session_free(cs);
    free(buf);
    return;
  }

  /* Non-blocking: an idle client answers NoFrame at once. */
  clock_gettime(CLOCK_MONOTONIC, &t0);
  TU_CHECK_EQ(punktfunk_client_poll_frame(cs, &fr), PUNKTFUNK_STATUS_NO_FRAME);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
  TU_CHECK_MSG(us < 100000, "idle poll took %ld us", us);

  for (f = 0; f < 3; f++) {
    size_t len = f == 0 ? 1 : 60000u * (size_t)f;

    fill(buf, len, (unsigned)f);
    TU_CHECK_EQ(punktfunk_host_submit_frame(hs, buf, len, (uint64_t)f, 3),
                PUNKTFUNK_STATUS_OK);
    /* Bounded wait: 2 s. */
    for (spins = 0; spins < 2000; spins++) {
      PunktfunkStatus s = punktfunk_client_poll_frame(cs, &fr);
      if (s != PUNKTFUNK_STATUS_NO_FRAME) {
        TU_CHECK_EQ(s, PUNKTFUNK_STATUS_OK);
        break;
      }
      sleep_ms(1);
    }
    TU_CHECK_MSG(spins < 2000, "frame %d did not arrive", f);
    if (spins < 2000) {
      TU_CHECK_EQ(fr.frame_index, f);
      TU_CHECK_EQ(fr.flags, 3);
      TU_CHECK(fr.len == len && memcmp(fr.data, buf, len) == 0);
    }
  }
  TU_CHECK_EQ(punktfunk_get_stats(hs, &st), PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(st.frames_submitted, 3);
  TU_CHECK(st.packets_sent > 0 && st.packets_send_dropped == 0);
  TU_CHECK_EQ(punktfunk_get_stats(cs, &st), PUNKTFUNK_STATUS_OK);
  TU_CHECK_EQ(st.frames_completed, 3);
  TU_CHECK(st.packets_received > 0);
  punktfunk_session_free(hs);
  punktfunk_session_free(cs);
  free(buf);
}

int main(void) {
  test_punktfunk_key_wiped();
  test_punktfunk_parity_bound();
  test_punktfunk_status_codes();
  test_punktfunk_config_validate();
  test_punktfunk_null_safety();
  test_punktfunk_loopback();
  test_punktfunk_loopback_lossy(0, 0);
  test_punktfunk_loopback_lossy(0, 1);
  test_punktfunk_loopback_lossy(1, 0);
  test_punktfunk_loopback_lossy(1, 1);
  test_punktfunk_loopback_threads();
  test_punktfunk_session_udp();
  return tu_finish("test_core_abi");
}
