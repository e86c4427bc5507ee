/*
 * test_aead.c -- punktfunk/1 datagram sealing (lib/dataplane/pf_aead.c).
 *
 * The known answers below were computed once with python3's
 * `cryptography` (OpenSSL) from the rule nonce = dir_salt || seq BE,
 * AAD = seq BE (doc/internals/nonces.md), independently of GnuTLS; a
 * second, in-test cross-check drives GnuTLS's low-level gnutls_cipher_*
 * API (not the gnutls_aead_* path pf_aead uses) on random inputs.
 */
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "dataplane/pf_aead.h"
#include "dataplane/pf_wire.h"
#include "testutil.h"

static const uint8_t key16[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
                                  0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
                                  0x0c, 0x0d, 0x0e, 0x0f};
static const uint8_t salt[4] = {0xa5, 0x5a, 0xc3, 0x3c};

static void key32(uint8_t k[32]) {
  int i;

  for (i = 0; i < 32; i++)
    k[i] = (uint8_t)(0x20 + i);
}

/* Plaintext of the KATs: byte i = (i * 31 + 3) & 0xFF, a prefix of n. */
static void kat_pt(uint8_t *pt, size_t n) {
  size_t i;

  for (i = 0; i < n; i++)
    pt[i] = (uint8_t)((i * 31 + 3) & 0xFF);
}

struct kat {
  uint32_t alg, dir;
  uint64_t seq;
  size_t ptlen;
  const char *hex;
};

static const struct kat kats[] = {
    {PF_AEAD_AES128GCM, 0, 0, 0,
     "0000000000000000a747faaeab1e9e2e7b2826e57d6e5496"},
    {PF_AEAD_AES128GCM, 0, 1, 56,
     "000000000000000138a5134bb1ebde1cab6b6e6b214894c1a9a28d77418e0358d6c6a1aa"
     "d7bab8789d24fe4638b031afb0b2f2bffab839742a2eeacd406331e857f9ac547588c6c5"
     "4683d530eb312adf"},
    {PF_AEAD_AES128GCM, 0, 0x0102030405060708ull, 56,
     "0102030405060708d74183ea55789f0dd49a0e1125799f3e3f5a6d18c610e7b2d18dde2e"
     "8580e139d110b5593854c6d9b722b14a8b0949e3585f5e27e710c2ecab3affe243bf4568"
     "11086015d5363ecb"},
    {PF_AEAD_AES128GCM, 0, 0xfffffffffffffffeull, 17,
     "fffffffffffffffe0b1661de275bca0332860e61b6b5f2709265fe71aa51b0fc74ab232f"
     "9c630ff5c2"},
    {PF_AEAD_AES128GCM, 1, 0, 0,
     "00000000000000008f9fe4294cad98b9932f7fd4dc700768"},
    {PF_AEAD_AES128GCM, 1, 1, 56,
     "0000000000000001d31ea8dfb02c6df0d56cb267543ef895e1a4cbd3efec511dec85e1bc"
     "75a9562538ea8a45ff5e7c02348c48feb3d58f05285fd4c6cd2fea6abe43b5ac1a065b59"
     "f75c4234013a7f43"},
    {PF_AEAD_AES128GCM, 1, 0x0102030405060708ull, 56,
     "010203040506070860564e25a8a6e2cfc296afebf5c666bc5bd591a716d186d662b0a3f3"
     "6366453adf0f0dfcc54a3b6b2b2641dfb5b0c5e1b434831fd94491bbf2ce1b093d1bb4ae"
     "ec8d2bec2cbbbb8c"},
    {PF_AEAD_AES128GCM, 1, 0xfffffffffffffffeull, 17,
     "fffffffffffffffec45f74f2b86a4595c0d128834b6d4624f8ebf0f6f45dc64079d4c3b5"
     "22e4ec38b2"},
    {PF_AEAD_CHACHA20POLY1305, 0, 0, 0,
     "00000000000000003a1190ac64962530fe48c19c3d20faad"},
    {PF_AEAD_CHACHA20POLY1305, 0, 1, 56,
     "0000000000000001e17cfa7c8767afe6fcdbe5c9b930e077a4eac8c66ecbdd947d5f43c7"
     "7814f397dcf7ad0ef74d0f2d3be19e5729fcb285a1c4b6ffd5ddaa37a6f23d13b2a1c633"
     "a151395b99322ba9"},
    {PF_AEAD_CHACHA20POLY1305, 0, 0x0102030405060708ull, 56,
     "0102030405060708323f3aefd64620d4d4dbae0e600c97853416bccf8f7299a428c3e1dc"
     "ce96c314f9587328975c8b1bdce46a534aff62f8bf8374ea33ae5a018213759c8eb592eb"
     "2c45cdbc349558ea"},
    {PF_AEAD_CHACHA20POLY1305, 0, 0xfffffffffffffffeull, 17,
     "fffffffffffffffe86ec27efbc1e2ff620a7fd8bc68b81d0fa7ab8d48c050aa5dbcd0c0e"
     "46e8ee9854"},
    {PF_AEAD_CHACHA20POLY1305, 1, 0, 0,
     "0000000000000000cc12b67d795a0875a97032306455014b"},
    {PF_AEAD_CHACHA20POLY1305, 1, 1, 56,
     "00000000000000010fc590feff293498f386ccde374cecb864e4c83a01bac27c58825738"
     "20789bdc247fb9eadc3c09d651bc7bfb606314dd7942600f350d8cb30dbd4b5e0de74bb6"
     "9f493715f1f40258"},
    {PF_AEAD_CHACHA20POLY1305, 1, 0x0102030405060708ull, 56,
     "0102030405060708123b51b169c4cdf2707e40a08357fd0b907b197d4a75d7c1c1c48411"
     "110237b7d562588b7a3bfa54379ffdf7282ab00433e8f487a7039a29903e38d4de19f553"
     "b17c29a429109a63"},
    {PF_AEAD_CHACHA20POLY1305, 1, 0xfffffffffffffffeull, 17,
     "fffffffffffffffe2b11d014893c00586f6322de1fa4e12b564fe11925512452c9ef3ce0"
     "f46815bdd5"},
};

static int new_aead(pf_aead **a, uint32_t alg, uint32_t dir) {
  uint8_t k32[32];

  key32(k32);
  if (alg == PF_AEAD_AES128GCM)
    return pf_aead_new(a, alg, key16, sizeof(key16), salt, dir, NULL);
  return pf_aead_new(a, alg, k32, sizeof(k32), salt, dir, NULL);
}

static void test_pf_aead_seal_kat(void) {
  uint8_t pt[64], want[128], got[128], back[128];
  size_t i;

  kat_pt(pt, sizeof(pt));
  for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
    const struct kat *t = &kats[i];
    pf_aead *seal = NULL, *open = NULL;
    long wl = tu_hex_decode(t->hex, want, sizeof(want));
    uint64_t seq = 1;
    ptrdiff_t n;

    TU_CHECK_EQ(wl, (long)(t->ptlen + PF_WIRE_CRYPTO_OVERHEAD));
    TU_CHECK_EQ(new_aead(&seal, t->alg, t->dir), 0);
    TU_CHECK_EQ(new_aead(&open, t->alg, t->dir), 0);
    if (!seal || !open)
      goto next;
    memset(got, 0xEE, sizeof(got));
    n = pf_aead_seal(seal, got, sizeof(got), t->seq, pt, t->ptlen);
    TU_CHECK_EQ(n, wl);
    TU_CHECK_MSG(memcmp(got, want, (size_t)wl) == 0, "KAT %zu", i);
    TU_CHECK_EQ(got[wl], 0xEE);
    n = pf_aead_open(open, back, sizeof(back), &seq, got, (size_t)wl);
    TU_CHECK_EQ(n, (ptrdiff_t)t->ptlen);
    TU_CHECK(seq == t->seq);
    TU_CHECK(memcmp(back, pt, t->ptlen) == 0);
  next:
    pf_aead_del(seal);
    pf_aead_del(open);
  }
}

/* The same datagrams through GnuTLS's low-level cipher API. */
static void test_pf_aead_seal_cross_check(void) {
  uint8_t pt[1500], got[1600], ref[1600], nonce[12];
  pf_aead *a = NULL;
  uint64_t st = 7;
  int i;

  TU_CHECK_EQ(new_aead(&a, PF_AEAD_AES128GCM, PF_AEAD_DIR_CLIENT), 0);
  if (!a)
    return;
  for (i = 0; i < 64; i++) {
    gnutls_cipher_hd_t h;
    gnutls_datum_t k, iv;
    uint64_t seq = tu_splitmix64(&st);
    size_t len = (size_t)(tu_splitmix64(&st) % sizeof(pt));
    ptrdiff_t n;

    if (i == 0)
      len = 0;
    tu_fill(seq, pt, len);
    n = pf_aead_seal(a, got, sizeof(got), seq, pt, len);
    TU_CHECK_EQ(n, (ptrdiff_t)(len + 24));

    memcpy(nonce, salt, 4);
    nonce[0] = (uint8_t)((salt[0] & 0x7F) | 0x80); /* client */
    pf_put_u64be(nonce + 4, seq);
    pf_put_u64be(ref, seq);
    k.data = (unsigned char *)(uintptr_t)key16;
    k.size = 16;
    iv.data = nonce;
    iv.size = 12;
    TU_CHECK_EQ(gnutls_cipher_init(&h, GNUTLS_CIPHER_AES_128_GCM, &k, &iv), 0);
    TU_CHECK_EQ(gnutls_cipher_add_auth(h, ref, 8), 0);
    if (len > 0)
      TU_CHECK_EQ(gnutls_cipher_encrypt2(h, pt, len, ref + 8, len), 0);
    TU_CHECK_EQ(gnutls_cipher_tag(h, ref + 8 + len, 16), 0);
    gnutls_cipher_deinit(h);
    TU_CHECK_MSG(memcmp(got, ref, len + 24) == 0, "len %zu", len);
  }
  pf_aead_del(a);
}

/* Sealing and opening in place (plaintext at out + 8) match the
 * out-of-place results. */
static void test_pf_aead_in_place(void) {
  uint32_t algs[2] = {PF_AEAD_AES128GCM, PF_AEAD_CHACHA20POLY1305};
  uint8_t pt[1448], a1[1472], a2[1472];
  int ai;

  tu_fill(99, pt, sizeof(pt));
  for (ai = 0; ai < 2; ai++) {
    pf_aead *a = NULL;
    uint64_t seq = 0;

    TU_CHECK_EQ(new_aead(&a, algs[ai], PF_AEAD_DIR_HOST), 0);
    if (!a)
      continue;
    TU_CHECK_EQ(pf_aead_seal(a, a1, sizeof(a1), 77, pt, sizeof(pt)),
                (ptrdiff_t)sizeof(a1));
    memcpy(a2 + 8, pt, sizeof(pt));
    TU_CHECK_EQ(pf_aead_seal(a, a2, sizeof(a2), 77, a2 + 8, sizeof(pt)),
                (ptrdiff_t)sizeof(a2));
    TU_CHECK(memcmp(a1, a2, sizeof(a1)) == 0);
    TU_CHECK_EQ(pf_aead_open(a, a2 + 8, sizeof(a2) - 8, &seq, a2, sizeof(a2)),
                (ptrdiff_t)sizeof(pt));
    TU_CHECK(seq == 77);
    TU_CHECK(memcmp(a2 + 8, pt, sizeof(pt)) == 0);
    pf_aead_del(a);
  }
}

static int all_zero(const uint8_t *p, size_t n) {
  size_t i;

  for (i = 0; i < n; i++)
    if (p[i])
      return 0;
  return 1;
}

/* Flipping any bit of any byte -- seq (= AAD), header, shard, tag -- is
 * rejected, and the output is zeroed. */
static void test_pf_aead_open_tamper(void) {
  uint32_t algs[2] = {PF_AEAD_AES128GCM, PF_AEAD_CHACHA20POLY1305};
  uint8_t pt[40 + 64], dg[sizeof(pt) + 24], bad[sizeof(dg)],
      out[sizeof(pt)];
  int ai;

  tu_fill(5, pt, sizeof(pt));
  for (ai = 0; ai < 2; ai++) {
    pf_aead *a = NULL;
    uint64_t seq = 1;
    size_t i, rejected = 0, zeroed = 0;

    TU_CHECK_EQ(new_aead(&a, algs[ai], PF_AEAD_DIR_HOST), 0);
    if (!a)
      continue;
    TU_CHECK_EQ(pf_aead_seal(a, dg, sizeof(dg), 1234, pt, sizeof(pt)),
                (ptrdiff_t)sizeof(dg));
    for (i = 0; i < 8 * sizeof(dg); i++) {
      memcpy(bad, dg, sizeof(dg));
      bad[i / 8] ^= (uint8_t)(1u << (i % 8));
      memset(out, 0xAA, sizeof(out));
      seq = 1;
      if (pf_aead_open(a, out, sizeof(out), &seq, bad, sizeof(bad)) ==
          PF_ERR_CRYPTO)
        rejected++;
      if (all_zero(out, sizeof(out)) && seq == 0)
        zeroed++;
    }
    TU_CHECK_EQ(rejected, 8 * sizeof(dg));
    TU_CHECK_EQ(zeroed, 8 * sizeof(dg));
    /* The untouched datagram still opens. */
    TU_CHECK_EQ(pf_aead_open(a, out, sizeof(out), &seq, dg, sizeof(dg)),
                (ptrdiff_t)sizeof(pt));
    pf_aead_del(a);
  }
}

/* Host-sealed datagrams do not open as client-sealed ones and vice versa;
 * the base salt's bit 7 is ignored (replaced by the direction). */
static void test_pf_aead_direction(void) {
  uint8_t pt[100], dg[124], out[100];
  uint8_t salt_lo[4];
  pf_aead *host = NULL, *client = NULL, *host2 = NULL;
  uint64_t seq;

  tu_fill(3, pt, sizeof(pt));
  memcpy(salt_lo, salt, 4);
  salt_lo[0] &= 0x7F;
  TU_CHECK_EQ(new_aead(&host, PF_AEAD_AES128GCM, PF_AEAD_DIR_HOST), 0);
  TU_CHECK_EQ(new_aead(&client, PF_AEAD_AES128GCM, PF_AEAD_DIR_CLIENT), 0);
  TU_CHECK_EQ(pf_aead_new(&host2, PF_AEAD_AES128GCM, key16, 16, salt_lo,
                          PF_AEAD_DIR_HOST, NULL),
              0);
  if (!host || !client || !host2)
    goto out;
  TU_CHECK_EQ(pf_aead_seal(host, dg, sizeof(dg), 5, pt, sizeof(pt)), 124);
  TU_CHECK_EQ(pf_aead_open(client, out, sizeof(out), &seq, dg, sizeof(dg)),
              PF_ERR_CRYPTO);
  TU_CHECK(all_zero(out, sizeof(out)));
  TU_CHECK_EQ(pf_aead_open(host2, out, sizeof(out), &seq, dg, sizeof(dg)),
              100);
  TU_CHECK_EQ(pf_aead_seal(client, dg, sizeof(dg), 5, pt, sizeof(pt)), 124);
  TU_CHECK_EQ(pf_aead_open(host, out, sizeof(out), &seq, dg, sizeof(dg)),
              PF_ERR_CRYPTO);
  TU_CHECK_EQ(pf_aead_open(client, out, sizeof(out), &seq, dg, sizeof(dg)),
              100);
out:
  pf_aead_del(host);
  pf_aead_del(client);
  pf_aead_del(host2);
}

/* Datagrams shorter than seq + tag are malformed; any other truncation
 * fails authentication. */
static void test_pf_aead_open_truncated(void) {
  uint8_t pt[64], dg[88], out[64];
  pf_aead *a = NULL;
  uint64_t seq;
  size_t n;

  tu_fill(11, pt, sizeof(pt));
  TU_CHECK_EQ(new_aead(&a, PF_AEAD_AES128GCM, PF_AEAD_DIR_HOST), 0);
  if (!a)
    return;
  TU_CHECK_EQ(pf_aead_seal(a, dg, sizeof(dg), 9, pt, sizeof(pt)), 88);
  for (n = 0; n < sizeof(dg); n++) {
    ptrdiff_t rv = pf_aead_open(a, out, sizeof(out), &seq, dg, n);
    TU_CHECK_EQ(rv, n < 24 ? PF_ERR_MALFORMED : PF_ERR_CRYPTO);
  }
  pf_aead_del(a);
}

static void test_pf_aead_wrong_key(void) {
  uint8_t pt[32], dg[56], out[32], k2[16];
  pf_aead *a = NULL, *b = NULL;
  uint64_t seq;

  memcpy(k2, key16, 16);
  k2[15] ^= 1;
  tu_fill(1, pt, sizeof(pt));
  TU_CHECK_EQ(new_aead(&a, PF_AEAD_AES128GCM, 0), 0);
  TU_CHECK_EQ(pf_aead_new(&b, PF_AEAD_AES128GCM, k2, 16, salt, 0, NULL), 0);
  if (a && b) {
    TU_CHECK_EQ(pf_aead_seal(a, dg, sizeof(dg), 0, pt, sizeof(pt)), 56);
    TU_CHECK_EQ(pf_aead_open(b, out, sizeof(out), &seq, dg, sizeof(dg)),
                PF_ERR_CRYPTO);
  }
  pf_aead_del(a);
  pf_aead_del(b);
}

static void test_pf_aead_args(void) {
  uint8_t k32[32], buf[64], out[64];
  pf_aead *a = NULL;
  uint64_t seq;

  key32(k32);
  TU_CHECK_EQ(pf_aead_new(NULL, PF_AEAD_AES128GCM, key16, 16, salt, 0, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_aead_new(&a, PF_AEAD_AES128GCM, key16, 15, salt, 0, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_aead_new(&a, PF_AEAD_AES128GCM, k32, 32, salt, 0, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_aead_new(&a, PF_AEAD_CHACHA20POLY1305, key16, 16, salt, 0,
                          NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_aead_new(&a, 0, key16, 16, salt, 0, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_aead_new(&a, 3, key16, 16, salt, 0, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_aead_new(&a, PF_AEAD_AES128GCM, key16, 16, salt, 2, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_aead_new(&a, PF_AEAD_AES128GCM, NULL, 16, salt, 0, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_aead_new(&a, PF_AEAD_AES128GCM, key16, 16, NULL, 0, NULL),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK(a == NULL);
  TU_CHECK_EQ(pf_aead_new(&a, PF_AEAD_AES128GCM, key16, 16, salt, 0, NULL), 0);
  if (!a)
    return;
  memset(buf, 1, sizeof(buf));
  /* Output one byte too small. */
  TU_CHECK_EQ(pf_aead_seal(a, out, 40 + 23, 0, buf, 40), PF_ERR_NOBUF);
  TU_CHECK_EQ(pf_aead_seal(a, out, 23, 0, buf, 0), PF_ERR_NOBUF);
  TU_CHECK_EQ(pf_aead_seal(a, out, 64, 0, buf, 40), 64);
  TU_CHECK_EQ(pf_aead_open(a, buf, 39, &seq, out, 64), PF_ERR_NOBUF);
  TU_CHECK_EQ(pf_aead_open(a, buf, 40, &seq, out, 64), 40);
  pf_aead_del(a);
  pf_aead_del(NULL);
}

/* Every allocation failure of pf_aead_new is reported and leaks nothing. */
static void test_pf_aead_new_nomem(void) {
  size_t n;

  for (n = 1; n < 4; n++) {
    tu_alloc al;
    pf_aead *a = NULL;
    int rv;

    tu_alloc_init(&al);
    al.fail_at = n;
    rv = pf_aead_new(&a, PF_AEAD_AES128GCM, key16, 16, salt, 0, &al.mem);
    if (rv == 0) {
      TU_CHECK(al.attempts < n);
      pf_aead_del(a);
      TU_CHECK_EQ(al.live, 0);
      break;
    }
    TU_CHECK_EQ(rv, PF_ERR_NOMEM);
    TU_CHECK(a == NULL);
    TU_CHECK_EQ(al.live, 0);
  }
}

int main(void) {
  test_pf_aead_seal_kat();
  test_pf_aead_seal_cross_check();
  test_pf_aead_in_place();
  test_pf_aead_open_tamper();
  test_pf_aead_direction();
  test_pf_aead_open_truncated();
  test_pf_aead_wrong_key();
  test_pf_aead_args();
  test_pf_aead_new_nomem();
  return tu_finish("test_aead");
}
