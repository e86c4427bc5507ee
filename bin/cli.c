/*
 * cli.c -- the basics every pf-* tool shares: its name in messages, the
 * version line, the library log on stderr, stop signals, whole-buffer
 * I/O, wiping secrets and formatting rates (see cli.h).  The parsers,
 * key files, addresses and option tables have their own cli_*.c files.
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
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

void cli_wipe(void *p, size_t len) {
  volatile uint8_t *v = p;

  while (len--)
    *v++ = 0;
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

