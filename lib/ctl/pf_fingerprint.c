/*
 * pf_fingerprint.c -- certificate fingerprints: SHA-256 of the leaf
 * certificate's DER as 64 lowercase hex digits (the original's form), and
 * a comparison whose time does not depend on the position of the first
 * difference.
 */
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <punktfunk/punktfunk.h>

int pf_fingerprint_from_der(char out[PF_FINGERPRINT_BUFLEN],
                            const uint8_t *der, size_t derlen) {
  static const char hex[] = "0123456789abcdef";
  uint8_t h[PF_FINGERPRINT_BYTES];
  size_t i;

  if (!out || !der || derlen == 0)
    return PF_ERR_INVALID_ARGUMENT;
  if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der, derlen, h) != 0)
    return PF_ERR_CRYPTO_STATE;
  for (i = 0; i < sizeof(h); i++) {
    out[2 * i] = hex[h[i] >> 4];
    out[2 * i + 1] = hex[h[i] & 15];
  }
  out[PF_FINGERPRINT_HEX_LEN] = '\0';
  return 0;
}

int pf_fingerprint_from_pem(char out[PF_FINGERPRINT_BUFLEN], const char *pem,
                            size_t pemlen) {
  gnutls_datum_t in, der = {NULL, 0};
  gnutls_x509_crt_t crt;
  int rv;

  if (!out || !pem)
    return PF_ERR_INVALID_ARGUMENT;
  if (pemlen > 1024u * 1024u)
    return PF_ERR_LIMIT;
  if (pemlen > UINT32_MAX)
    return PF_ERR_LIMIT;
  in.data = (unsigned char *)(uintptr_t)pem;
  in.size = (unsigned)pemlen;
  /* The first "-----BEGIN CERTIFICATE-----" block is the leaf. */
  if (gnutls_pem_base64_decode2("CERTIFICATE", &in, &der) != 0)
    return PF_ERR_MALFORMED;
  /* Hash only what is really a certificate. */
  if (gnutls_x509_crt_init(&crt) != 0) {
    gnutls_free(der.data);
    return PF_ERR_NOMEM;
  }
  rv = gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER);
  gnutls_x509_crt_deinit(crt);
  if (rv != 0) {
    gnutls_free(der.data);
    return PF_ERR_MALFORMED;
  }
  rv = pf_fingerprint_from_der(out, der.data, der.size);
  gnutls_free(der.data);
  return rv;
}

/* Returns the value of hex digit |c|, or -1. */
static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int pf_fingerprint_normalize(char out[PF_FINGERPRINT_BUFLEN], const char *in) {
  static const char hex[] = "0123456789abcdef";
  size_t i;

  if (!out || !in)
    return PF_ERR_MALFORMED;
  for (i = 0; i < PF_FINGERPRINT_HEX_LEN; i++) {
    int v = hexval(in[i]); /* stops at the NUL: hexval('\0') == -1 */
    if (v < 0)
      return PF_ERR_MALFORMED;
    out[i] = hex[v];
  }
  if (in[PF_FINGERPRINT_HEX_LEN] != '\0')
    return PF_ERR_MALFORMED;
  out[PF_FINGERPRINT_HEX_LEN] = '\0';
  return 0;
}

int pf_fingerprint_equal(const char *a, const char *b) {
  char na[PF_FINGERPRINT_BUFLEN], nb[PF_FINGERPRINT_BUFLEN];
  unsigned diff = 0;
  size_t i;

  if (pf_fingerprint_normalize(na, a) != 0 ||
      pf_fingerprint_normalize(nb, b) != 0)
    return PF_ERR_MALFORMED;
  for (i = 0; i < PF_FINGERPRINT_HEX_LEN; i++)
    diff |= (unsigned)(unsigned char)(na[i] ^ nb[i]);
  /* 1 when diff == 0, without a branch on the data. */
  return (int)(1u & ((diff - 1u) >> 8));
}
