/*
 * pf_clock.c -- the library's clock: CLOCK_MONOTONIC in ns, the time
 * base handed to the sans-I/O core, and the pacing sleep (sleep to just
 * before the due time, spin the tail).  doc/internals/udp-io.md.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include <punktfunk/punktfunk.h>

uint64_t pf_clock_now_ns(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t pf_clock_sleep_until(uint64_t due_ns) {
  uint64_t now = pf_clock_now_ns();

  if (now >= due_ns)
    return now - due_ns;
  if (due_ns - now > PF_CLOCK_SPIN_NS) {
    uint64_t wake = due_ns - PF_CLOCK_SPIN_NS;
    struct timespec ts;
    int guard;

    ts.tv_sec = (time_t)(wake / 1000000000u);
    ts.tv_nsec = (long)(wake % 1000000000u);
    /* Absolute time: an interrupted sleep just resumes (bounded). */
    for (guard = 0; guard < 1000; guard++)
      if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != EINTR)
        break;
  }
  while ((now = pf_clock_now_ns()) < due_ns)
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    ;
#endif
  return now - due_ns;
}
