/*
 * pf_log.c -- the process-wide log callback.  Nothing is formatted when
 * no callback is installed or the level is filtered out.
 */
#include "base/pf_log.h"

#include <stdarg.h>
#include <stdio.h>

static struct {
  pf_log_cb cb;
  void *user_data;
  int max_level;
} log_state;

void pf_log_set_callback(pf_log_cb cb, int max_level, void *user_data) {
  log_state.user_data = user_data;
  log_state.max_level = max_level;
  __atomic_store_n(&log_state.cb, cb, __ATOMIC_RELEASE);
}

void pf_log(int level, const char *fmt, ...) {
  pf_log_cb cb = __atomic_load_n(&log_state.cb, __ATOMIC_ACQUIRE);
  char buf[512];
  va_list ap;

  if (!cb || level > log_state.max_level)
    return;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  cb(level, buf, log_state.user_data);
}
