/*
 * pf_trust.c -- the client's known-hosts file and the host's
 * authorized-clients file (formats in doc/internals/identity.md).
 *
 * Both are line files read whole (at most PF_TRUST_MAX_FILE_BYTES) and
 * parsed line by line; a line that cannot be read is logged with its
 * number and skipped, never fatal.  Changes rewrite the whole file
 * atomically (temporary file + rename, mode 0600) under a flock on the
 * directory, keeping every line they do not change byte for byte.
 */
#include "ctl/pf_trust.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/pf_log.h"
#include "base/pf_mem.h"
#include "ctl/pf_cfgfile.h"

#define KH_HEADER                                                             \
  "# punktfunk known hosts: one \"HOST:PORT FINGERPRINT\" a line "          \
  "(IPv6 as [ADDR]:PORT).\n"
#define AC_HEADER                                                             \
  "# punktfunk authorized clients: one \"FINGERPRINT [NAME]\" a line.\n"

/* ---------------------------------------------------------------- lines */

typedef struct line_iter {
  const char *buf, *end, *p;
  size_t lineno;
} line_iter;

typedef struct line {
  const char *start; /* the line, without its newline */
  size_t len;
  const char *next; /* start of the next line (after the newline) */
  size_t lineno;
} line;

static void iter_init(line_iter *it, const char *buf, size_t len) {
  it->buf = buf;
  it->p = buf;
  it->end = buf + len;
  it->lineno = 0;
}

static int iter_next(line_iter *it, line *ln) {
  const char *nl;

  if (it->p >= it->end)
    return 0;
  nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
  ln->start = it->p;
  ln->len = (size_t)((nl ? nl : it->end) - it->p);
  ln->next = nl ? nl + 1 : it->end;
  ln->lineno = ++it->lineno;
  it->p = ln->next;
  return 1;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Splits off the next whitespace-separated token of [*p, end). */
static int next_token(const char **p, const char *end, const char **tok,
                      size_t *toklen) {
  const char *s = *p;

  while (s < end && is_space(*s))
    s++;
  if (s >= end)
    return 0;
  *tok = s;
  while (s < end && !is_space(*s))
    s++;
  *toklen = (size_t)(s - *tok);
  *p = s;
  return 1;
}

/*
 * Classifies |ln|: 1 = content (|*p|/|*end| span it, leading blanks
 * skipped), 0 = blank or comment, -1 = malformed (|*why| says why).
 */
static int line_content(const line *ln, const char **p, const char **end,
                        const char **why) {
  const char *s = ln->start, *e = ln->start + ln->len;

  if (ln->len > PF_TRUST_MAX_LINE) {
    *why = "line too long";
    return -1;
  }
  if (memchr(s, '\0', ln->len)) {
    *why = "NUL byte in line";
    return -1;
  }
  while (s < e && is_space(*s))
    s++;
  if (s == e || *s == '#')
    return 0;
  *p = s;
  *end = e;
  return 1;
}

static void report(const char *path, size_t lineno, const char *why,
                   size_t *count, size_t *first) {
  pf_log(PF_LOG_WARN, "%s:%zu: %s; line skipped", path, lineno, why);
  if (count && (*count)++ == 0 && first)
    *first = lineno;
}

/* Parses a fingerprint token into |out| (lowercase). */
static int parse_fp(const char *tok, size_t len,
                    char out[PF_FINGERPRINT_BUFLEN]) {
  char tmp[PF_FINGERPRINT_BUFLEN];

  if (len != PF_FINGERPRINT_HEX_LEN)
    return PF_ERR_MALFORMED;
  memcpy(tmp, tok, len);
  tmp[len] = '\0';
  return pf_fingerprint_normalize(out, tmp);
}

/* ---------------------------------------------------------------- hosts */

/* Writes "[canonical v6]" for the 16-byte |addr| into |out|. */
static int put_v6(const unsigned char *addr, char *out, size_t outlen) {
  char a[INET6_ADDRSTRLEN];
  int n;

  if (!inet_ntop(AF_INET6, addr, a, sizeof(a)))
    return PF_ERR_MALFORMED;
  n = snprintf(out, outlen, "[%s]", a);
  return (n < 0 || (size_t)n >= outlen) ? PF_ERR_MALFORMED : 0;
}

/*
 * Canonical host (without port) of |in| (|len| bytes) into |out|: an
 * IPv6 address (with or without brackets) as "[addr]" in inet_ntop's
 * form, IPv4 dotted, a name in lowercase.
 */
static int canon_host(const char *in, size_t len, char *out, size_t outlen) {
  char tmp[PF_TRUST_MAX_HOST + 1];
  unsigned char addr[16];
  size_t i;
  int bracketed = len >= 2 && in[0] == '[' && in[len - 1] == ']';

  if (bracketed) {
    in++;
    len -= 2;
  }
  if (len == 0 || len >= sizeof(tmp))
    return PF_ERR_MALFORMED;
  memcpy(tmp, in, len);
  tmp[len] = '\0';
  if (inet_pton(AF_INET6, tmp, addr) == 1)
    return put_v6(addr, out, outlen);
  if (bracketed)
    return PF_ERR_MALFORMED;
  if (inet_pton(AF_INET, tmp, addr) == 1)
    return inet_ntop(AF_INET, addr, out, (socklen_t)outlen) ? 0
                                                            : PF_ERR_MALFORMED;
  if (len + 1 > outlen)
    return PF_ERR_MALFORMED;
  for (i = 0; i < len; i++) {
    char c = tmp[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '-' || c == '_'))
      return PF_ERR_MALFORMED;
    out[i] = c;
  }
  out[len] = '\0';
  return 0;
}

int pf_trust_host_key(char *out, size_t outlen, const char *host,
                      uint16_t port) {
  char h[PF_TRUST_MAX_HOST + 3];
  int n;

  if (!out || !host || port == 0)
    return PF_ERR_MALFORMED;
  if (canon_host(host, strlen(host), h, sizeof(h)) != 0)
    return PF_ERR_MALFORMED;
  n = snprintf(out, outlen, "%s:%u", h, (unsigned)port);
  return (n < 0 || (size_t)n >= outlen) ? PF_ERR_MALFORMED : 0;
}

/* Parses a "HOST:PORT" token into its canonical key. */
static int parse_hostport(const char *tok, size_t len, char *out,
                          size_t outlen) {
  char h[PF_TRUST_MAX_HOST + 3];
  const char *colon = NULL;
  unsigned long port = 0;
  size_t i, hostlen;
  int n;

  if (len > 0 && tok[0] == '[') {
    const char *rb = memchr(tok, ']', len);
    if (!rb || rb + 1 >= tok + len || rb[1] != ':')
      return PF_ERR_MALFORMED;
    colon = rb + 1;
  } else {
    for (i = 0; i < len; i++)
      if (tok[i] == ':') {
        if (colon)
          return PF_ERR_MALFORMED; /* IPv6 needs brackets */
        colon = tok + i;
      }
    if (!colon)
      return PF_ERR_MALFORMED;
  }
  hostlen = (size_t)(colon - tok);
  if (colon + 1 == tok + len || tok + len - (colon + 1) > 5)
    return PF_ERR_MALFORMED;
  for (const char *q = colon + 1; q < tok + len; q++) {
    if (*q < '0' || *q > '9')
      return PF_ERR_MALFORMED;
    port = port * 10 + (unsigned long)(*q - '0');
  }
  if (port == 0 || port > 65535)
    return PF_ERR_MALFORMED;
  if (canon_host(tok, hostlen, h, sizeof(h)) != 0)
    return PF_ERR_MALFORMED;
  /* An IPv6 address must come in brackets; canon_host accepts it bare. */
  if (h[0] == '[' && tok[0] != '[')
    return PF_ERR_MALFORMED;
  n = snprintf(out, outlen, "%s:%lu", h, port);
  return (n < 0 || (size_t)n >= outlen) ? PF_ERR_MALFORMED : 0;
}

/* A known-hosts key, "HOST:PORT" (as pf_known_host.entry). */
#define KH_KEY_LEN 300

typedef struct kh_entry {
  char key[KH_KEY_LEN];
  char fp[PF_FINGERPRINT_BUFLEN];
} kh_entry;

/* 1 = entry parsed into |e|, 0 = comment/blank, -1 = malformed. */
static int kh_parse(const line *ln, kh_entry *e, const char **why) {
  const char *p, *end, *tok;
  size_t toklen;
  int c = line_content(ln, &p, &end, why);

  if (c <= 0)
    return c;
  if (!next_token(&p, end, &tok, &toklen) ||
      parse_hostport(tok, toklen, e->key, sizeof(e->key)) != 0) {
    *why = "not HOST:PORT (IPv6 as [ADDR]:PORT)";
    return -1;
  }
  if (!next_token(&p, end, &tok, &toklen) ||
      parse_fp(tok, toklen, e->fp) != 0) {
    *why = "no fingerprint (64 hex digits) after HOST:PORT";
    return -1;
  }
  /* Further tokens are reserved for later versions and ignored. */
  return 1;
}

static int check_result(pf_known_host *res) {
  if (!res)
    return PF_ERR_INVALID_ARGUMENT;
  if (res->struct_size < sizeof(pf_known_host))
    return PF_ERR_ABI;
  return 0;
}

static void clear_msg(char *err, size_t errlen) {
  if (err && errlen)
    err[0] = '\0';
}

/* Reads a trust file; a missing one is empty (*buf NULL, *len 0). */
static int read_trust(const pf_mem *mem, const char *path, char **buf,
                      size_t *len, char *err, size_t errlen) {
  int rv = pf_cfg_read(mem, path, 0022, PF_TRUST_MAX_FILE_BYTES, buf, len,
                       err, errlen);
  if (rv == -ENOENT) {
    *buf = NULL;
    *len = 0;
    return 0;
  }
  return rv;
}

/* Scans |buf| for |key|; fills |res| (status, line, fingerprint). */
static void kh_scan(const char *path, const char *buf, size_t len,
                    const char *key, const char *fp, pf_known_host *res) {
  line_iter it;
  line ln;
  kh_entry e;
  const char *why = NULL;

  iter_init(&it, buf, len);
  while (iter_next(&it, &ln)) {
    int c = kh_parse(&ln, &e, &why);
    if (c < 0) {
      report(path, ln.lineno, why, &res->malformed_lines,
             &res->first_malformed_line);
      continue;
    }
    if (c == 0 || strcmp(e.key, key) != 0)
      continue;
    if (pf_fingerprint_equal(e.fp, fp) == 1) {
      if (res->status != PF_KNOWN_HOST_MATCH) {
        res->status = PF_KNOWN_HOST_MATCH;
        res->line = ln.lineno;
        memcpy(res->stored_fingerprint, e.fp, sizeof(e.fp));
      }
    } else if (res->status == PF_KNOWN_HOST_UNKNOWN) {
      res->status = PF_KNOWN_HOST_MISMATCH;
      res->line = ln.lineno;
      memcpy(res->stored_fingerprint, e.fp, sizeof(e.fp));
    }
  }
}

static void reset_result(pf_known_host *res, const char *key) {
  size_t sz = res->struct_size;

  memset(res, 0, sizeof(*res));
  res->struct_size = sz;
  res->status = PF_KNOWN_HOST_UNKNOWN;
  snprintf(res->entry, sizeof(res->entry), "%s", key);
}

/* The host key and the normalized fingerprint of a known-hosts call;
 * 0 or PF_ERR_MALFORMED with a message. */
static int kh_args(char key[KH_KEY_LEN], char fp[PF_FINGERPRINT_BUFLEN],
                   const char *host, uint16_t port, const char *fingerprint,
                   char *err, size_t errlen) {
  if (pf_trust_host_key(key, KH_KEY_LEN, host, port) != 0) {
    pf_cfg_errf(err, errlen, "not a host name or address: %s",
                host ? host : "(null)");
    return PF_ERR_MALFORMED;
  }
  if (pf_fingerprint_normalize(fp, fingerprint) != 0) {
    pf_cfg_errf(err, errlen, "not a fingerprint (64 hex digits)");
    return PF_ERR_MALFORMED;
  }
  return 0;
}

int pf_known_hosts_lookup(const char *path, const char *host, uint16_t port,
                          const char *fingerprint, pf_known_host *res,
                          const pf_mem *mem, char *err, size_t errlen) {
  char key[KH_KEY_LEN], fp[PF_FINGERPRINT_BUFLEN];
  char *buf;
  size_t len;
  int rv;

  clear_msg(err, errlen);
  if ((rv = check_result(res)) != 0 || !path)
    return rv ? rv : PF_ERR_INVALID_ARGUMENT;
  if ((rv = kh_args(key, fp, host, port, fingerprint, err, errlen)) != 0)
    return rv;
  mem = pf_mem_or_default(mem);
  rv = read_trust(mem, path, &buf, &len, err, errlen);
  if (rv != 0)
    return rv;
  reset_result(res, key);
  kh_scan(path, buf, len, key, fp, res);
  pf_mem_free(mem, buf);
  return 0;
}

/*
 * Locks the directory of |path| (creating it 0700), reads the file, and
 * returns the lock descriptor (>= 0) or an error.
 */
static int lock_and_read(const pf_mem *mem, const char *path, char **buf,
                         size_t *len, char *err, size_t errlen) {
  char dir[PATH_MAX];
  int lock, rv;

  if (pf_cfg_dirname(path, dir, sizeof(dir)) != 0) {
    pf_cfg_errf(err, errlen, "%s: path too long", path);
    return -ENAMETOOLONG;
  }
  rv = pf_cfg_mkdirs(dir, err, errlen);
  if (rv != 0)
    return rv;
  lock = pf_cfg_lock_dir(path, err, errlen);
  if (lock < 0)
    return lock;
  rv = read_trust(mem, path, buf, len, err, errlen);
  if (rv != 0) {
    pf_cfg_unlock_dir(lock);
    return rv;
  }
  return lock;
}

/*
 * Writes |old| (|oldlen| bytes; NULL for a new file, which gets |header|)
 * plus |add| as a line to |path|.
 */
static int append_line(const pf_mem *mem, const char *path, const char *old,
                       size_t oldlen, const char *header, const char *add,
                       char *err, size_t errlen) {
  size_t addlen = strlen(add), hlen = old ? 0 : strlen(header), total;
  int sep = old && oldlen > 0 && old[oldlen - 1] != '\n';
  char *out;
  int rv;

  total = hlen + oldlen + (size_t)sep + addlen + 1;
  if (total > PF_TRUST_MAX_FILE_BYTES) {
    pf_cfg_errf(err, errlen, "%s would grow over %u bytes", path,
                PF_TRUST_MAX_FILE_BYTES);
    return PF_ERR_LIMIT;
  }
  out = pf_mem_malloc(mem, total);
  if (!out) {
    pf_cfg_errf(err, errlen, "out of memory");
    return PF_ERR_NOMEM;
  }
  memcpy(out, header, hlen);
  if (oldlen)
    memcpy(out + hlen, old, oldlen);
  if (sep)
    out[hlen + oldlen] = '\n';
  memcpy(out + hlen + oldlen + (size_t)sep, add, addlen);
  out[total - 1] = '\n';
  rv = pf_cfg_write_atomic(path, out, total, 0600, 0, err, errlen);
  pf_mem_free(mem, out);
  return rv;
}

int pf_known_hosts_add(const char *path, const char *host, uint16_t port,
                       const char *fingerprint, const pf_mem *mem, char *err,
                       size_t errlen) {
  char key[KH_KEY_LEN], fp[PF_FINGERPRINT_BUFLEN],
      add[KH_KEY_LEN + PF_FINGERPRINT_BUFLEN];
  pf_known_host res;
  char *buf;
  size_t len;
  int lock, rv;

  clear_msg(err, errlen);
  if (!path)
    return PF_ERR_INVALID_ARGUMENT;
  if ((rv = kh_args(key, fp, host, port, fingerprint, err, errlen)) != 0)
    return rv;
  mem = pf_mem_or_default(mem);
  lock = lock_and_read(mem, path, &buf, &len, err, errlen);
  if (lock < 0)
    return lock;
  res.struct_size = sizeof(res);
  reset_result(&res, key);
  kh_scan(path, buf, len, key, fp, &res);
  if (res.status == PF_KNOWN_HOST_MATCH) {
    rv = 0;
  } else if (res.status == PF_KNOWN_HOST_MISMATCH) {
    pf_cfg_errf(err, errlen,
                "%s is already recorded with fingerprint %s on line %zu of "
                "%s; not adding %s",
                key, res.stored_fingerprint, res.line, path, fp);
    rv = -EEXIST;
  } else {
    snprintf(add, sizeof(add), "%s %s", key, fp);
    rv = append_line(mem, path, buf, len, KH_HEADER, add, err, errlen);
  }
  pf_mem_free(mem, buf);
  pf_cfg_unlock_dir(lock);
  return rv;
}

/* ---------------------------------------------------------------- clients */

/* 1 = entry parsed into |c|, 0 = comment/blank, -1 = malformed. */
static int ac_parse(const line *ln, pf_authorized_client *c,
                    const char **why) {
  const char *p, *end, *tok;
  size_t toklen, n;
  int k = line_content(ln, &p, &end, why);

  if (k <= 0)
    return k;
  if (!next_token(&p, end, &tok, &toklen) ||
      parse_fp(tok, toklen, c->fingerprint) != 0) {
    *why = "does not start with a fingerprint (64 hex digits)";
    return -1;
  }
  /* "+key=value" attributes (reserved for later versions) come before
   * the name and are skipped. */
  for (;;) {
    while (p < end && is_space(*p))
      p++;
    if (p >= end || *p != '+')
      break;
    next_token(&p, end, &tok, &toklen);
  }
  n = (size_t)(end - p);
  while (n > 0 && is_space(p[n - 1]))
    n--;
  if (n > PF_CLIENT_NAME_MAX) {
    *why = "client name longer than 64 bytes";
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) {
      *why = "control character in client name";
      return -1;
    }
  memcpy(c->name, p, n);
  c->name[n] = '\0';
  c->line = ln->lineno;
  return 1;
}

static int check_name(const char *name) {
  size_t n, i;

  if (!name)
    return 0;
  n = strlen(name);
  if (n > PF_CLIENT_NAME_MAX || (n > 0 && (name[0] == '+' || name[0] == '#')))
    return PF_ERR_MALFORMED;
  for (i = 0; i < n; i++)
    if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
      return PF_ERR_MALFORMED;
  /* Leading or trailing blanks would not survive a read. */
  if (n > 0 && (name[0] == ' ' || name[n - 1] == ' '))
    return PF_ERR_MALFORMED;
  return 0;
}

/*
 * Calls |fn| for every entry of |buf|; stops when it returns non-zero
 * and returns that value, else 0.
 */
typedef int (*ac_fn)(const pf_authorized_client *c, const line *ln,
                     void *ctx);
static int ac_scan(const char *path, const char *buf, size_t len, ac_fn fn,
                   void *ctx) {
  pf_authorized_client c;
  line_iter it;
  line ln;
  const char *why = NULL;

  iter_init(&it, buf, len);
  while (iter_next(&it, &ln)) {
    int k;
    memset(&c, 0, sizeof(c));
    c.struct_size = sizeof(c);
    k = ac_parse(&ln, &c, &why);
    if (k < 0) {
      report(path, ln.lineno, why, NULL, NULL);
      continue;
    }
    if (k == 0)
      continue;
    if ((k = fn(&c, &ln, ctx)) != 0)
      return k;
  }
  return 0;
}

typedef struct find_ctx {
  const char *fp;
  pf_authorized_client found;
} find_ctx;

static int find_fn(const pf_authorized_client *c, const line *ln, void *ctx) {
  find_ctx *f = ctx;

  (void)ln;
  if (pf_fingerprint_equal(c->fingerprint, f->fp) != 1)
    return 0;
  f->found = *c;
  return 1;
}

static int prepare_fp(char fp[PF_FINGERPRINT_BUFLEN], const char *in,
                      char *err, size_t errlen) {
  if (pf_fingerprint_normalize(fp, in) != 0) {
    pf_cfg_errf(err, errlen, "not a fingerprint (64 hex digits)");
    return PF_ERR_MALFORMED;
  }
  return 0;
}

int pf_authorized_clients_lookup(const char *path, const char *fingerprint,
                                 pf_authorized_client *client,
                                 const pf_mem *mem, char *err, size_t errlen) {
  char fp[PF_FINGERPRINT_BUFLEN];
  find_ctx f;
  char *buf;
  size_t len;
  int rv;

  clear_msg(err, errlen);
  if (!path)
    return PF_ERR_INVALID_ARGUMENT;
  if (client && client->struct_size < sizeof(*client))
    return PF_ERR_ABI;
  if ((rv = prepare_fp(fp, fingerprint, err, errlen)) != 0)
    return rv;
  memset(&f, 0, sizeof(f));
  f.fp = fp;
  mem = pf_mem_or_default(mem);
  rv = read_trust(mem, path, &buf, &len, err, errlen);
  if (rv != 0)
    return rv;
  rv = ac_scan(path, buf, len, find_fn, &f);
  pf_mem_free(mem, buf);
  if (rv == 1 && client) {
    size_t sz = client->struct_size;
    *client = f.found;
    client->struct_size = sz;
  }
  return rv;
}

int pf_authorized_clients_add(const char *path, const char *fingerprint,
                              const char *name, const pf_mem *mem, char *err,
                              size_t errlen) {
  char fp[PF_FINGERPRINT_BUFLEN],
      add[PF_FINGERPRINT_BUFLEN + PF_CLIENT_NAME_MAX + 2];
  find_ctx f;
  char *buf;
  size_t len;
  int lock, rv;

  clear_msg(err, errlen);
  if (!path)
    return PF_ERR_INVALID_ARGUMENT;
  if ((rv = prepare_fp(fp, fingerprint, err, errlen)) != 0)
    return rv;
  if (check_name(name) != 0) {
    pf_cfg_errf(err, errlen,
                "bad client name: at most %u bytes, no control characters, "
                "not starting with '+' or '#', no blanks at either end",
                PF_CLIENT_NAME_MAX);
    return PF_ERR_MALFORMED;
  }
  mem = pf_mem_or_default(mem);
  lock = lock_and_read(mem, path, &buf, &len, err, errlen);
  if (lock < 0)
    return lock;
  memset(&f, 0, sizeof(f));
  f.fp = fp;
  if (ac_scan(path, buf, len, find_fn, &f) == 1) {
    pf_cfg_errf(err, errlen, "%s is already on line %zu of %s", fp,
                f.found.line, path);
    rv = -EEXIST;
  } else {
    snprintf(add, sizeof(add), "%s%s%s", fp, name && *name ? " " : "",
             name ? name : "");
    rv = append_line(mem, path, buf, len, AC_HEADER, add, err, errlen);
  }
  pf_mem_free(mem, buf);
  pf_cfg_unlock_dir(lock);
  return rv;
}

typedef struct remove_ctx {
  const char *fp;
  char *out;
  size_t outlen;
  const char *copied; /* input copied up to here */
  int removed;
} remove_ctx;

static int remove_fn(const pf_authorized_client *c, const line *ln,
                     void *ctx) {
  remove_ctx *r = ctx;
  size_t n;

  if (pf_fingerprint_equal(c->fingerprint, r->fp) != 1)
    return 0;
  /* Copy everything before this line, then skip it. */
  n = (size_t)(ln->start - r->copied);
  memcpy(r->out + r->outlen, r->copied, n);
  r->outlen += n;
  r->copied = ln->next;
  r->removed++;
  return 0;
}

int pf_authorized_clients_remove(const char *path, const char *fingerprint,
                                 const pf_mem *mem, char *err, size_t errlen) {
  char fp[PF_FINGERPRINT_BUFLEN];
  remove_ctx r;
  char *buf;
  size_t len;
  int lock, rv;

  clear_msg(err, errlen);
  if (!path)
    return PF_ERR_INVALID_ARGUMENT;
  if ((rv = prepare_fp(fp, fingerprint, err, errlen)) != 0)
    return rv;
  mem = pf_mem_or_default(mem);
  lock = lock_and_read(mem, path, &buf, &len, err, errlen);
  if (lock < 0)
    return lock;
  memset(&r, 0, sizeof(r));
  r.fp = fp;
  r.copied = buf;
  r.out = pf_mem_malloc(mem, len + 1);
  if (!r.out) {
    pf_cfg_errf(err, errlen, "out of memory");
    rv = PF_ERR_NOMEM;
    goto out;
  }
  ac_scan(path, buf, len, remove_fn, &r);
  if (r.removed == 0) {
    pf_cfg_errf(err, errlen, "%s is not in %s", fp, path);
    rv = -ENOENT;
    goto out;
  }
  memcpy(r.out + r.outlen, r.copied, (size_t)(buf + len - r.copied));
  r.outlen += (size_t)(buf + len - r.copied);
  rv = pf_cfg_write_atomic(path, r.out, r.outlen, 0600, 0, err, errlen);
  if (rv == 0)
    rv = r.removed;
out:
  pf_mem_free(mem, r.out);
  pf_mem_free(mem, buf);
  pf_cfg_unlock_dir(lock);
  return rv;
}

typedef struct list_ctx {
  pf_authorized_client_cb cb;
  void *user_data;
  int count;
} list_ctx;

static int list_fn(const pf_authorized_client *c, const line *ln, void *ctx) {
  list_ctx *l = ctx;

  (void)ln;
  if (l->cb(c, l->user_data) != 0)
    return -1;
  l->count++;
  return 0;
}

int pf_authorized_clients_list(const char *path, pf_authorized_client_cb cb,
                               void *user_data, const pf_mem *mem, char *err,
                               size_t errlen) {
  list_ctx l = {cb, user_data, 0};
  char *buf;
  size_t len;
  int rv;

  clear_msg(err, errlen);
  if (!path || !cb)
    return PF_ERR_INVALID_ARGUMENT;
  mem = pf_mem_or_default(mem);
  rv = read_trust(mem, path, &buf, &len, err, errlen);
  if (rv != 0)
    return rv;
  rv = ac_scan(path, buf, len, list_fn, &l);
  pf_mem_free(mem, buf);
  return rv < 0 ? PF_ERR_CALLBACK_FAILURE : l.count;
}
