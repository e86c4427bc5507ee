/*
 * pf_aead.h -- punktfunk/1 datagram sealing (AES-128-GCM via GnuTLS, or
 * ChaCha20-Poly1305).  The only module that includes GnuTLS's crypto
 * headers.  See doc/internals/nonces.md.
 *
 *   nonce (12) = dir_salt (4) || seq (8, big-endian)
 *   dir_salt   = salt with bit 7 of byte 0 replaced by the SENDER's
 *                direction (0 host, 1 client)
 *   AAD        = the 8 clear seq bytes at the front of the datagram
 *   datagram   = seq_be64 || ciphertext(plaintext) || tag (16)
 */
#ifndef PF_AEAD_H
#define PF_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

#define PF_AEAD_AES128GCM 1u
#define PF_AEAD_CHACHA20POLY1305 2u
#define PF_AEAD_DIR_HOST 0u
#define PF_AEAD_DIR_CLIENT 1u

typedef struct pf_aead pf_aead;

/*
 * Creates one cipher handle for |alg| with |key| (16 bytes for AES-128,
 * 32 for ChaCha20) and the 4-byte base |salt|.  |dir| is the direction of
 * the datagrams this handle seals or opens (the SENDER's direction).
 * Returns 0, PF_ERR_INVALID_ARGUMENT (NULL, unknown |alg|, wrong |keylen|,
 * |dir| > 1), PF_ERR_UNSUPPORTED (the backend or system policy lacks the
 * cipher), PF_ERR_CRYPTO_STATE or PF_ERR_NOMEM.  The key is not judged
 * (an all-zero key is the caller's config error to catch).  GnuTLS
 * allocates the cipher handle itself; only the pf_aead struct comes from
 * |mem|.
 */
int pf_aead_new(pf_aead **paead, uint32_t alg, const uint8_t *key,
                size_t keylen, const uint8_t salt[4], uint32_t dir,
                const pf_mem *mem);
void pf_aead_del(pf_aead *aead);

/*
 * Seals |ptlen| bytes of |pt| as datagram number |seq| into |out| (which
 * must hold ptlen + 24 bytes; |pt| may equal out + 8 for in-place
 * sealing).  Returns the datagram length, PF_ERR_INVALID_ARGUMENT (NULL),
 * PF_ERR_NOBUF or PF_ERR_CRYPTO_STATE.  Never uses |seq| twice with one
 * key: that is the caller's invariant (doc/internals/nonces.md).
 */
ptrdiff_t pf_aead_seal(pf_aead *aead, uint8_t *out, size_t outcap,
                       uint64_t seq, const uint8_t *pt, size_t ptlen);

/*
 * Opens datagram |dg| of |dglen| bytes into |out| (capacity >= dglen -
 * 24; may equal dg + 8).  Stores the clear seq in |*pseq|.  Returns the
 * plaintext length, or PF_ERR_MALFORMED (shorter than 24 bytes),
 * PF_ERR_CRYPTO (authentication failed: |out| is zeroed and |*pseq| is 0),
 * PF_ERR_NOBUF (|outcap| < dglen - 24) or PF_ERR_INVALID_ARGUMENT (NULL).
 */
ptrdiff_t pf_aead_open(pf_aead *aead, uint8_t *out, size_t outcap,
                       uint64_t *pseq, const uint8_t *dg, size_t dglen);

#endif /* PF_AEAD_H */
