/*
 * bench_udp.c -- raw UDP loopback blaster on the library's own I/O path
 * (pf_udp_send_segments / pf_udp_recv): the baseline every later
 * data-plane benchmark is compared with.
 *
 * One sender thread and one receiver thread over 127.0.0.1, 1472-byte
 * datagrams, for each backend (mmsg, io_uring) with GSO/GRO off and on,
 * plus the two mixed pairs (tx>rx) without GSO/GRO.
 * Each row runs PF_BENCH_SECONDS (default 1.0, at most 10) and the
 * receiver drains for at most 2 s more.  Prints pps, Gb/s (UDP payload
 * goodput at the receiver), loss, thread CPU and the ratio to the first
 * row (mmsg, no GSO, no GRO).
 *
 * Usage: bench_udp [SECONDS]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RUSAGE_THREAD */
#endif
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <punktfunk/punktfunk.h>

#define SEG 1472u
#define PER_CALL 256u

typedef struct row {
  uint32_t backend, gso, gro;
  uint32_t rx_backend; /* 0: same as backend */
  /* results */
  uint64_t sent, recvd, rx_first_ns, rx_last_ns, tx_ns, rx_wall_ns;
  double tx_cpu, rx_cpu;
  uint64_t eagain, gro_pkts;
  int err;
} row;

typedef struct ctx {
  row *r;
  pf_udp *tx, *rx;
  double seconds;
  volatile int tx_done;
} ctx;

static double thread_cpu(void) {
  struct rusage ru;

  getrusage(RUSAGE_THREAD, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void *rx_main(void *arg) {
  ctx *c = arg;
  pf_udp_datagram dg[256];
  uint64_t hard_end = pf_clock_now_ns() + (uint64_t)((c->seconds + 3.0) * 1e9);
  uint64_t idle_since = 0, now;
  double cpu0 = thread_cpu();
  uint64_t t0 = pf_clock_now_ns();
  int n;

  for (;;) {
    now = pf_clock_now_ns();
    if (now > hard_end)
      break;
    n = pf_udp_recv(c->rx, dg, 256, 20);
    if (n < 0) {
      if (n == -ECONNREFUSED || n == -EINTR)
        continue;
      c->r->err = n;
      break;
    }
    now = pf_clock_now_ns();
    if (n > 0) {
      if (!c->r->recvd)
        c->r->rx_first_ns = now;
      c->r->rx_last_ns = now;
      c->r->recvd += (uint64_t)n;
      idle_since = 0;
    } else if (__atomic_load_n(&c->tx_done, __ATOMIC_ACQUIRE)) {
      if (!idle_since)
        idle_since = now;
      else if (now - idle_since > 200000000u)
        break;
    }
  }
  c->r->rx_cpu = thread_cpu() - cpu0;
  c->r->rx_wall_ns = pf_clock_now_ns() - t0;
  return NULL;
}

static const char *pair_name(const row *r, char *buf, size_t len) {
  uint32_t rx = r->rx_backend ? r->rx_backend : r->backend;

  if (rx == r->backend)
    snprintf(buf, len, "%s",
             r->backend == PF_UDP_IO_URING ? "io_uring" : "mmsg");
  else
    snprintf(buf, len, "%s>%s",
             r->backend == PF_UDP_IO_URING ? "uring" : "mmsg",
             rx == PF_UDP_IO_URING ? "uring" : "mmsg");
  return buf;
}

static void run_row(row *r, double seconds) {
  static uint8_t buf[PER_CALL * SEG];
  pf_udp_config cfg;
  pf_udp_stats st;
  pthread_t th;
  ctx c;
  char peer[64];
  uint64_t t0, end;
  double cpu0;
  int n;

  memset(&c, 0, sizeof(c));
  c.r = r;
  c.seconds = seconds;
  memset(buf, 0x5a, sizeof(buf));
  pf_udp_config_default(&cfg);
  cfg.backend = r->rx_backend ? r->rx_backend : r->backend;
  cfg.gso = 0;
  cfg.gro = r->gro;
  r->err = pf_udp_open(&c.rx, &cfg, "127.0.0.1:0", NULL, NULL);
  if (r->err)
    return;
  snprintf(peer, sizeof(peer), "127.0.0.1:%u",
           (unsigned)pf_udp_local_port(c.rx));
  cfg.backend = r->backend;
  cfg.gso = r->gso;
  cfg.gro = 0;
  r->err = pf_udp_open(&c.tx, &cfg, "127.0.0.1:0", peer, NULL);
  if (r->err) {
    pf_udp_del(c.rx);
    return;
  }
  if (pthread_create(&th, NULL, rx_main, &c) != 0) {
    r->err = PF_ERR_INTERNAL;
    pf_udp_del(c.tx);
    pf_udp_del(c.rx);
    return;
  }
  cpu0 = thread_cpu();
  t0 = pf_clock_now_ns();
  end = t0 + (uint64_t)(seconds * 1e9);
  while (pf_clock_now_ns() < end) {
    n = pf_udp_send_segments(c.tx, buf, SEG, PER_CALL);
    if (n == -EAGAIN) {
      (void)pf_udp_wait_writable(c.tx, 10);
      continue;
    }
    if (n < 0) {
      if (n == -ECONNREFUSED || n == -ENOBUFS)
        continue;
      r->err = n;
      break;
    }
    r->sent += (uint64_t)n;
  }
  r->tx_ns = pf_clock_now_ns() - t0;
  r->tx_cpu = thread_cpu() - cpu0;
  __atomic_store_n(&c.tx_done, 1, __ATOMIC_RELEASE);
  pthread_join(th, NULL);
  st.struct_size = sizeof(st);
  if (pf_udp_get_stats(c.tx, &st) == 0)
    r->eagain = st.tx_eagain;
  if (pf_udp_get_stats(c.rx, &st) == 0)
    r->gro_pkts = st.rx_gro_packets;
  pf_udp_del(c.tx);
  pf_udp_del(c.rx);
}

int main(int argc, char **argv) {
  static row rows[] = {
      {.backend = PF_UDP_IO_MMSG},
      {.backend = PF_UDP_IO_MMSG, .gso = 1},
      {.backend = PF_UDP_IO_MMSG, .gso = 1, .gro = 1},
      {.backend = PF_UDP_IO_URING},
      {.backend = PF_UDP_IO_URING, .gso = 1},
      {.backend = PF_UDP_IO_URING, .gso = 1, .gro = 1},
      /* Mixed pairs: which side makes a backend faster or slower. */
      {.backend = PF_UDP_IO_URING, .rx_backend = PF_UDP_IO_MMSG},
      {.backend = PF_UDP_IO_MMSG, .rx_backend = PF_UDP_IO_URING},
  };
  const char *env = getenv("PF_BENCH_SECONDS");
  double seconds = 1.0, base_pps = 0;
  size_t i;

  if (argc > 1)
    env = argv[1];
  if (env) {
    char *e;
    seconds = strtod(env, &e);
    if (*e || !(seconds > 0.0) || seconds > 10.0) {
      fprintf(stderr, "bench_udp: seconds \"%s\" not in (0, 10]\n", env);
      return 2;
    }
  }
  printf("bench_udp: %u-byte datagrams over 127.0.0.1, %.1f s per row, "
         "%u datagrams per send call\n",
         SEG, seconds, PER_CALL);
  printf("%-11s %-4s %-4s %9s %9s %8s %7s %7s %7s %8s %6s\n", "backend", "gso",
         "gro", "tx kpps", "rx kpps", "rx Gb/s", "loss%", "txCPU", "rxCPU",
         "gro-pkts", "ratio");
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    row *r = &rows[i];
    char name[32];
    double rx_s, rx_pps, tx_pps, loss;

    run_row(r, seconds);
    if (r->err) {
      printf("%-11s %-4s %-4s  %s\n", pair_name(r, name, sizeof(name)),
             r->gso ? "on" : "off", r->gro ? "on" : "off", pf_strerror(r->err));
      continue;
    }
    rx_s = (double)(r->rx_last_ns - r->rx_first_ns) / 1e9;
    if (rx_s <= 0)
      rx_s = (double)r->tx_ns / 1e9;
    rx_pps = (double)r->recvd / rx_s;
    tx_pps = (double)r->sent / ((double)r->tx_ns / 1e9);
    loss = r->sent ? 100.0 *
                         (double)(r->sent -
                                  (r->recvd < r->sent ? r->recvd : r->sent)) /
                         (double)r->sent
                   : 0.0;
    if (i == 0)
      base_pps = rx_pps;
    printf("%-11s %-4s %-4s %9.1f %9.1f %8.2f %7.2f %6.0f%% %6.0f%% %8llu "
           "%5.2fx\n",
           pair_name(r, name, sizeof(name)), r->gso ? "on" : "off",
           r->gro ? "on" : "off", tx_pps / 1e3, rx_pps / 1e3,
           rx_pps * SEG * 8 / 1e9, loss,
           100.0 * r->tx_cpu / ((double)r->tx_ns / 1e9),
           100.0 * r->rx_cpu / ((double)r->rx_wall_ns / 1e9),
           (unsigned long long)r->gro_pkts,
           base_pps > 0 ? rx_pps / base_pps : 0.0);
    fflush(stdout);
  }
  return 0;
}
