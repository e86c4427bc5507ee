/*
 * pf_identity.c -- load or create a side's long-lived self-signed
 * certificate and private key in the configuration directory
 * (doc/internals/identity.md).
 *
 * The whole load-or-create runs under an exclusive flock(2) on the
 * directory, so two processes starting at once make one identity, and a
 * reader never sees a key without its certificate.  The private key
 * lives in memory as PEM text (what GnuTLS credentials take) for the
 * object's lifetime and is wiped when it is freed; every other copy
 * (GnuTLS key objects, export buffers) is wiped or deinit'ed right after
 * use.
 */
#include "ctl/pf_identity.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "base/pf_mem.h"
#include "ctl/pf_cfgfile.h"

struct pf_identity {
  const pf_mem *mem;
  char fingerprint[PF_FINGERPRINT_BUFLEN];
  char *cert_pem;
  size_t cert_len;
  char *key_pem; /* secret: wiped before it is freed */
  size_t key_len;
};

void pf_identity_del(pf_identity *id) {
  const pf_mem *mem;

  if (!id)
    return;
  mem = id->mem;
  pf_cfg_wipe(id->key_pem, id->key_len);
  pf_mem_free(mem, id->key_pem);
  pf_mem_free(mem, id->cert_pem);
  pf_cfg_wipe(id, sizeof(*id));
  pf_mem_free(mem, id);
}

const char *pf_identity_fingerprint(const pf_identity *id) {
  return id ? id->fingerprint : NULL;
}

const char *pf_identity_cert_pem(const pf_identity *id, size_t *plen) {
  if (plen)
    *plen = id ? id->cert_len : 0;
  return id ? id->cert_pem : NULL;
}

int pf_identity_set_credentials(const pf_identity *id,
                                gnutls_certificate_credentials_t cred) {
  gnutls_datum_t c, k;

  if (!id || !cred)
    return PF_ERR_INVALID_ARGUMENT;
  c.data = (unsigned char *)id->cert_pem;
  c.size = (unsigned)id->cert_len;
  k.data = (unsigned char *)id->key_pem;
  k.size = (unsigned)id->key_len;
  if (gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM,
                                           NULL, 0) < 0)
    return PF_ERR_CRYPTO_STATE;
  return 0;
}

/* Copies a GnuTLS datum into a NUL-terminated buffer from |mem|. */
static char *dup_datum(const pf_mem *mem, const gnutls_datum_t *d) {
  char *p = pf_mem_malloc(mem, (size_t)d->size + 1);
  if (p) {
    memcpy(p, d->data, d->size);
    p[d->size] = '\0';
  }
  return p;
}

/*
 * Checks that |cert_pem| is a certificate and |key_pem| the private key
 * of its public key, and computes the fingerprint into |id|.  |certname|
 * and |keyname| name the files in messages.
 */
static int check_pair(pf_identity *id, const char *certname,
                      const char *keyname, char *err, size_t errlen) {
  gnutls_x509_crt_t crt = NULL;
  gnutls_x509_privkey_t key = NULL;
  gnutls_datum_t d, der = {NULL, 0};
  uint8_t cid[64], kid[64];
  size_t cidlen = sizeof(cid), kidlen = sizeof(kid);
  int rv, g;

  if (gnutls_x509_crt_init(&crt) != 0 || gnutls_x509_privkey_init(&key) != 0) {
    rv = PF_ERR_NOMEM;
    pf_cfg_errf(err, errlen, "GnuTLS: out of memory");
    goto out;
  }
  d.data = (unsigned char *)id->cert_pem;
  d.size = (unsigned)id->cert_len;
  if ((g = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM)) != 0) {
    rv = PF_ERR_MALFORMED;
    pf_cfg_errf(err, errlen, "%s: not a PEM certificate (%s)", certname,
                gnutls_strerror(g));
    goto out;
  }
  d.data = (unsigned char *)id->key_pem;
  d.size = (unsigned)id->key_len;
  if ((g = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL,
                                       0)) != 0) {
    rv = PF_ERR_MALFORMED;
    pf_cfg_errf(err, errlen,
                "%s: not an unencrypted PEM private key (%s)", keyname,
                gnutls_strerror(g));
    goto out;
  }
  if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, cid,
                                 &cidlen) != 0 ||
      gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, kid,
                                     &kidlen) != 0 ||
      cidlen != kidlen || memcmp(cid, kid, cidlen) != 0) {
    rv = PF_ERR_MALFORMED;
    pf_cfg_errf(err, errlen,
                "%s does not belong to %s (their public keys differ): "
                "restore the matching pair, or move both away to create a "
                "new identity",
                keyname, certname);
    goto out;
  }
  if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) != 0) {
    rv = PF_ERR_CRYPTO_STATE;
    pf_cfg_errf(err, errlen, "%s: cannot encode the certificate", certname);
    goto out;
  }
  rv = pf_fingerprint_from_der(id->fingerprint, der.data, der.size);
  if (rv != 0)
    pf_cfg_errf(err, errlen, "%s: cannot hash the certificate", certname);
out:
  gnutls_free(der.data);
  if (key)
    gnutls_x509_privkey_deinit(key); /* clears the key's numbers */
  if (crt)
    gnutls_x509_crt_deinit(crt);
  return rv;
}

/*
 * Makes a new ECDSA P-256 key and a self-signed certificate for it into
 * id->key_pem / id->cert_pem.
 */
static int generate(pf_identity *id, uint32_t role, char *err, size_t errlen) {
  const char *cn = role == PF_IDENTITY_HOST ? "punktfunk" : "punktfunk-client";
  gnutls_x509_privkey_t key = NULL;
  gnutls_privkey_t pk = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t kpem = {NULL, 0}, cpem = {NULL, 0};
  uint8_t serial[16];
  int rv = PF_ERR_CRYPTO_STATE;

  if (gnutls_x509_privkey_init(&key) != 0 || gnutls_privkey_init(&pk) != 0 ||
      gnutls_x509_crt_init(&crt) != 0) {
    rv = PF_ERR_NOMEM;
    goto out;
  }
  if (gnutls_x509_privkey_generate2(
          key, GNUTLS_PK_ECDSA,
          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL, 0) != 0)
    goto out;
  /* A positive 128-bit random serial (RFC 5280 4.1.2.2: at most 20
   * octets, positive, unique per issuer). */
  if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)) != 0)
    goto out;
  serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);
  /* Valid from a day ago (clocks differ) to 9999-12-31, RFC 5280's "no
   * well-defined expiration date": the certificate is pinned, not
   * chained, and never needs renewing. */
  if (gnutls_x509_crt_set_version(crt, 3) != 0 ||
      gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) != 0 ||
      gnutls_x509_crt_set_activation_time(crt, time(NULL) - 86400) != 0 ||
      gnutls_x509_crt_set_expiration_time(crt, (time_t)-1) != 0 ||
      gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                    (unsigned)strlen(cn)) != 0 ||
      gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, cn,
                                           (unsigned)strlen(cn),
                                           GNUTLS_FSAN_SET) != 0 ||
      gnutls_x509_crt_set_basic_constraints(crt, 0, -1) != 0 ||
      gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) != 0 ||
      gnutls_x509_crt_set_key(crt, key) != 0)
    goto out;
  if (gnutls_privkey_import_x509(pk, key, 0) != 0 ||
      gnutls_x509_crt_privkey_sign(crt, crt, pk, 0, 0) != 0)
    goto out;
  if (gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
                                        GNUTLS_PKCS_PLAIN, &kpem) != 0 ||
      gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem) != 0)
    goto out;
  id->key_pem = dup_datum(id->mem, &kpem);
  id->cert_pem = dup_datum(id->mem, &cpem);
  if (!id->key_pem || !id->cert_pem) {
    rv = PF_ERR_NOMEM;
    goto out;
  }
  id->key_len = kpem.size;
  id->cert_len = cpem.size;
  rv = 0;
out:
  if (rv == PF_ERR_CRYPTO_STATE)
    pf_cfg_errf(err, errlen, "GnuTLS could not make a %s certificate", cn);
  else if (rv == PF_ERR_NOMEM)
    pf_cfg_errf(err, errlen, "out of memory making a certificate");
  if (kpem.data) {
    pf_cfg_wipe(kpem.data, kpem.size);
    gnutls_free(kpem.data);
  }
  gnutls_free(cpem.data);
  if (crt)
    gnutls_x509_crt_deinit(crt);
  if (pk)
    gnutls_privkey_deinit(pk); /* did not take ownership of |key| */
  if (key)
    gnutls_x509_privkey_deinit(key);
  pf_cfg_wipe(serial, sizeof(serial));
  return rv;
}

/* Reads or creates the pair; called with the directory locked. */
static int load_or_create_locked(pf_identity *id, uint32_t role,
                                 const char *certpath, const char *keypath,
                                 char *err, size_t errlen) {
  int rk, rc;

  /* A private key open to group or others is refused (ssh's rule). */
  rk = pf_cfg_read(id->mem, keypath, 0077, PF_IDENTITY_MAX_FILE_BYTES,
                   &id->key_pem, &id->key_len, err, errlen);
  if (rk != 0 && rk != -ENOENT)
    return rk;
  /* The certificate is public; a foreign one fails the pairing check. */
  rc = pf_cfg_read(id->mem, certpath, 0, PF_IDENTITY_MAX_FILE_BYTES,
                   &id->cert_pem, &id->cert_len, err, errlen);
  if (rc != 0 && rc != -ENOENT)
    return rc;
  if (rk == 0 && rc == 0)
    return check_pair(id, certpath, keypath, err, errlen);
  if (rk == 0 || rc == 0) {
    pf_cfg_errf(err, errlen,
                "%s exists but %s does not: restore it, or move %s away to "
                "create a new identity (its fingerprint will change)",
                rk == 0 ? keypath : certpath, rk == 0 ? certpath : keypath,
                rk == 0 ? keypath : certpath);
    return PF_ERR_MALFORMED;
  }
  /* Neither exists: a new identity.  The key goes first, placed with
   * link(2) so nothing is ever replaced, then the certificate. */
  rk = generate(id, role, err, errlen);
  if (rk != 0)
    return rk;
  rk = check_pair(id, "new certificate", "new key", err, errlen);
  if (rk != 0)
    return rk;
  rk = pf_cfg_write_atomic(keypath, id->key_pem, id->key_len, 0600, 1, err,
                           errlen);
  if (rk != 0)
    return rk;
  rc = pf_cfg_write_atomic(certpath, id->cert_pem, id->cert_len, 0644, 1,
                           err, errlen);
  if (rc != 0) {
    unlink(keypath); /* we created it just now, under the lock */
    return rc;
  }
  return 0;
}

int pf_identity_load_or_create(pf_identity **pid, uint32_t role,
                               const char *dir, const pf_mem *mem,
                               char *err, size_t errlen) {
  char d[PATH_MAX], certpath[PATH_MAX], keypath[PATH_MAX];
  pf_identity *id;
  int rv, lock;

  if (err && errlen)
    err[0] = '\0';
  if (!pid) {
    pf_cfg_errf(err, errlen, "no place for the identity");
    return PF_ERR_INVALID_ARGUMENT;
  }
  *pid = NULL;
  if (role != PF_IDENTITY_HOST && role != PF_IDENTITY_CLIENT) {
    pf_cfg_errf(err, errlen, "unknown identity role %u", (unsigned)role);
    return PF_ERR_INVALID_ARGUMENT;
  }
  if (!dir) {
    rv = pf_config_dir(d, sizeof(d));
    if (rv != 0) {
      pf_cfg_errf(err, errlen,
                  "no configuration directory: set PUNKTFUNK_CONFIG_DIR, "
                  "XDG_CONFIG_HOME or HOME");
      return rv;
    }
    dir = d;
  }
  if (pf_config_path(certpath, sizeof(certpath), dir,
                     role == PF_IDENTITY_HOST ? PF_IDENTITY_HOST_CERT
                                              : PF_IDENTITY_CLIENT_CERT) ||
      pf_config_path(keypath, sizeof(keypath), dir,
                     role == PF_IDENTITY_HOST ? PF_IDENTITY_HOST_KEY
                                              : PF_IDENTITY_CLIENT_KEY)) {
    pf_cfg_errf(err, errlen, "%s: path too long", dir);
    return -ENAMETOOLONG;
  }
  mem = pf_mem_or_default(mem);
  id = pf_mem_calloc(mem, 1, sizeof(*id));
  if (!id) {
    pf_cfg_errf(err, errlen, "out of memory");
    return PF_ERR_NOMEM;
  }
  id->mem = mem;
  rv = pf_cfg_mkdirs(dir, err, errlen);
  if (rv == 0) {
    lock = pf_cfg_lock_dir(keypath, err, errlen);
    if (lock < 0) {
      rv = lock;
    } else {
      rv = load_or_create_locked(id, role, certpath, keypath, err, errlen);
      pf_cfg_unlock_dir(lock);
    }
  }
  if (rv != 0) {
    pf_identity_del(id);
    return rv;
  }
  *pid = id;
  return 0;
}
