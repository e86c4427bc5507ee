/*
 * cli.c -- helpers shared by the pf-* tools.
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <punktfunk/punktfunk.h>

const char *cli_prog = "pf";

void cli_init(const char *prog) { cli_prog = prog; }

void cli_error(const char *fmt, ...) {
  va_list ap;

  fprintf(stderr, "%s: ", cli_prog);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void cli_print_version(void) {
  printf("%s (punktfunk) %s\n", cli_prog, pf_version());
}

static int parse_digits(const char *str, uint64_t *out, const char **end) {
  uint64_t v = 0;
  const char *p = str;

  if (!p || *p < '0' || *p > '9')
    return -1;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
      return -1;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  *out = v;
  *end = p;
  return 0;
}

int cli_parse_u64(const char *str, uint64_t min, uint64_t max,
                  const char *what, uint64_t *out) {
  uint64_t v;
  const char *end;

  if (parse_digits(str, &v, &end) != 0 || *end != '\0' || v < min ||
      v > max) {
    cli_error("invalid %s '%s': expected an integer in %llu..%llu", what,
              str ? str : "", (unsigned long long)min,
              (unsigned long long)max);
    return -1;
  }
  *out = v;
  return 0;
}

int cli_parse_u32(const char *str, uint32_t min, uint32_t max,
                  const char *what, uint32_t *out) {
  uint64_t v;

  if (cli_parse_u64(str, min, max, what, &v) != 0)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

int cli_parse_size(const char *str, uint64_t min, uint64_t max,
                   const char *what, uint64_t *out) {
  uint64_t v, mul = 1;
  const char *end;

  if (parse_digits(str, &v, &end) != 0)
    goto bad;
  switch (*end) {
  case '\0':
    break;
  case 'K':
  case 'k':
    mul = 1024;
    end++;
    break;
  case 'M':
    mul = 1024 * 1024;
    end++;
    break;
  case 'G':
    mul = 1024ull * 1024 * 1024;
    end++;
    break;
  default:
    goto bad;
  }
  if (*end != '\0' || v > UINT64_MAX / mul)
    goto bad;
  v *= mul;
  if (v < min || v > max)
    goto bad;
  *out = v;
  return 0;
bad:
  cli_error("invalid %s '%s': expected a size in %llu..%llu (suffix K, M, G "
            "allowed)",
            what, str ? str : "", (unsigned long long)min,
            (unsigned long long)max);
  return -1;
}

int cli_parse_list(const char *str, uint32_t max, const char *what,
                   uint32_t *out, size_t cap) {
  size_t n = 0;
  const char *p = str;
  uint64_t v;
  const char *end;

  if (!p || !*p)
    goto bad;
  for (;;) {
    if (parse_digits(p, &v, &end) != 0 || v > max || n >= cap)
      goto bad;
    out[n++] = (uint32_t)v;
    if (*end == '\0')
      break;
    if (*end != ',')
      goto bad;
    p = end + 1;
  }
  return (int)n;
bad:
  cli_error("invalid %s '%s': expected a comma-separated list of integers "
            "in 0..%u",
            what, str ? str : "", max);
  return -1;
}

volatile sig_atomic_t cli_stop_requested;

static void on_stop_signal(int sig) {
  (void)sig;
  cli_stop_requested = 1;
}

void cli_catch_stop_signals(void) {
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);
}

void cli_pipe_grow(int fd, size_t bytes) {
#ifdef F_SETPIPE_SZ
  struct stat st;
  size_t cap = 1024 * 1024; /* the default fs.pipe-max-size */
  FILE *f;

  if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
    return;
  f = fopen("/proc/sys/fs/pipe-max-size", "re");
  if (f) {
    unsigned long v;
    if (fscanf(f, "%lu", &v) == 1 && v >= 4096)
      cap = v;
    fclose(f);
  }
  if (bytes > cap)
    bytes = cap;
  if (bytes > (size_t)INT_MAX)
    bytes = (size_t)INT_MAX;
  if (fcntl(fd, F_GETPIPE_SZ) < (int)bytes)
    (void)fcntl(fd, F_SETPIPE_SZ, (int)bytes);
#else
  (void)fd;
  (void)bytes;
#endif
}

int cli_addr_is_loopback(const char *addr) {
  char host[64];
  const char *hs, *he;
  uint8_t a[16];
  static const uint8_t loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                    0, 0, 0, 0, 0, 0, 0, 1};
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

  if (!addr)
    return 0;
  if (addr[0] == '[') {
    hs = addr + 1;
    he = strchr(hs, ']');
  } else {
    hs = addr;
    he = strrchr(addr, ':');
  }
  if (!he || (size_t)(he - hs) >= sizeof(host))
    return 0;
  memcpy(host, hs, (size_t)(he - hs));
  host[he - hs] = '\0';
  if (strcmp(host, "localhost") == 0)
    return 1;
  if (addr[0] != '[')
    return inet_pton(AF_INET, host, a) == 1 && a[0] == 127;
  if (strchr(host, '%') || inet_pton(AF_INET6, host, a) != 1)
    return 0;
  return memcmp(a, loop6, 16) == 0 ||
         (memcmp(a, mapped, 12) == 0 && a[12] == 127);
}

int cli_refuse_tty(int fd, const char *what) {
  if (isatty(fd)) {
    cli_error("refusing to write %s to a terminal; redirect it to a file or "
              "pipe",
              what);
    return -1;
  }
  return 0;
}

ssize_t cli_read_full(int fd, void *buf, size_t len) {
  size_t got = 0;

  while (got < len) {
    ssize_t n = read(fd, (char *)buf + got, len - got);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (n == 0)
      break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

int cli_write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;

  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* ---------------------------------------------- pf-send / pf-recv helpers */

int cli_parse_decimal(const char *p, double *out, const char **end) {
  double v = 0, scale = 0.1;
  int digits = 0;

  if (!p || *p < '0' || *p > '9')
    return -1;
  for (; *p >= '0' && *p <= '9'; p++, digits++) {
    v = v * 10 + (*p - '0');
    if (digits > 15)
      return -1;
  }
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9')
      return -1;
    for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
      v += (*p - '0') * scale;
  }
  *out = v;
  *end = p;
  return 0;
}

int cli_parse_rate(const char *str, const char *what, uint64_t *bps) {
  const char *end;
  double v, mul = 1;

  if (cli_parse_decimal(str, &v, &end) != 0)
    goto bad;
  switch (*end) {
  case '\0':
    break;
  case 'k':
  case 'K':
    mul = 1e3;
    end++;
    break;
  case 'M':
  case 'm':
    mul = 1e6;
    end++;
    break;
  case 'G':
  case 'g':
    mul = 1e9;
    end++;
    break;
  default:
    goto bad;
  }
  if (*end != '\0' || v * mul > 1e12)
    goto bad;
  *bps = (uint64_t)(v * mul + 0.5);
  return 0;
bad:
  cli_error("invalid %s '%s': expected bits per second up to 1000G (suffix "
            "k, M, G allowed; 0 = unlimited)",
            what, str ? str : "");
  return -1;
}

int cli_parse_seconds(const char *str, double min_s, double max_s,
                      const char *what, uint64_t *ns) {
  const char *p;
  double v;

  if (cli_parse_decimal(str, &v, &p) != 0)
    goto bad;
  if (*p != '\0' || v < min_s || v > max_s)
    goto bad;
  *ns = (uint64_t)(v * 1e9 + 0.5);
  return 0;
bad:
  cli_error("invalid %s '%s': expected seconds in %g..%g", what,
            str ? str : "", min_s, max_s);
  return -1;
}

int cli_parse_aead(const char *str, uint32_t *aead) {
  if (strcmp(str, "aes128gcm") == 0 || strcmp(str, "aes-128-gcm") == 0) {
    *aead = PF_AEAD_AES128GCM;
    return 0;
  }
  if (strcmp(str, "chacha20poly1305") == 0) {
    *aead = PF_AEAD_CHACHA20POLY1305;
    return 0;
  }
  cli_error("invalid aead '%s': expected aes128gcm or chacha20poly1305", str);
  return -1;
}

const char *cli_aead_name(uint32_t aead) {
  switch (aead) {
  case PF_AEAD_AES128GCM:
    return "aes128gcm";
  case PF_AEAD_CHACHA20POLY1305:
    return "chacha20poly1305";
  default:
    return "none";
  }
}

int cli_udp_backend_parse(const char *name) {
  if (!name)
    return -1;
  if (strcmp(name, "io_uring") == 0 || strcmp(name, "uring") == 0)
    return (int)PF_UDP_IO_URING;
  if (strcmp(name, "mmsg") == 0)
    return (int)PF_UDP_IO_MMSG;
  return -1;
}

void cli_wipe(void *p, size_t len) {
  volatile uint8_t *v = p;

  while (len--)
    *v++ = 0;
}

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

static void log_to_stderr(int level, const char *msg, void *user_data) {
  (void)user_data;
  cli_error("%s%s", level <= PF_LOG_WARN ? "warning: " : "", msg);
}

void cli_log_to_stderr(int max_level) {
  pf_log_set_callback(log_to_stderr, max_level, NULL);
}

double cli_wallclock(void) {
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_uring_hint(uint32_t backend, int rv) {
  return backend == PF_UDP_IO_URING &&
         (rv == -ENOSYS || rv == -EPERM || rv == -EINVAL ||
          rv == -EOPNOTSUPP || rv == -ENOMEM);
}

void cli_format_rate(double bps, char *buf, size_t len) {
  if (bps >= 1e9)
    snprintf(buf, len, "%.2f Gbit/s", bps / 1e9);
  else if (bps >= 1e6)
    snprintf(buf, len, "%.1f Mbit/s", bps / 1e6);
  else
    snprintf(buf, len, "%.1f kbit/s", bps / 1e3);
}

long cli_command_find(int argc, char **argv, const struct option *longopts,
                      const void *table, size_t stride, size_t n,
                      void (*usage)(FILE *), int *status) {
  size_t i;
  int c;

  *status = CLI_EXIT_USAGE;
  if (argc < 2) {
    usage(stderr);
    return -1;
  }
  if (argv[1][0] == '-') {
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
      if (c == 'h' || c == 'V') {
        if (c == 'h')
          usage(stdout);
        else
          cli_print_version();
        *status = CLI_EXIT_OK;
        return -1;
      }
      cli_error("unknown option '%s' (options follow the command)",
                argv[optind - 1]);
      usage(stderr);
      return -1;
    }
    cli_error("no command given");
    usage(stderr);
    return -1;
  }
  if (strcmp(argv[1], "help") == 0) {
    usage(stdout);
    *status = CLI_EXIT_OK;
    return -1;
  }
  for (i = 0; i < n; i++) {
    const char *name;
    memcpy(&name, (const char *)table + i * stride, sizeof(name));
    if (strcmp(argv[1], name) == 0)
      return (long)i;
  }
  cli_error("unknown command '%s'", argv[1]);
  usage(stderr);
  return -1;
}

void cli_command_usage(FILE *f, const struct cli_command_ctx *cmd) {
  fprintf(f, "Usage: %s %s %s\n", cli_prog, cmd->name, cmd->synopsis);
  fprintf(f, "%s\n", cmd->summary);
}

static const char *long_name(const struct option *longopts, int c) {
  const struct option *p;

  for (p = longopts; p->name; p++)
    if (p->val == c)
      return p->name;
  return "?";
}

int cli_command_next_opt(int argc, char **argv, const char *shortopts,
                         const struct option *longopts,
                         const struct cli_command_ctx *cmd, unsigned *bit,
                         int *status) {
  int c = getopt_long(argc, argv, shortopts, longopts, NULL);

  *status = CLI_EXIT_USAGE;
  if (c == -1) {
    if (optind >= argc)
      return CLI_OPT_END;
    cli_error("unexpected argument '%s'", argv[optind]);
  } else if (c == 'h' || c == 'V') {
    if (c == 'h')
      cli_command_usage(stdout, cmd);
    else
      cli_print_version();
    *status = CLI_EXIT_OK;
    return CLI_OPT_STOP;
  } else if (c == ':') {
    cli_error("option '%s' needs a value", argv[optind - 1]);
  } else if (c == '?') {
    cli_error("unknown option '%s'", argv[optind - 1]);
  } else {
    *bit = cmd->bit_of(c);
    if (cmd->allowed & *bit)
      return c;
    cli_error("option '--%s' does not apply to '%s'", long_name(longopts, c),
              cmd->name);
  }
  cli_command_usage(stderr, cmd);
  return CLI_OPT_STOP;
}

/* ------------------------------------------------------- option tables */

/* getopt values: the letter, or past every char for a long-only one. */
#define CLI_OPT_LONG_BASE 256

static int opt_val(const struct cli_opts *set, size_t i) {
  return set->table[i].letter ? set->table[i].letter
                              : CLI_OPT_LONG_BASE + (int)i;
}

int cli_opts_init(struct cli_opts *set, const struct cli_opt *table) {
  size_t i, n = 0;
  char *s = set->shortopts;

  memset(set, 0, sizeof(*set));
  set->table = table;
  while (table[n].name)
    n++;
  if (n > CLI_OPTS_MAX)
    return -1;
  set->n = n;
  *s++ = '+'; /* options end at the first operand */
  *s++ = ':'; /* a missing value is ':', not '?' */
  for (i = 0; i < n; i++) {
    set->longopts[i].name = table[i].name;
    set->longopts[i].has_arg = table[i].arg ? required_argument : no_argument;
    set->longopts[i].flag = NULL;
    set->longopts[i].val = opt_val(set, i);
    if (table[i].letter) {
      *s++ = (char)table[i].letter;
      if (table[i].arg)
        *s++ = ':';
    }
  }
  *s = '\0';
  return 0;
}

void cli_opts_help(FILE *f, const struct cli_opts *set, unsigned commands) {
  char left[64];
  size_t i;

  for (i = 0; i < set->n; i++) {
    const struct cli_opt *o = &set->table[i];
    if (!(o->commands & commands))
      continue;
    if (o->letter)
      snprintf(left, sizeof(left), "-%c, --%s%s%s", o->letter, o->name,
               o->arg ? " " : "", o->arg ? o->arg : "");
    else
      snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
               o->arg ? o->arg : "");
    fprintf(f, "  %-22s %s\n", left, o->help);
  }
}

void cli_opts_usage(FILE *f, const struct cli_opts *set,
                    const struct cli_opts_cmd *cmd, int options) {
  fprintf(f, "Usage: %s %s %s\n", cli_prog, cmd->name, cmd->synopsis);
  fprintf(f, "%s\n", cmd->summary);
  if (options) {
    fprintf(f, "\nOptions:\n");
    cli_opts_help(f, set, cmd->bit);
  }
}

static long opt_index(const struct cli_opts *set, int c) {
  size_t i;

  for (i = 0; i < set->n; i++)
    if (opt_val(set, i) == c)
      return (long)i;
  return -1;
}

int cli_opts_next(const struct cli_opts *set, int argc, char **argv,
                  const struct cli_opts_cmd *cmd, int *status) {
  int c;
  long i;

  opterr = 0;
  c = getopt_long(argc, argv, set->shortopts, set->longopts, NULL);
  *status = CLI_EXIT_USAGE;
  if (c == -1) {
    if (optind >= argc)
      return CLI_OPT_END;
    cli_error("unexpected argument '%s'", argv[optind]);
  } else if (c == ':') {
    cli_error("option '%s' needs a value", argv[optind - 1]);
  } else if (c == '?' || (i = opt_index(set, c)) < 0) {
    cli_error("unknown option '%s'", argv[optind - 1]);
  } else if (strcmp(set->table[i].name, "help") == 0) {
    cli_opts_usage(stdout, set, cmd, 1);
    *status = CLI_EXIT_OK;
    return CLI_OPT_STOP;
  } else if (strcmp(set->table[i].name, "version") == 0) {
    cli_print_version();
    *status = CLI_EXIT_OK;
    return CLI_OPT_STOP;
  } else if (set->table[i].commands & cmd->bit) {
    return (int)i;
  } else {
    cli_error("option '--%s' does not apply to '%s'", set->table[i].name,
              cmd->name);
  }
  cli_opts_usage(stderr, set, cmd, 0);
  return CLI_OPT_STOP;
}
