/*
 * pf_aead.c -- punktfunk/1 datagram sealing over GnuTLS (see pf_aead.h
 * and doc/internals/nonces.md).  The only file that includes GnuTLS's
 * crypto headers.
 *
 * One gnutls_aead_cipher_hd_t per key and direction lives as long as the
 * pf_aead: setting a key up costs about a third of sealing a 1400-byte
 * datagram, so it is never done per packet.  GnuTLS allocates the handle
 * with its own allocator; only the pf_aead struct goes through |mem|.
 */
#include "dataplane/pf_aead.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "base/pf_mem.h"
#include "dataplane/pf_wire.h"

#define NONCE_BYTES 12u

struct pf_aead {
  const pf_mem *mem;
  gnutls_aead_cipher_hd_t hd;
  uint32_t alg;
  /* The direction salt: the base salt with bit 7 of byte 0 replaced by
   * the sender's direction.  Bytes 0..3 of every nonce. */
  uint8_t dir_salt[4];
};

int pf_aead_new(pf_aead **paead, uint32_t alg, const uint8_t *key,
                size_t keylen, const uint8_t salt[4], uint32_t dir,
                const pf_mem *mem) {
  gnutls_cipher_algorithm_t ga;
  gnutls_datum_t datum;
  pf_aead *a;
  int rv;

  if (!paead)
    return PF_ERR_INVALID_ARGUMENT;
  *paead = NULL;
  if (!key || !salt || dir > PF_AEAD_DIR_CLIENT)
    return PF_ERR_INVALID_ARGUMENT;
  switch (alg) {
  case PF_AEAD_AES128GCM:
    if (keylen != PF_AEAD_AES128GCM_KEYBYTES)
      return PF_ERR_INVALID_ARGUMENT;
    ga = GNUTLS_CIPHER_AES_128_GCM;
    break;
  case PF_AEAD_CHACHA20POLY1305:
    if (keylen != PF_AEAD_CHACHA20POLY1305_KEYBYTES)
      return PF_ERR_INVALID_ARGUMENT;
    ga = GNUTLS_CIPHER_CHACHA20_POLY1305;
    break;
  default:
    return PF_ERR_INVALID_ARGUMENT;
  }
  mem = pf_mem_or_default(mem);
  a = pf_mem_calloc(mem, 1, sizeof(*a));
  if (!a)
    return PF_ERR_NOMEM;
  a->mem = mem;
  a->alg = alg;
  memcpy(a->dir_salt, salt, 4);
  a->dir_salt[0] = (uint8_t)((salt[0] & 0x7Fu) | (dir << 7));
  datum.data = (unsigned char *)(uintptr_t)key;
  datum.size = (unsigned)keylen;
  rv = gnutls_aead_cipher_init(&a->hd, ga, &datum);
  if (rv < 0) {
    pf_mem_free(mem, a);
    if (rv == GNUTLS_E_MEMORY_ERROR)
      return PF_ERR_NOMEM;
    if (rv == GNUTLS_E_UNWANTED_ALGORITHM || rv == GNUTLS_E_INVALID_REQUEST)
      return PF_ERR_UNSUPPORTED;
    return PF_ERR_CRYPTO_STATE;
  }
  *paead = a;
  return 0;
}

void pf_aead_del(pf_aead *a) {
  if (!a)
    return;
  /* GnuTLS wipes the key schedule in deinit. */
  gnutls_aead_cipher_deinit(a->hd);
  pf_mem_free(a->mem, a);
}

static void make_nonce(uint8_t nonce[NONCE_BYTES], const pf_aead *a,
                       const uint8_t seq_be[8]) {
  memcpy(nonce, a->dir_salt, 4);
  memcpy(nonce + 4, seq_be, 8);
}

ptrdiff_t pf_aead_seal(pf_aead *a, uint8_t *out, size_t outcap, uint64_t seq,
                       const uint8_t *pt, size_t ptlen) {
  uint8_t nonce[NONCE_BYTES];
  size_t ctlen;

  if (!a || !out || (!pt && ptlen > 0))
    return PF_ERR_INVALID_ARGUMENT;
  if (outcap < PF_WIRE_CRYPTO_OVERHEAD ||
      ptlen > outcap - PF_WIRE_CRYPTO_OVERHEAD ||
      ptlen > (size_t)PTRDIFF_MAX - PF_WIRE_CRYPTO_OVERHEAD)
    return PF_ERR_NOBUF;
  /* The clear seq doubles as the AAD; write it first (it does not overlap
   * an in-place plaintext at out + 8). */
  pf_put_u64be(out, seq);
  make_nonce(nonce, a, out);
  ctlen = outcap - PF_WIRE_SEQ_BYTES;
  if (gnutls_aead_cipher_encrypt(a->hd, nonce, sizeof(nonce), out,
                                 PF_WIRE_SEQ_BYTES, PF_WIRE_TAG_BYTES,
                                 pt ? pt : out + PF_WIRE_SEQ_BYTES, ptlen,
                                 out + PF_WIRE_SEQ_BYTES, &ctlen) < 0 ||
      ctlen != ptlen + PF_WIRE_TAG_BYTES)
    return PF_ERR_CRYPTO_STATE;
  return (ptrdiff_t)(PF_WIRE_SEQ_BYTES + ctlen);
}

ptrdiff_t pf_aead_open(pf_aead *a, uint8_t *out, size_t outcap,
                       uint64_t *pseq, const uint8_t *dg, size_t dglen) {
  uint8_t nonce[NONCE_BYTES];
  size_t ptlen;
  int rv;

  if (pseq)
    *pseq = 0;
  if (!a || !dg || !out || !pseq)
    return PF_ERR_INVALID_ARGUMENT;
  if (dglen < PF_WIRE_CRYPTO_OVERHEAD)
    return PF_ERR_MALFORMED;
  ptlen = dglen - PF_WIRE_CRYPTO_OVERHEAD;
  if (outcap < ptlen || ptlen > (size_t)PTRDIFF_MAX)
    return PF_ERR_NOBUF;
  make_nonce(nonce, a, dg);
  rv = gnutls_aead_cipher_decrypt(a->hd, nonce, sizeof(nonce), dg,
                                  PF_WIRE_SEQ_BYTES, PF_WIRE_TAG_BYTES,
                                  dg + PF_WIRE_SEQ_BYTES,
                                  dglen - PF_WIRE_SEQ_BYTES, out, &ptlen);
  if (rv < 0 || ptlen != dglen - PF_WIRE_CRYPTO_OVERHEAD) {
    /* The backend writes plaintext before it checks the tag: never let
     * unauthenticated bytes reach the caller. */
    memset(out, 0, dglen - PF_WIRE_CRYPTO_OVERHEAD);
    return PF_ERR_CRYPTO;
  }
  *pseq = pf_get_u64be(dg);
  return (ptrdiff_t)ptlen;
}
