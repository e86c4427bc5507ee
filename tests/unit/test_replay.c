/*
 * test_replay.c -- the anti-replay window: the sequences of the original
 * replay.rs tests (doc/wire-format.md 12.5) exactly, word-boundary and wrap
 * edges, and a seeded comparison against a naive model.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/pf_replay.h"
#include "testutil.h"

#define W ((uint64_t)PF_REPLAY_WINDOW)

static pf_replay rp; /* 16 KiB: keep it off the stack */

static void test_pf_replay_fresh_then_replayed(void) {
  uint64_t s;
  int ok = 1;

  pf_replay_init(&rp);
  for (s = 0; s < 1000; s++)
    ok &= pf_replay_accept(&rp, s);
  TU_CHECK(ok);
  ok = 0;
  for (s = 0; s < 1000; s++)
    ok |= pf_replay_accept(&rp, s);
  TU_CHECK(!ok);
}

static void test_pf_replay_reorder_inside_window(void) {
  pf_replay_init(&rp);
  TU_CHECK(pf_replay_accept(&rp, 100));
  TU_CHECK(pf_replay_accept(&rp, 80));
  TU_CHECK(!pf_replay_accept(&rp, 80));
  TU_CHECK(pf_replay_accept(&rp, 99));
  TU_CHECK(!pf_replay_accept(&rp, 100));
}

static void test_pf_replay_too_old(void) {
  pf_replay_init(&rp);
  TU_CHECK(pf_replay_accept(&rp, 2 * W));
  TU_CHECK(!pf_replay_accept(&rp, W));
  TU_CHECK(!pf_replay_accept(&rp, 0));
  TU_CHECK(pf_replay_accept(&rp, W + 1));
  TU_CHECK(!pf_replay_accept(&rp, W + 1));
}

static void test_pf_replay_big_jump_clears(void) {
  pf_replay_init(&rp);
  TU_CHECK(pf_replay_accept(&rp, 5));
  TU_CHECK(pf_replay_accept(&rp, 10 * W + 5));
  TU_CHECK(!pf_replay_accept(&rp, 5));
  /* 9W+6 maps to the same bit position as W*k+6 and must be fresh. */
  TU_CHECK(pf_replay_accept(&rp, 9 * W + 6));
  TU_CHECK(!pf_replay_accept(&rp, 9 * W + 6));
  TU_CHECK(!pf_replay_accept(&rp, 9 * W + 5)); /* exactly W behind */
}

static void test_pf_replay_in_window_jumps(void) {
  static const uint64_t seqs[] = {0, 1, 63, 64, 100, 4000, W - 1, 50000};
  size_t i;

  pf_replay_init(&rp);
  for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
    TU_CHECK_MSG(pf_replay_accept(&rp, seqs[i]), "seq %llu",
                 (unsigned long long)seqs[i]);
  for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
    TU_CHECK_MSG(!pf_replay_accept(&rp, seqs[i]), "replayed seq %llu",
                 (unsigned long long)seqs[i]);
  /* Not seen yet, still inside the window: accepted once. */
  TU_CHECK(pf_replay_accept(&rp, 2));
  TU_CHECK(pf_replay_accept(&rp, 65));
}

static void test_pf_replay_first_seq(void) {
  pf_replay_init(&rp);
  TU_CHECK(pf_replay_accept(&rp, 42));
  TU_CHECK(!pf_replay_accept(&rp, 42));
  TU_CHECK(pf_replay_accept(&rp, 41));
  TU_CHECK(pf_replay_accept(&rp, 0));
}

/* A jump of less than W must clear exactly the skipped positions,
 * including partial words at both ends. */
static void test_pf_replay_partial_word_clear(void) {
  uint64_t s;

  pf_replay_init(&rp);
  for (s = 0; s < W; s++)
    (void)pf_replay_accept(&rp, s);        /* every bit set */
  TU_CHECK(pf_replay_accept(&rp, W + 70)); /* clears W..W+69 positions */
  TU_CHECK(!pf_replay_accept(&rp, 71));    /* > W behind: too old */
  TU_CHECK(!pf_replay_accept(&rp, 80));    /* still marked (seen) */
  TU_CHECK(pf_replay_accept(&rp, W + 3));  /* cleared by the jump */
  TU_CHECK(pf_replay_accept(&rp, W + 69));
  TU_CHECK(!pf_replay_accept(&rp, W - 1)); /* seen before the jump */
}

static void test_pf_replay_top_of_range(void) {
  pf_replay_init(&rp);
  TU_CHECK(pf_replay_accept(&rp, UINT64_MAX - 10));
  TU_CHECK(pf_replay_accept(&rp, UINT64_MAX));
  TU_CHECK(pf_replay_accept(&rp, UINT64_MAX - 5));
  TU_CHECK(!pf_replay_accept(&rp, UINT64_MAX - 10));
  TU_CHECK(!pf_replay_accept(&rp, UINT64_MAX));
  TU_CHECK(!pf_replay_accept(&rp, 0));
}

static void test_pf_replay_seq_of(void) {
  static const uint8_t dg[] = {1, 2, 3, 4, 5, 6, 7, 8, 0xff};
  uint64_t seq = 0;

  TU_CHECK_EQ(pf_replay_seq_of(&seq, dg, sizeof(dg)), 0);
  TU_CHECK(seq == 0x0102030405060708ull);
  TU_CHECK_EQ(pf_replay_seq_of(&seq, dg, 7), PF_ERR_MALFORMED);
  TU_CHECK_EQ(pf_replay_seq_of(&seq, NULL, 8), PF_ERR_MALFORMED);
}

/* Seeded random walk against a model that remembers every seq. */
static void test_pf_replay_model(void) {
  enum { SPAN = 16 * 1024 * 1024, STEPS = 200000 };
  uint8_t *seen = calloc(SPAN, 1);
  uint64_t st = 0x5EEDull, highest = 0, base = 1000;
  int have = 0, bad = 0;
  size_t i;

  if (!seen) {
    TU_CHECK(0);
    return;
  }
  pf_replay_init(&rp);
  for (i = 0; i < STEPS; i++) {
    uint64_t r = tu_splitmix64(&st), seq;
    int want, got;

    /* Mostly near the top, sometimes far behind, rarely a jump. */
    if (r % 1000 < 700)
      seq = base + (have ? highest - base : 0) + (r >> 8) % 64;
    else if (r % 1000 < 999)
      seq = base + (have && highest - base > (r >> 8) % (W + 200)
                        ? highest - base - (r >> 8) % (W + 200)
                        : 0);
    else
      seq = base + (have ? highest - base : 0) + (r >> 8) % (W / 2);
    if (seq - base >= SPAN)
      break;
    if (!have)
      want = 1;
    else if (seq > highest)
      want = 1;
    else
      want = highest - seq < W && !seen[seq - base];
    got = pf_replay_accept(&rp, seq);
    if (got != want) {
      bad++;
      if (bad < 5)
        fprintf(stderr, "model: seq %llu highest %llu want %d got %d\n",
                (unsigned long long)seq, (unsigned long long)highest, want,
                got);
    }
    if (want) {
      seen[seq - base] = 1;
      if (!have || seq > highest)
        highest = seq;
      have = 1;
    }
  }
  TU_CHECK_EQ(bad, 0);
  TU_CHECK_EQ(i, STEPS);
  free(seen);
}

int main(void) {
  test_pf_replay_fresh_then_replayed();
  test_pf_replay_reorder_inside_window();
  test_pf_replay_too_old();
  test_pf_replay_big_jump_clears();
  test_pf_replay_in_window_jumps();
  test_pf_replay_first_seq();
  test_pf_replay_partial_word_clear();
  test_pf_replay_top_of_range();
  test_pf_replay_seq_of();
  test_pf_replay_model();
  return tu_finish("test_replay");
}
