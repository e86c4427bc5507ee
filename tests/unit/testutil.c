/*
 * testutil.c -- helpers for the C unit tests.
 */
#include "testutil.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "splitmix.h"

int tu_failures;
int tu_checks;

int tu_check_(int ok, const char *file, int line, const char *expr) {
  tu_checks++;
  if (!ok) {
    tu_failures++;
    fprintf(stderr, "FAIL %s:%d: %s\n", file, line, expr);
  }
  return ok;
}

int tu_finish(const char *name) {
  printf("%s: %d checks, %d failed\n", name, tu_checks, tu_failures);
  return tu_failures ? T_EXIT_FAIL : T_EXIT_PASS;
}

uint64_t tu_splitmix64(uint64_t *state) { return splitmix64(state); }

void tu_fill(uint64_t seed, uint8_t *buf, size_t len) {
  uint64_t st = seed, z = 0;
  size_t i;

  for (i = 0; i < len; i++) {
    if (i % 8 == 0)
      z = tu_splitmix64(&st);
    buf[i] = (uint8_t)(z >> (8 * (i % 8)));
  }
}

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

long tu_hex_decode(const char *hex, uint8_t *out, size_t cap) {
  size_t n = strlen(hex), i;

  if (n % 2 != 0 || n / 2 > cap)
    return -1;
  for (i = 0; i < n / 2; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return (long)(n / 2);
}

const char *tu_vector_path(const char *name) {
  static char path[4096];
  const char *dirs[2];
  const char *env = getenv("PF_VECTORS");
  size_t i, nd = 0;

  if (env && *env)
    dirs[nd++] = env;
  dirs[nd++] = "tests/vectors";
  for (i = 0; i < nd; i++) {
    snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
    if (access(path, R_OK) == 0)
      return path;
  }
  return NULL;
}

int tu_vec_open(tu_vecfile *vf, const char *path) {
  memset(vf, 0, sizeof(*vf));
  vf->fp = fopen(path, "r");
  return vf->fp ? 0 : -1;
}

static void vec_clear(tu_vecfile *vf) {
  size_t i;

  for (i = 0; i < vf->nlines; i++)
    free(vf->line[i]);
  vf->nlines = 0;
  vf->n = 0;
}

int tu_vec_next(tu_vecfile *vf) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;

  vec_clear(vf);
  while ((len = getline(&line, &cap, vf->fp)) >= 0) {
    char *tok, *save = NULL;

    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      line[--len] = '\0';
    if (line[0] == '#')
      continue;
    if (len == 0) {
      if (vf->n > 0)
        break;
      continue;
    }
    if (vf->nlines >= sizeof(vf->line) / sizeof(vf->line[0]))
      goto fail;
    vf->line[vf->nlines++] = line;
    for (tok = strtok_r(line, " \t", &save); tok;
         tok = strtok_r(NULL, " \t", &save)) {
      char *eq = strchr(tok, '=');
      if (!eq || vf->n >= sizeof(vf->key) / sizeof(vf->key[0]))
        goto fail2;
      *eq = '\0';
      vf->key[vf->n] = tok;
      vf->val[vf->n++] = eq + 1;
    }
    line = NULL;
    cap = 0;
  }
  free(line);
  return vf->n > 0 ? 1 : 0;
fail:
  free(line);
fail2:
  return -1;
}

const char *tu_vec_get(const tu_vecfile *vf, const char *key) {
  size_t i;

  for (i = 0; i < vf->n; i++)
    if (strcmp(vf->key[i], key) == 0)
      return vf->val[i];
  return NULL;
}

void tu_vec_close(tu_vecfile *vf) {
  vec_clear(vf);
  if (vf->fp)
    fclose(vf->fp);
  vf->fp = NULL;
}

/* Each block carries its size in a 16-byte prefix so free can count. */
#define HDR 16

static void *ta_malloc(size_t size, void *ud) {
  tu_alloc *a = ud;
  uint8_t *p;

  a->attempts++;
  if (a->fail_at && a->attempts == a->fail_at)
    return NULL;
  p = malloc(size + HDR);
  if (!p)
    return NULL;
  memcpy(p, &size, sizeof(size));
  a->allocs++;
  a->live++;
  a->live_bytes += size;
  if (a->live_bytes > a->peak_bytes)
    a->peak_bytes = a->live_bytes;
  return p + HDR;
}

static void ta_free(void *ptr, void *ud) {
  tu_alloc *a = ud;
  uint8_t *p;
  size_t size;

  if (!ptr)
    return;
  p = (uint8_t *)ptr - HDR;
  memcpy(&size, p, sizeof(size));
  a->frees++;
  a->live--;
  a->live_bytes -= size;
  free(p);
}

static void *ta_calloc(size_t nmemb, size_t size, void *ud) {
  size_t total;
  void *p;

  if (__builtin_mul_overflow(nmemb, size, &total))
    return NULL;
  p = ta_malloc(total, ud);
  if (p)
    memset(p, 0, total);
  return p;
}

static void *ta_realloc(void *ptr, size_t size, void *ud) {
  void *np;
  size_t old;

  if (!ptr)
    return ta_malloc(size, ud);
  memcpy(&old, (uint8_t *)ptr - HDR, sizeof(old));
  np = ta_malloc(size, ud);
  if (!np)
    return NULL;
  memcpy(np, ptr, old < size ? old : size);
  ta_free(ptr, ud);
  return np;
}

void tu_alloc_init(tu_alloc *a) {
  memset(a, 0, sizeof(*a));
  a->mem.user_data = a;
  a->mem.malloc = ta_malloc;
  a->mem.free = ta_free;
  a->mem.calloc = ta_calloc;
  a->mem.realloc = ta_realloc;
}

void tu_rm_rf(const char *path) {
  struct stat st;
  DIR *d;
  struct dirent *e;
  char sub[PATH_MAX];

  if (lstat(path, &st) != 0)
    return;
  if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
    while ((e = readdir(d)) != NULL) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
        continue;
      TU_SNPRINTF(sub, sizeof(sub), "%s/%s", path, e->d_name);
      tu_rm_rf(sub);
    }
    closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}
