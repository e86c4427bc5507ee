/*
 * test_trust.c -- the known-hosts and authorized-clients files
 * (lib/ctl/pf_trust.c): unknown / match / mismatch with line numbers,
 * IPv6 and name canonicalisation, comments, malformed and overlong
 * lines, the size bound, refusals, atomic and concurrent appends,
 * authorized clients add / remove / list, allocation failures.
 */
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

#include "ctl/pf_trust.h"
#include "testutil.h"

static const char FP1[] =
    "1111111111111111111111111111111111111111111111111111111111111111";
static const char FP2[] =
    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
static const char FP3[] =
    "3333333333333333333333333333333333333333333333333333333333333333";

static char tmpdir[PATH_MAX];
static char err[PF_ERRMSG_BUFLEN];

/* Log lines captured from the library. */
static char logbuf[8192];
static void log_cb(int level, const char *msg, void *ud) {
  (void)level;
  (void)ud;
  if (strlen(logbuf) + strlen(msg) + 2 < sizeof(logbuf)) {
    strcat(logbuf, msg);
    strcat(logbuf, "\n");
  }
}

static void path_in(char *buf, size_t len, const char *name) {
  TU_SNPRINTF(buf, len, "%s/%s", tmpdir, name);
  unlink(buf);
}

static int write_file(const char *path, const char *data, size_t len,
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

/* Reads |path| into a static buffer ("" if missing). */
static const char *slurp(const char *path) {
  static char buf[2][64 * 1024];
  static int i;
  FILE *f = fopen(path, "r");
  size_t n = 0;
  i ^= 1;
  if (f) {
    n = fread(buf[i], 1, sizeof(buf[i]) - 1, f);
    fclose(f);
  }
  buf[i][n] = '\0';
  return buf[i];
}

static pf_known_host lookup(const char *path, const char *host, uint16_t port,
                            const char *fp, int want_rv) {
  pf_known_host r;
  int rv;
  memset(&r, 0xa5, sizeof(r));
  r.struct_size = sizeof(r);
  rv = pf_known_hosts_lookup(path, host, port, fp, &r, NULL, err, sizeof(err));
  TU_CHECK_MSG(rv == want_rv, "lookup %s:%u: rv %d (%s)", host,
               (unsigned)port, rv, err);
  return r;
}

static void test_known_hosts_basic(void) {
  char path[PATH_MAX], before[4096];
  pf_known_host r;
  struct stat st, st2;
  int rv;

  path_in(path, sizeof(path), "kh/known_hosts");
  TU_SNPRINTF(before, sizeof(before), "%s/kh", tmpdir);
  rmdir(before);
  /* No file yet: unknown. */
  r = lookup(path, "127.0.0.1", 9777, FP1, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_UNKNOWN);
  TU_CHECK_EQ(r.line, 0);
  TU_CHECK_EQ(r.malformed_lines, 0);
  TU_CHECK(strcmp(r.entry, "127.0.0.1:9777") == 0);

  /* First use records; the file (and its directory) are created 0600. */
  rv = pf_known_hosts_add(path, "127.0.0.1", 9777, FP1, NULL, err, sizeof(err));
  TU_CHECK_MSG(rv == 0, "%s", err);
  TU_CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
  TU_CHECK(stat(before, &st) == 0 && (st.st_mode & 07777) == 0700);
  TU_CHECK(strstr(slurp(path), "\n127.0.0.1:9777 " /* line 2 */) != NULL);
  r = lookup(path, "127.0.0.1", 9777, FP1, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MATCH);
  TU_CHECK_EQ(r.line, 2); /* line 1 is the header comment */
  TU_CHECK(strcmp(r.stored_fingerprint, FP1) == 0);
  /* Another fingerprint: mismatch, naming the stored one and its line. */
  r = lookup(path, "127.0.0.1", 9777, FP2, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MISMATCH);
  TU_CHECK_EQ(r.line, 2);
  TU_CHECK(strcmp(r.stored_fingerprint, FP1) == 0);
  /* Another port is another host. */
  r = lookup(path, "127.0.0.1", 9778, FP2, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_UNKNOWN);
  /* Upper-case fingerprints compare equal. */
  {
    char up[65];
    size_t i;
    for (i = 0; i < 65; i++)
      up[i] = (FP2[i] >= 'a' && FP2[i] <= 'f') ? (char)(FP2[i] - 32) : FP2[i];
    TU_CHECK_EQ(pf_known_hosts_add(path, "Host.Example", 1, up, NULL, err,
                                   sizeof(err)),
                0);
    r = lookup(path, "host.EXAMPLE", 1, FP2, 0);
    TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MATCH);
    TU_CHECK_EQ(r.line, 3);
    TU_CHECK(strstr(slurp(path), "host.example:1 " "abcdef") != NULL);
  }

  /* Recording the same again changes nothing; a different one is
   * refused, naming the line, and changes nothing. */
  TU_SNPRINTF(before, sizeof(before), "%s", slurp(path));
  TU_CHECK(stat(path, &st) == 0);
  TU_CHECK_EQ(pf_known_hosts_add(path, "127.0.0.1", 9777, FP1, NULL, err,
                                 sizeof(err)),
              0);
  TU_CHECK(strcmp(before, slurp(path)) == 0);
  rv = pf_known_hosts_add(path, "127.0.0.1", 9777, FP3, NULL, err,
                          sizeof(err));
  TU_CHECK_EQ(rv, -EEXIST);
  TU_CHECK_MSG(strstr(err, "line 2") && strstr(err, FP1), "%s", err);
  TU_CHECK(strcmp(before, slurp(path)) == 0);

  /* The append replaced the file (a new inode: written beside it and
   * renamed over it), and left no temporary file. */
  TU_CHECK_EQ(pf_known_hosts_add(path, "10.0.0.1", 22, FP3, NULL, err,
                                 sizeof(err)),
              0);
  TU_CHECK(stat(path, &st2) == 0 && st2.st_ino != st.st_ino);
  TU_CHECK((st2.st_mode & 07777) == 0600);
  {
    char dir[PATH_MAX];
    DIR *d;
    struct dirent *e;
    int n = 0;
    TU_SNPRINTF(dir, sizeof(dir), "%s/kh", tmpdir);
    d = opendir(dir);
    while (d && (e = readdir(d)) != NULL)
      n += e->d_name[0] != '.';
    if (d)
      closedir(d);
    TU_CHECK_EQ(n, 1);
  }
  TU_CHECK(strncmp(slurp(path), before, strlen(before)) == 0);

  /* Bad input. */
  r.struct_size = sizeof(r);
  TU_CHECK_EQ(pf_known_hosts_lookup(path, "bad host", 1, FP1, &r, NULL, err,
                                    sizeof(err)),
              PF_ERR_MALFORMED);
  TU_CHECK_EQ(pf_known_hosts_lookup(path, "h", 0, FP1, &r, NULL, err,
                                    sizeof(err)),
              PF_ERR_MALFORMED);
  TU_CHECK_EQ(pf_known_hosts_lookup(path, "h", 1, "abc", &r, NULL, err,
                                    sizeof(err)),
              PF_ERR_MALFORMED);
  TU_CHECK_EQ(pf_known_hosts_add(path, "h", 1, "xyz", NULL, err, sizeof(err)),
              PF_ERR_MALFORMED);
  r.struct_size = 4;
  TU_CHECK_EQ(pf_known_hosts_lookup(path, "h", 1, FP1, &r, NULL, err,
                                    sizeof(err)),
              PF_ERR_ABI);
}

static void test_known_hosts_ipv6(void) {
  char path[PATH_MAX];
  pf_known_host r;

  path_in(path, sizeof(path), "kh6");
  TU_CHECK_EQ(pf_known_hosts_add(path, "::1", 9777, FP1, NULL, err,
                                 sizeof(err)),
              0);
  TU_CHECK(strstr(slurp(path), "\n[::1]:9777 1111") != NULL);
  r = lookup(path, "[::1]", 9777, FP1, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MATCH);
  TU_CHECK(strcmp(r.entry, "[::1]:9777") == 0);
  r = lookup(path, "0:0:0:0:0:0:0:1", 9777, FP1, 0); /* same address */
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MATCH);
  r = lookup(path, "::2", 9777, FP1, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_UNKNOWN);
  TU_CHECK_EQ(pf_known_hosts_add(path, "[FE80::ABCD]", 443, FP2, NULL, err,
                                 sizeof(err)),
              0);
  TU_CHECK(strstr(slurp(path), "\n[fe80::abcd]:443 abcd") != NULL);
  r = lookup(path, "fe80:0::abcd", 443, FP1, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MISMATCH);
  TU_CHECK_EQ(r.line, 3);
  TU_CHECK(strcmp(r.stored_fingerprint, FP2) == 0);
  /* Brackets around something that is not IPv6, a zone id. */
  lookup(path, "[1.2.3.4]", 1, FP1, PF_ERR_MALFORMED);
  lookup(path, "fe80::1%eth0", 1, FP1, PF_ERR_MALFORMED);
}

static void test_known_hosts_malformed(void) {
  char path[PATH_MAX], text[8192], longline[2100];
  pf_known_host r;
  size_t i;

  for (i = 0; i < sizeof(longline) - 1; i++)
    longline[i] = 'a';
  longline[sizeof(longline) - 1] = '\0';
  path_in(path, sizeof(path), "khbad");
  TU_SNPRINTF(
      text, sizeof(text),
      "# comment\n"                         /* 1 */
      "\n"                                  /* 2 */
      "   # indented comment\n"             /* 3 */
      "nohostport %s\n"                     /* 4: no port */
      "h:0 %s\n"                            /* 5: port 0 */
      "h:70000 %s\n"                        /* 6: port too big */
      "::1:9777 %s\n"                       /* 7: IPv6 without brackets */
      "h:1 1234\n"                          /* 8: short fingerprint */
      "h:1\n"                               /* 9: no fingerprint */
      "%s:1 %s\n"                           /* 10: overlong line */
      "[::1:1 %s\n"                         /* 11: unclosed bracket */
      "h:+1 %s\n"                           /* 12: sign in port */
      "  good.example:9777\t%s  reserved\r\n" /* 13: good (CRLF, tab, extra) */
      "good.example:9777 %s\n"              /* 14: a second, other key */
      "[::1]:9777 %s",                      /* 15: good, no newline at end */
      FP1, FP1, FP1, FP1, longline, FP1, FP1, FP1, FP2, FP3, FP3);
  TU_CHECK_EQ(write_file(path, text, strlen(text), 0600), 0);
  logbuf[0] = '\0';
  r = lookup(path, "good.example", 9777, FP2, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MATCH);
  TU_CHECK_EQ(r.line, 13);
  TU_CHECK_EQ(r.malformed_lines, 9);
  TU_CHECK_EQ(r.first_malformed_line, 4);
  /* Each malformed line is logged with its number. */
  {
    static const int bad[] = {4, 5, 6, 7, 8, 9, 10, 11, 12};
    char want[PATH_MAX + 32];
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
      TU_SNPRINTF(want, sizeof(want), "%s:%d: ", path, bad[i]);
      TU_CHECK_MSG(strstr(logbuf, want) != NULL, "no log for line %d",
                   bad[i]);
    }
    TU_CHECK(strstr(logbuf, "line too long") != NULL);
    TU_SNPRINTF(want, sizeof(want), "%s:13: ", path);
    TU_CHECK(strstr(logbuf, want) == NULL);
  }
  /* The second line for the same host is a different key: a lookup of
   * it matches line 14; a third key mismatches against line 13. */
  r = lookup(path, "good.example", 9777, FP3, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MATCH);
  TU_CHECK_EQ(r.line, 14);
  r = lookup(path, "good.example", 9777, FP1, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MISMATCH);
  TU_CHECK_EQ(r.line, 13);
  TU_CHECK(strcmp(r.stored_fingerprint, FP2) == 0);
  r = lookup(path, "::1", 9777, FP3, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MATCH);
  TU_CHECK_EQ(r.line, 15);
  /* Appending after a last line without newline keeps it whole. */
  TU_CHECK_EQ(pf_known_hosts_add(path, "new.example", 5, FP1, NULL, err,
                                 sizeof(err)),
              0);
  r = lookup(path, "::1", 9777, FP3, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MATCH);
  r = lookup(path, "new.example", 5, FP1, 0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MATCH);
  TU_CHECK_EQ(r.line, 16);
  TU_CHECK(strncmp(slurp(path), text, strlen(text)) == 0);

  /* A NUL byte inside a line. */
  {
    static const char withnul[] = "a:1 \0xx\nb:2 ";
    char buf[256];
    memcpy(buf, withnul, sizeof(withnul) - 1);
    TU_SNPRINTF(buf + sizeof(withnul) - 1, 80, "%s\n", FP1);
    TU_CHECK_EQ(write_file(path, buf, sizeof(withnul) - 1 + 65, 0600), 0);
    r = lookup(path, "b", 2, FP1, 0);
    TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MATCH);
    TU_CHECK_EQ(r.line, 2);
    TU_CHECK_EQ(r.malformed_lines, 1);
  }
  /* Only garbage: every line malformed, still no crash. */
  {
    char junk[4096];
    for (i = 0; i < sizeof(junk); i++)
      junk[i] = (char)(i * 131 + 7);
    TU_CHECK_EQ(write_file(path, junk, sizeof(junk), 0600), 0);
    r = lookup(path, "b", 2, FP1, 0);
    TU_CHECK_EQ(r.status, PF_KNOWN_HOST_UNKNOWN);
  }
}

static void test_file_refusals(void) {
  char path[PATH_MAX], link[PATH_MAX];
  pf_known_host r;
  int rv;

  path_in(path, sizeof(path), "khperm");
  TU_CHECK_EQ(pf_known_hosts_add(path, "h", 1, FP1, NULL, err, sizeof(err)),
              0);
  /* Writable by others: refused, naming chmod 600. */
  TU_CHECK_EQ(chmod(path, 0666), 0);
  r.struct_size = sizeof(r);
  rv = pf_known_hosts_lookup(path, "h", 1, FP1, &r, NULL, err, sizeof(err));
  TU_CHECK_EQ(rv, -EPERM);
  TU_CHECK_MSG(strstr(err, "chmod 600") != NULL, "%s", err);
  TU_CHECK_EQ(pf_known_hosts_add(path, "h2", 1, FP1, NULL, err, sizeof(err)),
              -EPERM);
  TU_CHECK_EQ(chmod(path, 0620), 0);
  TU_CHECK_EQ(pf_authorized_clients_lookup(path, FP1, NULL, NULL, err,
                                           sizeof(err)),
              -EPERM);
  /* Readable by others is fine for a trust file (it holds no secret). */
  TU_CHECK_EQ(chmod(path, 0644), 0);
  TU_CHECK_EQ(pf_known_hosts_lookup(path, "h", 1, FP1, &r, NULL, err,
                                    sizeof(err)),
              0);
  TU_CHECK_EQ(r.status, PF_KNOWN_HOST_MATCH);
  /* A symlink is never followed. */
  path_in(link, sizeof(link), "khlink");
  TU_CHECK_EQ(symlink(path, link), 0);
  rv = pf_known_hosts_lookup(link, "h", 1, FP1, &r, NULL, err, sizeof(err));
  TU_CHECK_EQ(rv, -ELOOP);
  TU_CHECK_MSG(strstr(err, "symbolic link") != NULL, "%s", err);
  /* Another owner. */
  if (geteuid() == 0) {
    TU_CHECK_EQ(chown(path, 65534, 65534), 0);
    rv = pf_known_hosts_lookup(path, "h", 1, FP1, &r, NULL, err, sizeof(err));
    TU_CHECK_EQ(rv, -EPERM);
    TU_CHECK(strstr(err, "owned by uid 65534") != NULL);
    TU_CHECK_EQ(chown(path, 0, 0), 0);
  } else {
    printf("test_trust: other-owner refusal skipped: needs root to chown a "
           "file to uid 65534\n");
  }
  /* Over 1 MiB: refused, not read. */
  {
    size_t n = PF_TRUST_MAX_FILE_BYTES + 1;
    char *big = malloc(n);
    TU_CHECK(big != NULL);
    if (big) {
      memset(big, '#', n);
      TU_CHECK_EQ(write_file(path, big, n, 0600), 0);
      free(big);
      rv = pf_known_hosts_lookup(path, "h", 1, FP1, &r, NULL, err,
                                 sizeof(err));
      TU_CHECK_EQ(rv, PF_ERR_LIMIT);
      TU_CHECK(strstr(err, "too large") != NULL);
    }
  }
}

/* Four processes append five hosts each at once; none is lost. */
static void test_concurrent_append(void) {
  char path[PATH_MAX], host[32];
  pf_known_host r;
  pid_t pid[4];
  int i, j, status;

  path_in(path, sizeof(path), "khrace");
  for (i = 0; i < 4; i++) {
    pid[i] = fork();
    if (pid[i] == 0) {
      int bad = 0;
      for (j = 0; j < 5; j++) {
        TU_SNPRINTF(host, sizeof(host), "h%d-%d", i, j);
        bad |= pf_known_hosts_add(path, host, 1, FP1, NULL, NULL, 0) != 0;
      }
      _exit(bad);
    }
  }
  for (i = 0; i < 4; i++) {
    waitpid(pid[i], &status, 0);
    TU_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  for (i = 0; i < 4; i++)
    for (j = 0; j < 5; j++) {
      TU_SNPRINTF(host, sizeof(host), "h%d-%d", i, j);
      r = lookup(path, host, 1, FP1, 0);
      TU_CHECK_MSG(r.status == PF_KNOWN_HOST_MATCH, "%s lost", host);
    }
}

typedef struct listed {
  int n;
  char fp[8][65];
  char name[8][65];
  size_t line[8];
  int stop_at;
} listed;

static int list_cb(const pf_authorized_client *c, void *ud) {
  listed *l = ud;
  if (l->stop_at && l->n + 1 == l->stop_at)
    return 1;
  if (l->n < 8) {
    memcpy(l->fp[l->n], c->fingerprint, 65);
    TU_SNPRINTF(l->name[l->n], 65, "%s", c->name);
    l->line[l->n] = c->line;
  }
  l->n++;
  return 0;
}

static void test_authorized_clients(void) {
  char path[PATH_MAX], text[4096], before[4096];
  pf_authorized_client c;
  listed l;
  int rv;

  path_in(path, sizeof(path), "ac/authorized_clients");
  /* Missing file: nobody is admitted. */
  TU_CHECK_EQ(pf_authorized_clients_lookup(path, FP1, NULL, NULL, err,
                                           sizeof(err)),
              0);
  memset(&l, 0, sizeof(l));
  TU_CHECK_EQ(pf_authorized_clients_list(path, list_cb, &l, NULL, err,
                                         sizeof(err)),
              0);
  rv = pf_authorized_clients_add(path, FP1, "laptop", NULL, err, sizeof(err));
  TU_CHECK_MSG(rv == 0, "%s", err);
  {
    struct stat st;
    TU_CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
  }
  TU_CHECK_EQ(pf_authorized_clients_add(path, FP2, NULL, NULL, err,
                                        sizeof(err)),
              0);
  TU_CHECK_EQ(pf_authorized_clients_add(path, FP1, "again", NULL, err,
                                        sizeof(err)),
              -EEXIST);
  TU_CHECK(strstr(err, "line 2") != NULL);
  memset(&c, 0, sizeof(c));
  c.struct_size = sizeof(c);
  TU_CHECK_EQ(pf_authorized_clients_lookup(path, FP1, &c, NULL, err,
                                           sizeof(err)),
              1);
  TU_CHECK(strcmp(c.name, "laptop") == 0 && strcmp(c.fingerprint, FP1) == 0);
  TU_CHECK_EQ(c.line, 2);
  TU_CHECK_EQ(pf_authorized_clients_lookup(path, FP2, &c, NULL, err,
                                           sizeof(err)),
              1);
  TU_CHECK(c.name[0] == '\0' && c.line == 3);
  TU_CHECK_EQ(pf_authorized_clients_lookup(path, FP3, &c, NULL, err,
                                           sizeof(err)),
              0);

  /* Names: too long, control characters, a leading '+' or '#'. */
  {
    char longname[PF_CLIENT_NAME_MAX + 2];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    TU_CHECK_EQ(pf_authorized_clients_add(path, FP3, longname, NULL, err,
                                          sizeof(err)),
                PF_ERR_MALFORMED);
    longname[PF_CLIENT_NAME_MAX] = '\0'; /* exactly 64 bytes: fine */
    TU_CHECK_EQ(pf_authorized_clients_add(path, FP3, longname, NULL, err,
                                          sizeof(err)),
                0);
    TU_CHECK_EQ(pf_authorized_clients_remove(path, FP3, NULL, err,
                                             sizeof(err)),
                1);
  }
  TU_CHECK_EQ(pf_authorized_clients_add(path, FP3, "a\nb", NULL, err,
                                        sizeof(err)),
              PF_ERR_MALFORMED);
  TU_CHECK_EQ(pf_authorized_clients_add(path, FP3, "+x", NULL, err,
                                        sizeof(err)),
              PF_ERR_MALFORMED);
  TU_CHECK_EQ(pf_authorized_clients_add(path, "nope", "x", NULL, err,
                                        sizeof(err)),
              PF_ERR_MALFORMED);

  /* A hand-edited file: comments, attributes the pairing issue may add,
   * upper-case digits, malformed lines; remove keeps every other line
   * byte for byte. */
  TU_SNPRINTF(text, sizeof(text),
                   "# header\n"
                   "%s Living room TV\n"                       /* 2 */
                   "not-a-fingerprint name\n"                  /* 3 */
                   "%s +paired=1700000000 +via=pin Phone  \n"  /* 4 */
                   "\n"
                   "%s \x01" "ctl\n"                           /* 6: bad */
                   "%s\n",                                     /* 7 */
                   FP1, "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
                   FP3, FP3);
  TU_CHECK_EQ(write_file(path, text, strlen(text), 0600), 0);
  memset(&l, 0, sizeof(l));
  logbuf[0] = '\0';
  rv = pf_authorized_clients_list(path, list_cb, &l, NULL, err, sizeof(err));
  TU_CHECK_EQ(rv, 3);
  TU_CHECK(strcmp(l.name[0], "Living room TV") == 0 && l.line[0] == 2);
  TU_CHECK(strcmp(l.fp[1], FP2) == 0 && strcmp(l.name[1], "Phone") == 0 &&
           l.line[1] == 4);
  TU_CHECK(strcmp(l.fp[2], FP3) == 0 && l.name[2][0] == '\0' &&
           l.line[2] == 7);
  TU_CHECK(strstr(logbuf, ":3: ") != NULL && strstr(logbuf, ":6: ") != NULL);
  memset(&l, 0, sizeof(l));
  l.stop_at = 2;
  TU_CHECK_EQ(pf_authorized_clients_list(path, list_cb, &l, NULL, err,
                                         sizeof(err)),
              PF_ERR_CALLBACK_FAILURE);
  TU_CHECK_EQ(l.n, 1);

  TU_SNPRINTF(before, sizeof(before), "%s", text);
  rv = pf_authorized_clients_remove(path, FP2, NULL, err, sizeof(err));
  TU_CHECK_MSG(rv == 1, "rv %d: %s", rv, err);
  {
    /* Exactly line 4 is gone. */
    char want[4096];
    const char *l4 = strstr(before, "ABCDEF");
    const char *l5 = strchr(l4, '\n') + 1;
    TU_SNPRINTF(want, sizeof(want), "%.*s%s", (int)(l4 - before), before,
                     l5);
    TU_CHECK_MSG(strcmp(slurp(path), want) == 0, "after remove:\n%s",
                 slurp(path));
  }
  TU_CHECK_EQ(pf_authorized_clients_lookup(path, FP2, NULL, NULL, err,
                                           sizeof(err)),
              0);
  TU_CHECK_EQ(pf_authorized_clients_remove(path, FP2, NULL, err, sizeof(err)),
              -ENOENT);
  TU_CHECK_EQ(pf_authorized_clients_lookup(path, FP1, NULL, NULL, err,
                                           sizeof(err)),
              1);
  c.struct_size = 3;
  TU_CHECK_EQ(pf_authorized_clients_lookup(path, FP1, &c, NULL, err,
                                           sizeof(err)),
              PF_ERR_ABI);
  TU_CHECK_EQ(pf_authorized_clients_list(path, NULL, NULL, NULL, err,
                                         sizeof(err)),
              PF_ERR_INVALID_ARGUMENT);
}

static void test_alloc_failures(void) {
  char path[PATH_MAX], ac[PATH_MAX], snap[4096];
  pf_known_host r;
  tu_alloc a;
  size_t n, total;
  int rv;

  path_in(path, sizeof(path), "khalloc");
  path_in(ac, sizeof(ac), "acalloc");
  TU_CHECK_EQ(pf_known_hosts_add(path, "h", 1, FP1, NULL, err, sizeof(err)),
              0);
  TU_CHECK_EQ(pf_authorized_clients_add(ac, FP1, "x", NULL, err, sizeof(err)),
              0);

  /* lookup */
  tu_alloc_init(&a);
  r.struct_size = sizeof(r);
  TU_CHECK_EQ(pf_known_hosts_lookup(path, "h", 1, FP1, &r, &a.mem, NULL, 0),
              0);
  TU_CHECK(a.allocs >= 1 && a.live == 0);
  tu_alloc_init(&a);
  a.fail_at = 1;
  TU_CHECK_EQ(pf_known_hosts_lookup(path, "h", 1, FP1, &r, &a.mem, NULL, 0),
              PF_ERR_NOMEM);
  TU_CHECK_EQ(a.live, 0);

  /* add: each failure leaves the file as it was */
  tu_alloc_init(&a);
  TU_SNPRINTF(snap, sizeof(snap), "%s", slurp(path));
  TU_CHECK_EQ(pf_known_hosts_add(path, "h2", 1, FP1, &a.mem, NULL, 0), 0);
  total = a.allocs;
  TU_CHECK(total >= 2 && a.live == 0);
  TU_SNPRINTF(snap, sizeof(snap), "%s", slurp(path));
  for (n = 1; n <= total; n++) {
    tu_alloc_init(&a);
    a.fail_at = n;
    rv = pf_known_hosts_add(path, "h3", 1, FP1, &a.mem, NULL, 0);
    TU_CHECK_MSG(rv == PF_ERR_NOMEM, "add, allocation %zu: rv %d", n, rv);
    TU_CHECK_EQ(a.live, 0);
    TU_CHECK(strcmp(snap, slurp(path)) == 0);
  }

  /* authorized clients: add, remove, lookup, list */
  tu_alloc_init(&a);
  TU_CHECK_EQ(pf_authorized_clients_remove(ac, FP1, &a.mem, NULL, 0), 1);
  total = a.allocs;
  TU_CHECK_EQ(pf_authorized_clients_add(ac, FP1, "x", NULL, NULL, 0), 0);
  TU_SNPRINTF(snap, sizeof(snap), "%s", slurp(ac));
  for (n = 1; n <= total; n++) {
    tu_alloc_init(&a);
    a.fail_at = n;
    rv = pf_authorized_clients_remove(ac, FP1, &a.mem, NULL, 0);
    TU_CHECK_MSG(rv == PF_ERR_NOMEM, "remove, allocation %zu: rv %d", n, rv);
    TU_CHECK_EQ(a.live, 0);
    TU_CHECK(strcmp(snap, slurp(ac)) == 0);
  }
  tu_alloc_init(&a);
  a.fail_at = 1;
  TU_CHECK_EQ(pf_authorized_clients_add(ac, FP2, "y", &a.mem, NULL, 0),
              PF_ERR_NOMEM);
  tu_alloc_init(&a);
  a.fail_at = 2;
  TU_CHECK_EQ(pf_authorized_clients_add(ac, FP2, "y", &a.mem, NULL, 0),
              PF_ERR_NOMEM);
  TU_CHECK_EQ(a.live, 0);
  TU_CHECK(strcmp(snap, slurp(ac)) == 0);
  tu_alloc_init(&a);
  a.fail_at = 1;
  TU_CHECK_EQ(pf_authorized_clients_lookup(ac, FP1, NULL, &a.mem, NULL, 0),
              PF_ERR_NOMEM);
  {
    listed l;
    memset(&l, 0, sizeof(l));
    tu_alloc_init(&a);
    a.fail_at = 1;
    TU_CHECK_EQ(pf_authorized_clients_list(ac, list_cb, &l, &a.mem, NULL, 0),
                PF_ERR_NOMEM);
  }
  TU_CHECK_EQ(a.live, 0);
}

int main(void) {
  const char *t = getenv("TMPDIR");

  TU_SNPRINTF(tmpdir, sizeof(tmpdir), "%s/pf-trust-XXXXXX",
                   t && *t ? t : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return T_EXIT_FAIL;
  }
  pf_log_set_callback(log_cb, PF_LOG_WARN, NULL);
  test_known_hosts_basic();
  test_known_hosts_ipv6();
  test_known_hosts_malformed();
  test_file_refusals();
  test_concurrent_append();
  test_authorized_clients();
  test_alloc_failures();
  tu_rm_rf(tmpdir);
  return tu_finish("test_trust");
}
