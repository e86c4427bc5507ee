/*
 * cli_key.c -- data-plane key files (see cli.h): created 0600 with
 * O_EXCL | O_NOFOLLOW, never overwritten or followed through a link; read
 * only when a regular file of this user that nobody else may read or
 * write (ssh's rule).  Key material is wiped from every buffer it
 * passed through.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

static void hex_encode(char *out, const uint8_t *in, size_t n) {
  static const char hx[] = "0123456789abcdef";
  size_t i;

  for (i = 0; i < n; i++) {
    out[2 * i] = hx[in[i] >> 4];
    out[2 * i + 1] = hx[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hex_val(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes exactly |n| bytes of hex from |s| (NUL-terminated). */
static int hex_decode(uint8_t *out, const char *s, size_t n) {
  size_t i;

  if (strlen(s) != 2 * n)
    return -1;
  for (i = 0; i < n; i++) {
    int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

static uint32_t aead_key_len(uint32_t aead) {
  return aead == PF_AEAD_CHACHA20POLY1305 ? PF_AEAD_CHACHA20POLY1305_KEYBYTES
                                          : PF_AEAD_AES128GCM_KEYBYTES;
}

int cli_key_generate(const char *path, uint32_t aead) {
  struct cli_key k;
  char line[160], hk[65], hs[9];
  size_t got = 0;
  int fd, n, rv = -1;

  memset(&k, 0, sizeof(k));
  k.key_len = aead_key_len(aead);
  {
    uint8_t rnd[36];
    size_t need = k.key_len + 4;
    while (got < need) {
      ssize_t r = getrandom(rnd + got, need - got, 0);
      if (r < 0) {
        if (errno == EINTR)
          continue;
        cli_error("cannot get random bytes: %s", strerror(errno));
        cli_wipe(rnd, sizeof(rnd));
        return -1;
      }
      got += (size_t)r;
    }
    memcpy(k.key, rnd, k.key_len);
    memcpy(k.salt, rnd + k.key_len, 4);
    cli_wipe(rnd, sizeof(rnd));
  }
  hex_encode(hk, k.key, k.key_len);
  hex_encode(hs, k.salt, 4);
  n = snprintf(line, sizeof(line), "%s %s %s %s\n", CLI_KEY_MAGIC,
               cli_aead_name(aead), hk, hs);
  /* O_EXCL: never overwrite, and never follow a symbolic link (not even
   * a dangling one) to create the file elsewhere; O_NOFOLLOW says so
   * twice. */
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    struct stat lst;
    int e = errno;

    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
      cli_error("cannot create key file '%s': it is a symbolic link (not "
                "followed; remove it or give another name)",
                path);
    else if (e == EEXIST)
      cli_error("cannot create key file '%s': it exists (a key file is never "
                "overwritten; remove it or give another name)",
                path);
    else
      cli_error("cannot create key file '%s': %s", path, strerror(e));
    goto out;
  }
  if (cli_write_all(fd, line, (size_t)n) != 0 || fsync(fd) != 0) {
    cli_error("cannot write key file '%s': %s", path, strerror(errno));
    close(fd);
    unlink(path);
    goto out;
  }
  if (close(fd) != 0) {
    cli_error("cannot write key file '%s': %s", path, strerror(errno));
    unlink(path);
    goto out;
  }
  rv = 0;
out:
  cli_wipe(&k, sizeof(k));
  cli_wipe(line, sizeof(line));
  cli_wipe(hk, sizeof(hk));
  return rv;
}

int cli_key_read(const char *path, struct cli_key *k) {
  char buf[256], *f[5], *save = NULL, *p;
  struct stat st;
  ssize_t n;
  int fd, nf = 0, rv = -1;

  memset(k, 0, sizeof(*k));
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    cli_error("cannot open key file '%s': %s", path, strerror(errno));
    return -1;
  }
  /* ssh's rule for private keys, checked on the file opened (no race
   * with a rename): a regular file of this user that nobody else may
   * read or write. */
  if (fstat(fd, &st) != 0) {
    cli_error("cannot read key file '%s': %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    cli_error("key file '%s' is not a regular file", path);
    close(fd);
    return -1;
  }
  if (st.st_uid != geteuid()) {
    cli_error("key file '%s' is owned by uid %u, not by this user (uid %u): "
              "refused; give it to this user (chown) and chmod 600 it",
              path, (unsigned)st.st_uid, (unsigned)geteuid());
    close(fd);
    return -1;
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    cli_error("key file '%s' is accessible by group or others (mode %03o): "
              "refused; chmod 600 it",
              path, (unsigned)(st.st_mode & 0777));
    close(fd);
    return -1;
  }
  n = cli_read_full(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n < 0) {
    cli_error("cannot read key file '%s': %s", path, strerror(errno));
    return -1;
  }
  buf[n] = '\0';
  for (p = strtok_r(buf, " \t\r\n", &save); p && nf < 5;
       p = strtok_r(NULL, " \t\r\n", &save))
    f[nf++] = p;
  if (nf != 4 || strcmp(f[0], CLI_KEY_MAGIC) != 0) {
    cli_error("key file '%s' is not a %s key file (expected one line '%s "
              "AEAD HEXKEY HEXSALT')",
              path, CLI_KEY_MAGIC, CLI_KEY_MAGIC);
    goto out;
  }
  if (strcmp(f[1], "aes128gcm") == 0)
    k->aead = PF_AEAD_AES128GCM;
  else if (strcmp(f[1], "chacha20poly1305") == 0)
    k->aead = PF_AEAD_CHACHA20POLY1305;
  else {
    cli_error("key file '%s': unknown aead '%s'", path, f[1]);
    goto out;
  }
  k->key_len = aead_key_len(k->aead);
  if (hex_decode(k->key, f[2], k->key_len) != 0 ||
      hex_decode(k->salt, f[3], 4) != 0) {
    cli_error("key file '%s': bad key or salt (expected %u and 4 bytes of "
              "hex)",
              path, k->key_len);
    goto out;
  }
  rv = 0;
out:
  cli_wipe(buf, sizeof(buf));
  if (rv != 0)
    cli_wipe(k, sizeof(*k));
  return rv;
}

