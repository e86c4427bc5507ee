/*
 * frame_gen.c -- timestamped test frames for bench/bench_sendrecv.sh.
 *
 * Writes frames to standard output in pf-send's default framing (a 4-byte
 * big-endian length, then the frame), or with -u sends every frame as
 * UDP datagrams of at most -c bytes (the input of srt-live-transmit).
 *
 * Frame payload (stream mode), little-endian:
 *   0..7   send time in ns (CLOCK_MONOTONIC, or CLOCK_REALTIME with -k)
 *   8..15  sequence number, from 0
 *   16..   byte i is (i + seq) mod 251
 * Datagram (UDP mode), little-endian:
 *   0..3 magic "PFBG", 4..7 frame seq, 8..11 chunk index, 12..15 chunks
 *   in the frame, 16..23 send time of the frame in ns, 24..27 frame size,
 *   28.. byte j is (j + seq + chunk) mod 251
 * frame_sink checks both byte-exact.
 *
 * Frames have -s bytes on average; with -v P their sizes vary uniformly
 * by +-P % (a fixed splitmix64 sequence, so every run is the same).
 * -f F paces frames at F per second (0: as fast as the output takes
 * them); -r R additionally paces UDP datagrams at R bit/s.  The run ends
 * after -n frames, -b bytes or -t seconds, whichever comes first; a
 * -w S waits S seconds before the first frame, so that the consumer's
 * start-up (pf-send opening its socket) is not counted as latency.  A
 * summary "frames=N bytes=B datagrams=D seconds=S" goes to standard
 * error (D: datagrams sent in UDP mode).
 *
 * Usage: frame_gen [-n N] [-s BYTES] [-v PCT] [-f FPS] [-t SEC] [-w SEC]
 *                  [-b BYTES]
 *                  [-k monotonic|realtime] [-u HOST:PORT [-c CHUNK] [-r BPS]]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "splitmix.h"

#define PATTERN_MOD 251u
#define UDP_HDR 28u

static clockid_t clk = CLOCK_MONOTONIC;

static uint64_t now_ns(void) {
  struct timespec ts;

  clock_gettime(clk, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t) {
  struct timespec ts;

  ts.tv_sec = (time_t)(t / 1000000000u);
  ts.tv_nsec = (long)(t % 1000000000u);
  while (clock_nanosleep(clk, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static int write_all(int fd, struct iovec *iov, int n) {
  while (n > 0) {
    ssize_t w = writev(fd, iov, n);

    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    while (n > 0 && (size_t)w >= iov->iov_len) {
      w -= (ssize_t)iov->iov_len;
      iov++;
      n--;
    }
    if (n > 0) {
      iov->iov_base = (uint8_t *)iov->iov_base + w;
      iov->iov_len -= (size_t)w;
    }
  }
  return 0;
}

static double num_arg(const char *s, const char *what) {
  char *e;
  double v = strtod(s, &e);

  if (e != s && (*e == 'k' || *e == 'K'))
    v *= 1e3, e++;
  else if (e != s && *e == 'M')
    v *= 1e6, e++;
  else if (e != s && *e == 'G')
    v *= 1e9, e++;
  if (e == s || *e || !(v >= 0)) {
    fprintf(stderr, "frame_gen: bad %s '%s'\n", what, s);
    exit(2);
  }
  return v;
}

static void usage(void) {
  fprintf(stderr,
          "usage: frame_gen [-n N] [-s BYTES] [-v PCT] [-f FPS] [-t SEC] "
          "[-w SEC] [-b BYTES] [-k monotonic|realtime] [-u HOST:PORT [-c CHUNK] "
          "[-r BPS]]\n");
  exit(2);
}

int main(int argc, char **argv) {
  uint64_t nframes = 1000, avg = 1048576, max_bytes = UINT64_MAX;
  double vary = 0, fps = 0, seconds = 10, rate = 0, wait = 0;
  size_t chunk = 1316;
  const char *udp = NULL;
  struct sockaddr_in sa;
  uint8_t *pat, *dg;
  uint64_t seed = 0x7066626e63680001u, seq, total = 0, t0, deadline;
  uint64_t next_dg = 0, maxsize, ndg = 0;
  int opt, fd = -1;

  while ((opt = getopt(argc, argv, "n:s:v:f:t:b:k:u:c:r:w:h")) != -1) {
    switch (opt) {
    case 'n': nframes = (uint64_t)num_arg(optarg, "-n"); break;
    case 's': avg = (uint64_t)num_arg(optarg, "-s"); break;
    case 'v': vary = num_arg(optarg, "-v"); break;
    case 'f': fps = num_arg(optarg, "-f"); break;
    case 't': seconds = num_arg(optarg, "-t"); break;
    case 'b': max_bytes = (uint64_t)num_arg(optarg, "-b"); break;
    case 'c': chunk = (size_t)num_arg(optarg, "-c"); break;
    case 'r': rate = num_arg(optarg, "-r"); break;
    case 'u': udp = optarg; break;
    case 'w': wait = num_arg(optarg, "-w"); break;
    case 'k':
      if (!strcmp(optarg, "realtime"))
        clk = CLOCK_REALTIME;
      else if (strcmp(optarg, "monotonic"))
        usage();
      break;
    default: usage();
    }
  }
  if (optind != argc || vary > 99 || avg < 16 || avg > (1u << 26) ||
      chunk <= UDP_HDR || chunk > 65000)
    usage();
  maxsize = avg + (uint64_t)((double)avg * vary / 100.0) + 1;
  pat = malloc(maxsize + PATTERN_MOD + 65536);
  dg = malloc(chunk);
  if (!pat || !dg)
    return 1;
  for (uint64_t i = 0; i < maxsize + PATTERN_MOD + 65536; i++)
    pat[i] = (uint8_t)(i % PATTERN_MOD);

  signal(SIGPIPE, SIG_IGN);
  if (udp) {
    char host[64];
    const char *colon = strrchr(udp, ':');
    int sz = 8 << 20;

    if (!colon || (size_t)(colon - udp) >= sizeof(host))
      usage();
    memcpy(host, udp, (size_t)(colon - udp));
    host[colon - udp] = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
      usage();
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
      perror("frame_gen: socket");
      return 1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) != 0)
      (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
  } else {
    (void)fcntl(1, F_SETPIPE_SZ, 1 << 20); /* fails harmlessly on a file */
  }

  if (wait > 0) /* let the consumer (pf-send) start up first */
    sleep_until(now_ns() + (uint64_t)(wait * 1e9));
  t0 = now_ns();
  deadline = t0 + (uint64_t)(seconds * 1e9);
  for (seq = 0; seq < nframes; seq++) {
    uint64_t size = avg, ts;

    if (vary > 0) {
      double u = (double)(splitmix64(&seed) >> 11) / 9007199254740992.0;
      double s = (double)avg * (1.0 + vary / 100.0 * (2.0 * u - 1.0));
      size = s < 16 ? 16 : (uint64_t)s;
    }
    if (total + size > max_bytes)
      break;
    if (fps > 0)
      sleep_until(t0 + (uint64_t)((double)seq * 1e9 / fps));
    ts = now_ns();
    if (ts >= deadline)
      break;
    if (!udp) {
      uint8_t hdr[20];
      struct iovec iov[2];

      hdr[0] = (uint8_t)(size >> 24);
      hdr[1] = (uint8_t)(size >> 16);
      hdr[2] = (uint8_t)(size >> 8);
      hdr[3] = (uint8_t)size;
      put64(hdr + 4, ts);
      put64(hdr + 12, seq);
      iov[0].iov_base = hdr;
      iov[0].iov_len = 20;
      iov[1].iov_base = pat + 16 + seq % PATTERN_MOD;
      iov[1].iov_len = size - 16;
      if (write_all(1, iov, 2) != 0) {
        perror("frame_gen: write");
        break;
      }
    } else {
      size_t per = chunk - UDP_HDR;
      uint32_t n = (uint32_t)((size + per - 1) / per), k;

      for (k = 0; k < n; k++) {
        size_t len = k + 1 < n ? per : size - (size_t)k * per;
        ssize_t w;

        memcpy(dg, "PFBG", 4);
        put32(dg + 4, (uint32_t)seq);
        put32(dg + 8, k);
        put32(dg + 12, n);
        put64(dg + 16, ts);
        put32(dg + 24, (uint32_t)size);
        memcpy(dg + UDP_HDR, pat + UDP_HDR + (seq + k) % PATTERN_MOD, len);
        if (rate > 0) {
          uint64_t now = now_ns();

          if (next_dg > now + 200000u)
            sleep_until(next_dg);
          if (next_dg < now - (now > 2000000u ? 2000000u : now))
            next_dg = now - 2000000u; /* at most 2 ms of burst credit */
          next_dg += (uint64_t)((double)(len + UDP_HDR) * 8e9 / rate);
        }
        do
          w = send(fd, dg, len + UDP_HDR, 0);
        while (w < 0 && (errno == EINTR || errno == ENOBUFS));
        if (w < 0 && errno != ECONNREFUSED) {
          perror("frame_gen: send");
          goto out;
        }
        ndg++;
      }
    }
    total += size;
  }
out:
  fprintf(stderr, "frames=%llu bytes=%llu datagrams=%llu seconds=%.6f\n",
          (unsigned long long)seq, (unsigned long long)total,
          (unsigned long long)ndg,
          (double)(now_ns() - t0) / 1e9);
  free(pat);
  free(dg);
  return 0;
}
