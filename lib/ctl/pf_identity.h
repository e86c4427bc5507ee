/*
 * pf_identity.h -- internal side of the identities (public functions in
 * punktfunk.h, "Identities and trust"): the file names per role and how
 * the QUIC connection puts an identity into its GnuTLS credentials.
 */
#ifndef PF_IDENTITY_H
#define PF_IDENTITY_H

#include <gnutls/gnutls.h>

#include <punktfunk/punktfunk.h>

/* The original's file names in the configuration directory. */
#define PF_IDENTITY_HOST_CERT "cert.pem"
#define PF_IDENTITY_HOST_KEY "key.pem"
#define PF_IDENTITY_CLIENT_CERT "client-cert.pem"
#define PF_IDENTITY_CLIENT_KEY "client-key.pem"

/* Largest certificate or key file read, in bytes. */
#define PF_IDENTITY_MAX_FILE_BYTES (64u * 1024u)

/*
 * Adds |identity|'s certificate and key to |cred| (the certificate the
 * side presents in the TLS handshake).  Returns 0 or PF_ERR_CRYPTO_STATE.
 */
int pf_identity_set_credentials(const pf_identity *identity,
                                gnutls_certificate_credentials_t cred);

#endif /* PF_IDENTITY_H */
