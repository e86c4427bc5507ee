/*
 * pf_cfgfile.c -- the configuration directory and its files.
 *
 * Every file is opened with O_NOFOLLOW and checked on the descriptor
 * (fstat), never by name, so a file swapped between the check and the
 * read is not read.  New files are written under a random temporary name
 * in the same directory with O_EXCL and then moved into place, so a
 * reader sees the old file or the new one and never half of one.
 */
#include "ctl/pf_cfgfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/pf_mem.h"

void pf_cfg_errf(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;

  if (!err || errlen == 0)
    return;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

void pf_cfg_wipe(void *p, size_t n) {
  if (p && n)
    explicit_bzero(p, n);
}

/* Copies |s| into |buf| or fails with PF_ERR_NOBUF. */
static int copy_str(char *buf, size_t buflen, const char *a, const char *b) {
  int n = snprintf(buf, buflen, "%s%s", a, b);
  return (n < 0 || (size_t)n >= buflen) ? PF_ERR_NOBUF : 0;
}

int pf_config_dir(char *buf, size_t buflen) {
  const char *v;

  if (!buf || buflen == 0)
    return PF_ERR_INVALID_ARGUMENT;
  v = getenv("PUNKTFUNK_CONFIG_DIR");
  if (v && *v)
    return copy_str(buf, buflen, v, "");
  /* The XDG base directory spec: a relative path is invalid, ignore it. */
  v = getenv("XDG_CONFIG_HOME");
  if (v && v[0] == '/')
    return copy_str(buf, buflen, v, "/punktfunk");
  v = getenv("HOME");
  if (v && *v)
    return copy_str(buf, buflen, v, "/.config/punktfunk");
  return -ENOENT;
}

int pf_config_path(char *buf, size_t buflen, const char *dir,
                   const char *name) {
  char d[PATH_MAX];
  int rv, n;

  if (!buf || buflen == 0 || !name || !*name)
    return PF_ERR_INVALID_ARGUMENT;
  if (!dir) {
    rv = pf_config_dir(d, sizeof(d));
    if (rv != 0)
      return rv;
    dir = d;
  }
  n = snprintf(buf, buflen, "%s/%s", dir, name);
  return (n < 0 || (size_t)n >= buflen) ? PF_ERR_NOBUF : 0;
}

int pf_cfg_dirname(const char *path, char *buf, size_t buflen) {
  const char *slash = strrchr(path, '/');
  size_t n;

  if (!slash)
    return copy_str(buf, buflen, ".", "");
  n = (size_t)(slash - path);
  if (n == 0)
    n = 1; /* "/file" -> "/" */
  if (n >= buflen)
    return PF_ERR_NOBUF;
  memcpy(buf, path, n);
  buf[n] = '\0';
  return 0;
}

int pf_cfg_mkdirs(const char *dir, char *err, size_t errlen) {
  char tmp[PATH_MAX];
  size_t n = strlen(dir), i;
  struct stat st;

  if (n == 0 || n >= sizeof(tmp)) {
    pf_cfg_errf(err, errlen, "%s: bad directory name", dir);
    return -ENAMETOOLONG;
  }
  memcpy(tmp, dir, n + 1);
  /* Each prefix ending before a '/', then the whole path. */
  for (i = 1; i <= n; i++) {
    if (i < n && tmp[i] != '/')
      continue;
    if (i < n)
      tmp[i] = '\0';
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
      int e = errno;
      pf_cfg_errf(err, errlen, "cannot create directory %s: %s", tmp,
                  strerror(e));
      return -e;
    }
    if (i < n)
      tmp[i] = '/';
  }
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    pf_cfg_errf(err, errlen, "%s: not a directory", dir);
    return -ENOTDIR;
  }
  return 0;
}

int pf_cfg_read(const pf_mem *mem, const char *path, mode_t forbid,
                size_t max, char **buf, size_t *len, char *err,
                size_t errlen) {
  struct stat st;
  char *data;
  size_t got = 0;
  int fd, e;

  *buf = NULL;
  *len = 0;
  fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    e = errno;
    if (e == ENOENT)
      return -ENOENT;
    if (e == ELOOP)
      pf_cfg_errf(err, errlen,
                  "%s is a symbolic link: refusing to follow it (replace it "
                  "with the file itself)",
                  path);
    else
      pf_cfg_errf(err, errlen, "cannot open %s: %s", path, strerror(e));
    return -e;
  }
  if (fstat(fd, &st) != 0) {
    e = errno;
    pf_cfg_errf(err, errlen, "cannot stat %s: %s", path, strerror(e));
    close(fd);
    return -e;
  }
  if (!S_ISREG(st.st_mode)) {
    pf_cfg_errf(err, errlen, "%s is not a regular file", path);
    close(fd);
    return -EINVAL;
  }
  if (st.st_uid != geteuid()) {
    pf_cfg_errf(err, errlen,
                "%s is owned by uid %lu, not by you (uid %lu): refusing it "
                "(chown it to yourself and chmod 600 it)",
                path, (unsigned long)st.st_uid, (unsigned long)geteuid());
    close(fd);
    return -EPERM;
  }
  if ((st.st_mode & forbid) != 0) {
    pf_cfg_errf(err, errlen,
                "permissions %04o for %s are too open: it must not be %s by "
                "group or others (run: chmod 600 %s)",
                (unsigned)(st.st_mode & 07777), path,
                (forbid & 0044) ? "accessible" : "writable", path);
    close(fd);
    return -EPERM;
  }
  if ((uint64_t)st.st_size > max) {
    pf_cfg_errf(err, errlen, "%s is too large (%llu bytes, at most %zu)",
                path, (unsigned long long)st.st_size, max);
    close(fd);
    return PF_ERR_LIMIT;
  }
  data = pf_mem_malloc(mem, (size_t)st.st_size + 1);
  if (!data) {
    close(fd);
    pf_cfg_errf(err, errlen, "reading %s: out of memory", path);
    return PF_ERR_NOMEM;
  }
  /* Read what fstat promised; a file that grew meanwhile is cut there
   * and reported, one that shrank ends early. */
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, data + got, (size_t)st.st_size - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      e = errno;
      pf_cfg_errf(err, errlen, "reading %s: %s", path, strerror(e));
      pf_cfg_wipe(data, got);
      pf_mem_free(mem, data);
      close(fd);
      return -e;
    }
    if (r == 0)
      break;
    got += (size_t)r;
  }
  close(fd);
  data[got] = '\0';
  *buf = data;
  *len = got;
  return 0;
}

/* Writes all of |data| to |fd|. */
static int write_all(int fd, const void *data, size_t len) {
  const uint8_t *p = data;

  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -errno;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

static void fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

int pf_cfg_write_atomic(const char *path, const void *data, size_t len,
                        mode_t mode, int exclusive, char *err,
                        size_t errlen) {
  char dir[PATH_MAX], tmp[PATH_MAX];
  const char *base = strrchr(path, '/');
  int fd = -1, rv, tries, n;

  rv = pf_cfg_dirname(path, dir, sizeof(dir));
  if (rv != 0) {
    pf_cfg_errf(err, errlen, "%s: path too long", path);
    return -ENAMETOOLONG;
  }
  base = base ? base + 1 : path;
  for (tries = 0; tries < 16 && fd < 0; tries++) {
    uint64_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
      r = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull + (uint64_t)tries;
    n = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp%016llx", dir, base,
                 (unsigned long long)r);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
      pf_cfg_errf(err, errlen, "%s: path too long", path);
      return -ENAMETOOLONG;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              mode);
    if (fd < 0 && errno != EEXIST) {
      int e = errno;
      pf_cfg_errf(err, errlen, "cannot create a file in %s: %s", dir,
                  strerror(e));
      return -e;
    }
  }
  if (fd < 0) {
    pf_cfg_errf(err, errlen, "cannot create a temporary file in %s", dir);
    return -EEXIST;
  }
  /* The umask may have taken bits off |mode|; never add any, but make
   * sure a 0600 file is 0600 whatever the umask. */
  if (fchmod(fd, mode) != 0 || (rv = write_all(fd, data, len)) != 0 ||
      fsync(fd) != 0) {
    int e = rv ? -rv : errno;
    pf_cfg_errf(err, errlen, "writing %s: %s", tmp, strerror(e));
    close(fd);
    unlink(tmp);
    return -e;
  }
  if (close(fd) != 0) {
    int e = errno;
    pf_cfg_errf(err, errlen, "writing %s: %s", tmp, strerror(e));
    unlink(tmp);
    return -e;
  }
  if (exclusive) {
    if (link(tmp, path) != 0) {
      int e = errno;
      unlink(tmp);
      if (e == EEXIST)
        pf_cfg_errf(err, errlen, "%s already exists", path);
      else
        pf_cfg_errf(err, errlen, "cannot create %s: %s", path, strerror(e));
      return -e;
    }
    unlink(tmp);
  } else if (rename(tmp, path) != 0) {
    int e = errno;
    pf_cfg_errf(err, errlen, "cannot replace %s: %s", path, strerror(e));
    unlink(tmp);
    return -e;
  }
  fsync_dir(dir);
  return 0;
}

int pf_cfg_lock_dir(const char *path, char *err, size_t errlen) {
  char dir[PATH_MAX];
  int fd;

  if (pf_cfg_dirname(path, dir, sizeof(dir)) != 0) {
    pf_cfg_errf(err, errlen, "%s: path too long", path);
    return -ENAMETOOLONG;
  }
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    pf_cfg_errf(err, errlen, "cannot open directory %s: %s", dir,
                strerror(e));
    return -e;
  }
  while (flock(fd, LOCK_EX) != 0) {
    int e = errno;
    if (e == EINTR)
      continue;
    pf_cfg_errf(err, errlen, "cannot lock directory %s: %s", dir,
                strerror(e));
    close(fd);
    return -e;
  }
  return fd;
}

void pf_cfg_unlock_dir(int fd) {
  if (fd >= 0)
    close(fd); /* releases the flock */
}
