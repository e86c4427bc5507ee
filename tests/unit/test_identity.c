/*
 * test_identity.c -- identities (lib/ctl/pf_identity.c, pf_cfgfile.c,
 * pf_fingerprint.c): create in an empty directory with the right modes
 * and certificate contents, reload with the same fingerprint, the
 * fingerprint of a known certificate, refusals (open key file, symlink,
 * other owner, corrupt or mismatched files), the original's RSA host
 * key, two processes creating at once, and allocation failures.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ctl/pf_identity.h"
#include "testutil.h"

/* A small self-signed ECDSA P-256 certificate (openssl req -x509, CN
 * "pf-test").  Its SHA-256 over the DER, computed outside the library
 * with `openssl x509 -outform DER | sha256sum`: */
static const char known_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBeDCCAR+gAwIBAgIUN6I5mnSmAUGamKLX/6m9RH7QEnEwCgYIKoZIzj0EAwIw\n"
    "EjEQMA4GA1UEAwwHcGYtdGVzdDAeFw0yNjEyMDgwMTI4MjFaFw0zNjEyMDUwMTI4\n"
    "MjFaMBIxEDAOBgNVBAMMB3BmLXRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
    "AARPxyBRw431F05UwRwzSQqLlVMMHIbogw9QJ5O7CvLd6vKsejhNGGv38cbRGexd\n"
    "tIX1g009OQtx126WRbwclcwOo1MwUTAdBgNVHQ4EFgQUls8mN9jW5JjOVhuzvGa5\n"
    "7wwhrvowHwYDVR0jBBgwFoAUls8mN9jW5JjOVhuzvGa57wwhrvowDwYDVR0TAQH/\n"
    "BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiB4StDJRtiwx8PRc3Rgfc2gh76NnVzr\n"
    "rj0nqqJj0rjWuAIgEIeuJOiSgBW2u25QRQyGsqUHUr9VzEH47FtvB+4HG9U=\n"
    "-----END CERTIFICATE-----\n";
static const char known_fp[] =
    "32c45c63c990a8c83615b377e373236a"
    "bdbd2912f5fa213ed18f2239c1354ed9";

static char tmpdir[PATH_MAX];

/* Makes a fresh directory name under tmpdir (not created). */
static const char *fresh(const char *name) {
  static char buf[PATH_MAX];
  TU_SNPRINTF(buf, sizeof(buf), "%s/%s", tmpdir, name);
  tu_rm_rf(buf);
  return buf;
}

static const char *join(const char *dir, const char *name) {
  static char buf[4][PATH_MAX];
  static int i;
  i = (i + 1) % 4;
  TU_SNPRINTF(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
  return buf[i];
}

static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (!d)
    return -1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      n++;
  closedir(d);
  return n;
}

static int write_file(const char *path, const void *data, size_t len,
                      mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  ssize_t w;
  if (fd < 0)
    return -1;
  w = write(fd, data, len);
  fchmod(fd, mode);
  close(fd);
  return w == (ssize_t)len ? 0 : -1;
}

static int is_fp(const char *s) {
  size_t i;
  if (!s || strlen(s) != 64)
    return 0;
  for (i = 0; i < 64; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return 0;
  return 1;
}

/* The fingerprint of |pem|'s first certificate, computed here with
 * GnuTLS directly (not through the library). */
static void independent_fp(const char *pem, char out[65]) {
  gnutls_datum_t in = {(unsigned char *)(uintptr_t)pem, (unsigned)strlen(pem)};
  gnutls_datum_t der = {NULL, 0};
  uint8_t h[32];
  int i;

  out[0] = '\0';
  if (gnutls_pem_base64_decode2("CERTIFICATE", &in, &der) != 0)
    return;
  if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, h) == 0)
    for (i = 0; i < 32; i++)
      sprintf(out + 2 * i, "%02x", h[i]);
  gnutls_free(der.data);
}

static void test_fingerprint_known(void) {
  char fp[65], ind[65];
  gnutls_datum_t in = {(unsigned char *)(uintptr_t)known_pem,
                       (unsigned)strlen(known_pem)};
  gnutls_datum_t der = {NULL, 0};

  independent_fp(known_pem, ind);
  TU_CHECK(strcmp(ind, known_fp) == 0);
  TU_CHECK_EQ(pf_fingerprint_from_pem(fp, known_pem, strlen(known_pem)), 0);
  TU_CHECK_MSG(strcmp(fp, known_fp) == 0, "got %s", fp);
  TU_CHECK_EQ(gnutls_pem_base64_decode2("CERTIFICATE", &in, &der), 0);
  memset(fp, 'x', sizeof(fp));
  TU_CHECK_EQ(pf_fingerprint_from_der(fp, der.data, der.size), 0);
  TU_CHECK(strcmp(fp, known_fp) == 0);
  /* One flipped DER bit changes it. */
  der.data[der.size / 2] ^= 1;
  TU_CHECK_EQ(pf_fingerprint_from_der(fp, der.data, der.size), 0);
  TU_CHECK(is_fp(fp) && strcmp(fp, known_fp) != 0);
  gnutls_free(der.data);

  /* Not a certificate. */
  TU_CHECK_EQ(pf_fingerprint_from_pem(fp, "hello", 5), PF_ERR_MALFORMED);
  {
    static const char notcert[] = "-----BEGIN CERTIFICATE-----\n"
                                  "aGVsbG8gd29ybGQK\n"
                                  "-----END CERTIFICATE-----\n";
    TU_CHECK_EQ(pf_fingerprint_from_pem(fp, notcert, strlen(notcert)),
                PF_ERR_MALFORMED);
  }
  TU_CHECK_EQ(pf_fingerprint_from_der(fp, NULL, 3), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_fingerprint_from_der(NULL, (const uint8_t *)"a", 1),
              PF_ERR_INVALID_ARGUMENT);
}

static void test_fingerprint_compare(void) {
  char up[65], norm[65], other[65];
  size_t i;

  for (i = 0; i < 64; i++)
    up[i] = (char)toupper((unsigned char)known_fp[i]);
  up[64] = '\0';
  TU_CHECK_EQ(pf_fingerprint_normalize(norm, up), 0);
  TU_CHECK(strcmp(norm, known_fp) == 0);
  TU_CHECK_EQ(pf_fingerprint_equal(known_fp, up), 1);
  TU_CHECK_EQ(pf_fingerprint_equal(known_fp, known_fp), 1);
  /* A difference in the first or in the last digit. */
  memcpy(other, known_fp, 65);
  other[0] = other[0] == '0' ? '1' : '0';
  TU_CHECK_EQ(pf_fingerprint_equal(known_fp, other), 0);
  memcpy(other, known_fp, 65);
  other[63] = other[63] == '0' ? '1' : '0';
  TU_CHECK_EQ(pf_fingerprint_equal(known_fp, other), 0);
  /* Malformed: short, long, not hex, NULL. */
  memcpy(other, known_fp, 65);
  other[63] = '\0';
  TU_CHECK_EQ(pf_fingerprint_equal(known_fp, other), PF_ERR_MALFORMED);
  TU_CHECK_EQ(pf_fingerprint_normalize(norm, other), PF_ERR_MALFORMED);
  {
    char longer[66];
    memcpy(longer, known_fp, 64);
    longer[64] = 'a';
    longer[65] = '\0';
    TU_CHECK_EQ(pf_fingerprint_normalize(norm, longer), PF_ERR_MALFORMED);
  }
  memcpy(other, known_fp, 65);
  other[10] = 'g';
  TU_CHECK_EQ(pf_fingerprint_equal(other, known_fp), PF_ERR_MALFORMED);
  TU_CHECK_EQ(pf_fingerprint_equal(NULL, known_fp), PF_ERR_MALFORMED);
}

static void test_config_dir(void) {
  char buf[PATH_MAX], small[4];

  setenv("PUNKTFUNK_CONFIG_DIR", "/x/pf", 1);
  setenv("XDG_CONFIG_HOME", "/x/xdg", 1);
  setenv("HOME", "/x/home", 1);
  TU_CHECK(pf_config_dir(buf, sizeof(buf)) == 0 && !strcmp(buf, "/x/pf"));
  TU_CHECK_EQ(pf_config_dir(small, sizeof(small)), PF_ERR_NOBUF);
  setenv("PUNKTFUNK_CONFIG_DIR", "", 1);
  TU_CHECK(pf_config_dir(buf, sizeof(buf)) == 0 &&
           !strcmp(buf, "/x/xdg/punktfunk"));
  setenv("XDG_CONFIG_HOME", "relative/xdg", 1); /* invalid: ignored */
  TU_CHECK(pf_config_dir(buf, sizeof(buf)) == 0 &&
           !strcmp(buf, "/x/home/.config/punktfunk"));
  unsetenv("XDG_CONFIG_HOME");
  TU_CHECK(pf_config_dir(buf, sizeof(buf)) == 0 &&
           !strcmp(buf, "/x/home/.config/punktfunk"));
  TU_CHECK(pf_config_path(buf, sizeof(buf), NULL, PF_KNOWN_HOSTS_FILE) == 0 &&
           !strcmp(buf, "/x/home/.config/punktfunk/known_hosts"));
  TU_CHECK(pf_config_path(buf, sizeof(buf), "/d", "f") == 0 &&
           !strcmp(buf, "/d/f"));
  unsetenv("HOME");
  TU_CHECK_EQ(pf_config_dir(buf, sizeof(buf)), -ENOENT);
  unsetenv("PUNKTFUNK_CONFIG_DIR");
}

/* Checks the certificate of a new identity: CN and SAN, ECDSA P-256,
 * validity to 9999, not a CA. */
static void check_cert(const pf_identity *id, const char *cn) {
  gnutls_x509_crt_t crt;
  gnutls_datum_t d;
  char buf[256];
  size_t len = sizeof(buf);
  unsigned bits = 0, critical = 0;
  size_t plen = 0;
  const char *pem = pf_identity_cert_pem(id, &plen);
  int ca;

  TU_CHECK(pem != NULL && plen == strlen(pem));
  if (!pem || gnutls_x509_crt_init(&crt) != 0)
    return;
  d.data = (unsigned char *)(uintptr_t)pem;
  d.size = (unsigned)plen;
  TU_CHECK_EQ(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
  TU_CHECK_EQ(gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
                                            0, 0, buf, &len),
              0);
  TU_CHECK_MSG(strcmp(buf, cn) == 0, "CN %s", buf);
  len = sizeof(buf);
  TU_CHECK_EQ(gnutls_x509_crt_get_subject_alt_name(crt, 0, buf, &len,
                                                   &critical),
              GNUTLS_SAN_DNSNAME);
  TU_CHECK_MSG(strcmp(buf, cn) == 0, "SAN %s", buf);
  TU_CHECK_EQ(gnutls_x509_crt_get_pk_algorithm(crt, &bits), GNUTLS_PK_ECDSA);
  TU_CHECK_EQ(bits, 256);
  TU_CHECK_EQ(gnutls_x509_crt_get_version(crt), 3);
  /* 9999-12-31: GnuTLS reads it as "no expiry" (-1) or a date past
   * year 9000. */
  {
    time_t exp = gnutls_x509_crt_get_expiration_time(crt);
    TU_CHECK_MSG(exp == (time_t)-1 || exp > (time_t)221845392000LL,
                 "expiration %lld", (long long)exp);
    TU_CHECK(gnutls_x509_crt_get_activation_time(crt) <= time(NULL));
  }
  ca = gnutls_x509_crt_get_basic_constraints(crt, NULL, NULL, NULL);
  TU_CHECK_EQ(ca, 0);
  gnutls_x509_crt_deinit(crt);
}

static void test_create_and_reload(void) {
  const char *dir = fresh("new/nested/cfg");
  char err[PF_ERRMSG_BUFLEN], ind[65], fp1[65];
  char *saved_pem = NULL;
  pf_identity *id = NULL, *cl = NULL;
  struct stat st;
  mode_t old = umask(0); /* the key must be 0600 whatever the umask */
  int rv;

  rv = pf_identity_load_or_create(&id, PF_IDENTITY_HOST, dir, NULL, err,
                                  sizeof(err));
  umask(old);
  TU_CHECK_MSG(rv == 0, "rv %d: %s", rv, err);
  if (rv != 0)
    return;
  TU_CHECK(is_fp(pf_identity_fingerprint(id)));
  independent_fp(pf_identity_cert_pem(id, NULL), ind);
  TU_CHECK(strcmp(ind, pf_identity_fingerprint(id)) == 0);
  check_cert(id, "punktfunk");
  TU_CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700);
  TU_CHECK(lstat(join(dir, "key.pem"), &st) == 0 && S_ISREG(st.st_mode) &&
           (st.st_mode & 07777) == 0600);
  TU_CHECK(lstat(join(dir, "cert.pem"), &st) == 0 && S_ISREG(st.st_mode) &&
           (st.st_mode & 07777) == 0644);
  /* Nothing else (no temporary file) stays behind. */
  TU_CHECK_EQ(count_entries(dir), 2);
  {
    FILE *f = fopen(join(dir, "key.pem"), "r");
    char line[64] = "";
    TU_CHECK(f && fgets(line, sizeof(line), f));
    TU_CHECK(strcmp(line, "-----BEGIN PRIVATE KEY-----\n") == 0); /* PKCS#8 */
    if (f)
      fclose(f);
  }
  /* The credentials a QUIC connection would use accept it. */
  {
    gnutls_certificate_credentials_t cred;
    TU_CHECK_EQ(gnutls_certificate_allocate_credentials(&cred), 0);
    TU_CHECK_EQ(pf_identity_set_credentials(id, cred), 0);
    gnutls_certificate_free_credentials(cred);
  }
  memcpy(fp1, pf_identity_fingerprint(id), 65);
  saved_pem = strdup(pf_identity_cert_pem(id, NULL));
  pf_identity_del(id);

  /* Reload: the same identity. */
  id = NULL;
  rv = pf_identity_load_or_create(&id, PF_IDENTITY_HOST, dir, NULL, err,
                                  sizeof(err));
  TU_CHECK_MSG(rv == 0, "reload: %s", err);
  if (id) {
    TU_CHECK(strcmp(pf_identity_fingerprint(id), fp1) == 0);
    TU_CHECK(saved_pem && strcmp(pf_identity_cert_pem(id, NULL), saved_pem) == 0);
  }
  pf_identity_del(id);
  free(saved_pem);

  /* The client identity has its own files and name. */
  rv = pf_identity_load_or_create(&cl, PF_IDENTITY_CLIENT, dir, NULL, err,
                                  sizeof(err));
  TU_CHECK_MSG(rv == 0, "client: %s", err);
  if (cl) {
    check_cert(cl, "punktfunk-client");
    TU_CHECK(strcmp(pf_identity_fingerprint(cl), fp1) != 0);
  }
  TU_CHECK(lstat(join(dir, "client-key.pem"), &st) == 0 &&
           (st.st_mode & 07777) == 0600);
  TU_CHECK(lstat(join(dir, "client-cert.pem"), &st) == 0);
  TU_CHECK_EQ(count_entries(dir), 4);
  pf_identity_del(cl);
  pf_identity_del(NULL);

  /* dir NULL: $PUNKTFUNK_CONFIG_DIR. */
  setenv("PUNKTFUNK_CONFIG_DIR", dir, 1);
  id = NULL;
  TU_CHECK_EQ(pf_identity_load_or_create(&id, PF_IDENTITY_HOST, NULL, NULL,
                                         err, sizeof(err)),
              0);
  TU_CHECK(id && strcmp(pf_identity_fingerprint(id), fp1) == 0);
  pf_identity_del(id);
  unsetenv("PUNKTFUNK_CONFIG_DIR");

  TU_CHECK_EQ(pf_identity_load_or_create(&id, 7, dir, NULL, err, sizeof(err)),
              PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_identity_load_or_create(NULL, 0, dir, NULL, NULL, 0),
              PF_ERR_INVALID_ARGUMENT);
}

/* Loads the host identity of |dir| expecting |want|, |msg| in the error
 * and no identity. */
static void expect_refusal(const char *dir, int want, const char *msg) {
  char err[PF_ERRMSG_BUFLEN] = "";
  pf_identity *id = (pf_identity *)1;
  int rv = pf_identity_load_or_create(&id, PF_IDENTITY_HOST, dir, NULL, err,
                                      sizeof(err));
  TU_CHECK_MSG(rv == want, "rv %d want %d (%s)", rv, want, err);
  TU_CHECK(want == 0 || id == NULL);
  TU_CHECK_MSG(strstr(err, msg) != NULL, "message \"%s\" lacks \"%s\"", err,
               msg);
  if (rv == 0)
    pf_identity_del(id);
}

static void make_identity(const char *dir) {
  pf_identity *id = NULL;
  TU_CHECK_EQ(pf_identity_load_or_create(&id, PF_IDENTITY_HOST, dir, NULL,
                                         NULL, 0),
              0);
  pf_identity_del(id);
}

static void test_refusals(void) {
  char dir[PATH_MAX];
  char key[PATH_MAX], cert[PATH_MAX], elsewhere[PATH_MAX];
  static const mode_t open_modes[] = {0644, 0640, 0604, 0620, 0602, 0700};
  size_t i;

  TU_SNPRINTF(dir, sizeof(dir), "%s", fresh("refuse"));
  make_identity(dir);
  TU_SNPRINTF(key, sizeof(key), "%s", join(dir, "key.pem"));
  TU_SNPRINTF(cert, sizeof(cert), "%s", join(dir, "cert.pem"));

  /* A key file open to group or others. */
  for (i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]); i++) {
    char want[PATH_MAX + 16];
    TU_CHECK_EQ(chmod(key, open_modes[i]), 0);
    TU_SNPRINTF(want, sizeof(want), "chmod 600 %s", key);
    expect_refusal(dir, open_modes[i] == 0700 ? 0 : -EPERM,
                   open_modes[i] == 0700 ? "" : want);
  }
  TU_CHECK_EQ(chmod(key, 0400), 0); /* read-only for the owner is fine */
  expect_refusal(dir, 0, "");
  TU_CHECK_EQ(chmod(key, 0600), 0);

  /* A symlinked key path, even to a good 0600 key. */
  TU_SNPRINTF(elsewhere, sizeof(elsewhere), "%s/real-key.pem", tmpdir);
  TU_CHECK_EQ(rename(key, elsewhere), 0);
  TU_CHECK_EQ(symlink(elsewhere, key), 0);
  expect_refusal(dir, -ELOOP, "symbolic link");
  TU_CHECK_EQ(unlink(key), 0);
  TU_CHECK_EQ(rename(elsewhere, key), 0);
  expect_refusal(dir, 0, "");

  /* Another owner. */
  if (geteuid() == 0) {
    TU_CHECK_EQ(chown(key, 65534, 65534), 0);
    expect_refusal(dir, -EPERM, "owned by uid 65534");
    TU_CHECK_EQ(chown(key, 0, 0), 0);
    TU_CHECK_EQ(chown(cert, 65534, 65534), 0);
    expect_refusal(dir, -EPERM, "owned by uid 65534");
    TU_CHECK_EQ(chown(cert, 0, 0), 0);
  } else {
    printf("test_identity: other-owner refusal skipped: needs root to chown "
           "a file to uid 65534\n");
  }
  expect_refusal(dir, 0, "");

  /* Corrupt PEM: certificate, then key. */
  {
    FILE *f;
    char good[8192];
    size_t n;
    f = fopen(cert, "r");
    n = f ? fread(good, 1, sizeof(good), f) : 0;
    if (f)
      fclose(f);
    TU_CHECK(n > 100);
    TU_CHECK_EQ(write_file(cert, "garbage\n", 8, 0644), 0);
    expect_refusal(dir, PF_ERR_MALFORMED, "not a PEM certificate");
    /* A truncated certificate. */
    TU_CHECK_EQ(write_file(cert, good, n / 2, 0644), 0);
    expect_refusal(dir, PF_ERR_MALFORMED, "not a PEM certificate");
    TU_CHECK_EQ(write_file(cert, good, n, 0644), 0);
    expect_refusal(dir, 0, "");

    f = fopen(key, "r");
    n = f ? fread(good, 1, sizeof(good), f) : 0;
    if (f)
      fclose(f);
    TU_CHECK_EQ(write_file(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n"
                                "-----END PRIVATE KEY-----\n",
                           60, 0600),
                0);
    expect_refusal(dir, PF_ERR_MALFORMED, "not an unencrypted PEM private key");
    TU_CHECK_EQ(write_file(key, good, n, 0600), 0);
    expect_refusal(dir, 0, "");
  }

  /* A key that does not belong to the certificate: the client's. */
  {
    const char *other = fresh("other");
    pf_identity *cl = NULL;
    char okey[PATH_MAX], saved[PATH_MAX];
    TU_CHECK_EQ(pf_identity_load_or_create(&cl, PF_IDENTITY_CLIENT, other,
                                           NULL, NULL, 0),
                0);
    pf_identity_del(cl);
    TU_SNPRINTF(okey, sizeof(okey), "%s", join(other, "client-key.pem"));
    TU_SNPRINTF(saved, sizeof(saved), "%s.saved", key);
    TU_CHECK_EQ(rename(key, saved), 0);
    TU_CHECK_EQ(rename(okey, key), 0);
    expect_refusal(dir, PF_ERR_MALFORMED, "does not belong to");
    TU_CHECK_EQ(rename(saved, key), 0);
  }

  /* Only one of the two files: never silently a new identity. */
  {
    char saved[PATH_MAX];
    TU_SNPRINTF(saved, sizeof(saved), "%s.saved", cert);
    TU_CHECK_EQ(rename(cert, saved), 0);
    expect_refusal(dir, PF_ERR_MALFORMED, "exists but");
    TU_CHECK_EQ(rename(saved, cert), 0);
    TU_SNPRINTF(saved, sizeof(saved), "%s.saved", key);
    TU_CHECK_EQ(rename(key, saved), 0);
    expect_refusal(dir, PF_ERR_MALFORMED, "exists but");
    TU_CHECK_EQ(rename(saved, key), 0);
  }

  /* An oversized key file is not read. */
  {
    static char big[70 * 1024];
    char saved[PATH_MAX];
    memset(big, 'A', sizeof(big));
    TU_SNPRINTF(saved, sizeof(saved), "%s.saved", key);
    TU_CHECK_EQ(rename(key, saved), 0);
    TU_CHECK_EQ(write_file(key, big, sizeof(big), 0600), 0);
    expect_refusal(dir, PF_ERR_LIMIT, "too large");
    TU_CHECK_EQ(rename(saved, key), 0);
  }
  /* A directory where the key should be. */
  {
    char saved[PATH_MAX];
    TU_SNPRINTF(saved, sizeof(saved), "%s.saved", key);
    TU_CHECK_EQ(rename(key, saved), 0);
    TU_CHECK_EQ(mkdir(key, 0700), 0);
    expect_refusal(dir, -EINVAL, "not a regular file");
    TU_CHECK_EQ(rmdir(key), 0);
    TU_CHECK_EQ(rename(saved, key), 0);
  }
  expect_refusal(dir, 0, "");
}

/* The original host's identity is RSA-2048 in cert.pem / key.pem. */
static void test_rsa_host_key(void) {
  const char *dir = fresh("rsa");
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t kpem = {NULL, 0}, cpem = {NULL, 0};
  pf_identity *id = NULL;
  char ind[65], err[PF_ERRMSG_BUFLEN];
  unsigned char serial[1] = {1};
  int ok;

  TU_CHECK_EQ(mkdir(dir, 0700), 0);
  ok = gnutls_x509_privkey_init(&key) == 0 && gnutls_x509_crt_init(&crt) == 0 &&
       gnutls_x509_privkey_generate(key, GNUTLS_PK_RSA, 2048, 0) == 0 &&
       gnutls_x509_crt_set_version(crt, 3) == 0 &&
       gnutls_x509_crt_set_serial(crt, serial, 1) == 0 &&
       gnutls_x509_crt_set_activation_time(crt, time(NULL)) == 0 &&
       gnutls_x509_crt_set_expiration_time(crt, time(NULL) + 86400) == 0 &&
       gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                     "punktfunk", 9) == 0 &&
       gnutls_x509_crt_set_key(crt, key) == 0 &&
       gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) == 0 &&
       gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
                                         GNUTLS_PKCS_PLAIN, &kpem) == 0 &&
       gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem) == 0;
  TU_CHECK(ok);
  if (ok) {
    TU_CHECK_EQ(write_file(join(dir, "key.pem"), kpem.data, kpem.size, 0600),
                0);
    TU_CHECK_EQ(write_file(join(dir, "cert.pem"), cpem.data, cpem.size, 0644),
                0);
    TU_CHECK_EQ(pf_identity_load_or_create(&id, PF_IDENTITY_HOST, dir, NULL,
                                           err, sizeof(err)),
                0);
    independent_fp((const char *)cpem.data, ind);
    TU_CHECK(id && strcmp(pf_identity_fingerprint(id), ind) == 0);
    pf_identity_del(id);
  }
  gnutls_free(kpem.data);
  gnutls_free(cpem.data);
  if (crt)
    gnutls_x509_crt_deinit(crt);
  if (key)
    gnutls_x509_privkey_deinit(key);
}

/* Two processes creating at once end with one identity. */
static void test_concurrent_create(void) {
  const char *dir = fresh("race");
  int fds[2][2], i, status;
  pid_t pid[2];
  char fp[2][65];

  for (i = 0; i < 2; i++) {
    TU_CHECK_EQ(pipe(fds[i]), 0);
    pid[i] = fork();
    if (pid[i] == 0) {
      pf_identity *id = NULL;
      const char *f = "";
      close(fds[i][0]);
      if (pf_identity_load_or_create(&id, PF_IDENTITY_CLIENT, dir, NULL, NULL,
                                     0) == 0)
        f = pf_identity_fingerprint(id);
      if (write(fds[i][1], f, strlen(f)) < 0)
        _exit(2);
      _exit(0);
    }
    close(fds[i][1]);
  }
  for (i = 0; i < 2; i++) {
    ssize_t n = read(fds[i][0], fp[i], 64);
    fp[i][n > 0 ? n : 0] = '\0';
    close(fds[i][0]);
    waitpid(pid[i], &status, 0);
    TU_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  TU_CHECK(is_fp(fp[0]) && strcmp(fp[0], fp[1]) == 0);
  TU_CHECK_EQ(count_entries(dir), 2);
}

static void test_alloc_failures(void) {
  char dir[PATH_MAX];
  pf_identity *id;
  tu_alloc a;
  size_t n, total;
  int rv;

  TU_SNPRINTF(dir, sizeof(dir), "%s", fresh("alloc"));
  /* Creating. */
  tu_alloc_init(&a);
  TU_CHECK_EQ(pf_identity_load_or_create(&id, PF_IDENTITY_HOST, dir, &a.mem,
                                         NULL, 0),
              0);
  pf_identity_del(id);
  TU_CHECK_EQ(a.live, 0);
  total = a.allocs;
  TU_CHECK(total >= 3);
  for (n = 1; n <= total; n++) {
    const char *d2 = fresh("alloc2");
    tu_alloc_init(&a);
    a.fail_at = n;
    id = (pf_identity *)1;
    rv = pf_identity_load_or_create(&id, PF_IDENTITY_HOST, d2, &a.mem, NULL,
                                    0);
    TU_CHECK_MSG(rv == PF_ERR_NOMEM, "create, allocation %zu: rv %d", n, rv);
    TU_CHECK(id == NULL);
    TU_CHECK_EQ(a.live, 0);
    TU_CHECK(count_entries(d2) <= 0); /* nothing half-written */
  }
  /* Loading. */
  tu_alloc_init(&a);
  TU_CHECK_EQ(pf_identity_load_or_create(&id, PF_IDENTITY_HOST, dir, &a.mem,
                                         NULL, 0),
              0);
  pf_identity_del(id);
  total = a.allocs;
  for (n = 1; n <= total; n++) {
    tu_alloc_init(&a);
    a.fail_at = n;
    id = (pf_identity *)1;
    rv = pf_identity_load_or_create(&id, PF_IDENTITY_HOST, dir, &a.mem, NULL,
                                    0);
    TU_CHECK_MSG(rv == PF_ERR_NOMEM, "load, allocation %zu: rv %d", n, rv);
    TU_CHECK(id == NULL);
    TU_CHECK_EQ(a.live, 0);
  }
}

int main(void) {
  const char *t = getenv("TMPDIR");

  TU_SNPRINTF(tmpdir, sizeof(tmpdir), "%s/pf-identity-XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return T_EXIT_FAIL;
  }
  test_fingerprint_known();
  test_fingerprint_compare();
  test_config_dir();
  test_create_and_reload();
  test_refusals();
  test_rsa_host_key();
  test_concurrent_create();
  test_alloc_failures();
  tu_rm_rf(tmpdir);
  return tu_finish("test_identity");
}
