/*
 * test_dgram_ring.c -- pf-loss relay's datagram ring (bin/dgram_ring.c):
 * blocks never overlap and keep their bytes, a batch lands back to back,
 * the ring wraps and refills, frees in any order give the space back,
 * and a full ring says so instead of overwriting.
 */
#include <stdlib.h>
#include <string.h>

#include "dgram_ring.h"
#include "testutil.h"

#define CAP 65536u
#define BLOCKS 256u

struct live {
  long id;
  uint8_t *data;
  size_t len;
  uint8_t seed;
};

static void fill(uint8_t *p, size_t n, uint8_t seed) {
  size_t i;
  for (i = 0; i < n; i++)
    p[i] = (uint8_t)(seed + i * 7);
}

static int intact(const uint8_t *p, size_t n, uint8_t seed) {
  size_t i;
  for (i = 0; i < n; i++)
    if (p[i] != (uint8_t)(seed + i * 7))
      return 0;
  return 1;
}

static void test_dgram_ring_batch_is_contiguous(void) {
  struct dgram_ring r;
  uint8_t *d[10];
  long id[10];
  int i;

  TU_CHECK_EQ(dgram_ring_init(&r, CAP, BLOCKS), 0);
  for (i = 0; i < 10; i++) {
    id[i] = dgram_ring_alloc(&r, 1452, &d[i]);
    TU_CHECK(id[i] >= 0);
    if (i > 0)
      TU_CHECK(d[i] == d[i - 1] + 1452);
  }
  /* Freed out of order: the space returns only with the oldest. */
  dgram_ring_release(&r, id[3]);
  TU_CHECK_EQ(r.count, 10);
  dgram_ring_release(&r, id[0]);
  TU_CHECK_EQ(r.count, 9);
  dgram_ring_release(&r, id[1]);
  dgram_ring_release(&r, id[2]);
  TU_CHECK_EQ(r.count, 6); /* 0..3 gone */
  for (i = 4; i < 10; i++)
    dgram_ring_release(&r, id[i]);
  TU_CHECK_EQ(r.count, 0);
  TU_CHECK_EQ(r.head, 0);
  /* Empty again: the whole buffer is one block; then it is full. */
  TU_CHECK(dgram_ring_alloc(&r, CAP, &d[0]) >= 0);
  TU_CHECK_EQ(dgram_ring_alloc(&r, 1, &d[1]), -1);
  TU_CHECK_EQ(dgram_ring_alloc(&r, CAP + 1, &d[1]), -1);
  dgram_ring_free(&r);
}

static void test_dgram_ring_wraps(void) {
  struct dgram_ring r;
  uint8_t *d;
  long a, b, c;

  TU_CHECK_EQ(dgram_ring_init(&r, 10000, BLOCKS), 0);
  a = dgram_ring_alloc(&r, 6000, &d);
  b = dgram_ring_alloc(&r, 3000, &d);
  TU_CHECK(a >= 0 && b >= 0);
  /* 1000 left at the end, 0 at the start: no room for 2000. */
  TU_CHECK_EQ(dgram_ring_alloc(&r, 2000, &d), -1);
  dgram_ring_release(&r, a);
  /* Now [0, 6000) is free: 2000 does not fit at the end, so it wraps. */
  c = dgram_ring_alloc(&r, 2000, &d);
  TU_CHECK(c >= 0);
  TU_CHECK(d == r.buf);
  /* In use: [6000, 9000) and [0, 2000): 4000 fit at 2000, 4001 do not. */
  TU_CHECK_EQ(dgram_ring_alloc(&r, 4001, &d), -1);
  TU_CHECK(dgram_ring_alloc(&r, 4000, &d) >= 0);
  TU_CHECK(d == r.buf + 2000);
  TU_CHECK_EQ(dgram_ring_alloc(&r, 1, &d), -1); /* exactly full */
  dgram_ring_free(&r);
}

static void test_dgram_ring_block_slots(void) {
  struct dgram_ring r;
  uint8_t *d;
  long id[4];
  int i;

  TU_CHECK_EQ(dgram_ring_init(&r, CAP, 4), 0);
  for (i = 0; i < 4; i++)
    id[i] = dgram_ring_alloc(&r, 0, &d); /* empty datagrams take a byte */
  TU_CHECK(id[3] >= 0);
  TU_CHECK_EQ(r.head, 4);
  TU_CHECK_EQ(dgram_ring_alloc(&r, 10, &d), -1); /* no block slot left */
  dgram_ring_release(&r, id[0]);
  TU_CHECK(dgram_ring_alloc(&r, 10, &d) >= 0);
  dgram_ring_release(&r, -1); /* ignored */
  dgram_ring_release(&r, 99);
  dgram_ring_free(&r);
}

/* Random sizes, frees mostly oldest-first with some in any order,
 * against a list of live blocks: no overlap, contents intact. */
static void test_dgram_ring_random(void) {
  static struct live lv[BLOCKS];
  struct dgram_ring r;
  uint64_t st = 7;
  size_t nlive = 0, ops, i, j, refused = 0;
  int ok = 1;

  TU_CHECK_EQ(dgram_ring_init(&r, CAP, BLOCKS), 0);
  for (ops = 0; ops < 200000 && ok; ops++) {
    uint64_t x = tu_splitmix64(&st);
    if (nlive > 0 && (x % 100 < 45 || nlive == BLOCKS)) {
      /* Free: the oldest 3 times in 4, else any. */
      i = (x >> 8) % 4 ? 0 : (size_t)((x >> 16) % nlive);
      ok &= intact(lv[i].data, lv[i].len, lv[i].seed);
      dgram_ring_release(&r, lv[i].id);
      memmove(&lv[i], &lv[i + 1], (nlive - i - 1) * sizeof(lv[0]));
      nlive--;
    } else {
      size_t len = (x >> 8) % 4 ? 1452 : (size_t)((x >> 16) % 9000);
      uint8_t *d;
      long id = dgram_ring_alloc(&r, len, &d);
      if (id < 0) {
        refused++;
        continue;
      }
      ok &= d >= r.buf && d + len <= r.buf + CAP;
      for (j = 0; j < nlive; j++) {
        size_t a0 = (size_t)(d - r.buf), a1 = a0 + (len ? len : 1);
        size_t b0 = (size_t)(lv[j].data - r.buf),
               b1 = b0 + (lv[j].len ? lv[j].len : 1);
        ok &= a1 <= b0 || b1 <= a0;
        ok &= lv[j].id != id;
      }
      lv[nlive].id = id;
      lv[nlive].data = d;
      lv[nlive].len = len;
      lv[nlive].seed = (uint8_t)x;
      fill(d, len, lv[nlive].seed);
      nlive++;
    }
  }
  TU_CHECK(ok);
  TU_CHECK(refused > 0); /* the full case was reached */
  for (i = 0; i < nlive; i++) {
    TU_CHECK(intact(lv[i].data, lv[i].len, lv[i].seed));
    dgram_ring_release(&r, lv[i].id);
  }
  TU_CHECK_EQ(r.count, 0);
  dgram_ring_free(&r);
}

int main(void) {
  test_dgram_ring_batch_is_contiguous();
  test_dgram_ring_wraps();
  test_dgram_ring_block_slots();
  test_dgram_ring_random();
  return tu_finish("test_dgram_ring");
}
