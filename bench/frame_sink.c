/*
 * frame_sink.c -- the receiving end of bench/bench_sendrecv.sh: checks
 * the frames of bench/frame_gen byte-exact and measures their one-way
 * latency from the send time in the payload (same host, same clock).
 *
 * Default: reads pf-recv's --framing length output on standard input
 * until end of file.  With -u PORT it receives frame_gen's datagrams on
 * 127.0.0.1:PORT instead (0 picks a port, printed as "frame_sink:
 * listening on port N" on standard error) and counts a frame when all
 * its datagrams arrived; it stops after -n frames, 1 s (-i) without a
 * datagram, or -t seconds.
 *
 * Prints one line of key=value pairs on standard output:
 *   delivered bad dup bytes chunks seconds goodput_bps p50_us p90_us
 *   p99_us max_us
 *   (chunks: the datagrams accepted in UDP mode)
 * Latency is arrival minus send time minus -d MS (a known path delay);
 * -l FILE also writes "SEQ LATENCY_US BYTES" for every delivered frame.
 * Goodput is the bytes of the delivered frames after the first one over
 * the time from the first frame's arrival to the last one's (so a fixed
 * path delay does not count; "seconds" is that time).
 *
 * Usage: frame_sink [-n N] [-d MS] [-k monotonic|realtime] [-t SEC]
 *                   [-l FILE] [-u PORT [-i SEC]]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PATTERN_MOD 251u
#define UDP_HDR 28u
#define MAX_FRAME (64u << 20)

static clockid_t clk = CLOCK_MONOTONIC;
static uint8_t pat[MAX_FRAME + 2 * PATTERN_MOD];

static uint64_t now_ns(void) {
  struct timespec ts;

  clock_gettime(clk, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;

  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

typedef struct stats {
  uint64_t delivered, bad, dup, bytes, chunks;
  uint64_t first_ts, first_arrival, first_len, last_arrival;
  double *lat; /* microseconds, one per delivered frame */
  FILE *log;   /* -l: "seq latency_us" per delivered frame */
  size_t nlat, caplat;
  uint8_t *seen; /* 1 per sequence number, grows */
  size_t nseen;
} stats;

static int mark_seen(stats *s, uint64_t seq) {
  if (seq >= s->nseen) {
    size_t n = s->nseen ? s->nseen : 4096;
    uint8_t *p;

    while (n <= seq)
      n *= 2;
    p = realloc(s->seen, n);
    if (!p)
      return -1;
    memset(p + s->nseen, 0, n - s->nseen);
    s->seen = p;
    s->nseen = n;
  }
  if (s->seen[seq])
    return 1;
  s->seen[seq] = 1;
  return 0;
}

static void deliver(stats *s, uint64_t seq, uint64_t ts, uint64_t arrival,
                    uint64_t len, double delay_us) {
  if (s->nlat == s->caplat) {
    size_t n = s->caplat ? 2 * s->caplat : 4096;
    double *p = realloc(s->lat, n * sizeof(*p));

    if (!p)
      return;
    s->lat = p;
    s->caplat = n;
  }
  s->lat[s->nlat++] = (double)(int64_t)(arrival - ts) / 1e3 - delay_us;
  if (s->log)
    fprintf(s->log, "%llu %.1f %llu\n", (unsigned long long)seq,
            s->lat[s->nlat - 1], (unsigned long long)len);
  if (!s->delivered || ts < s->first_ts)
    s->first_ts = ts;
  if (!s->delivered) {
    s->first_arrival = arrival;
    s->first_len = len;
  }
  s->last_arrival = arrival;
  s->delivered++;
  s->bytes += len;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

static double pct(const stats *s, double p) {
  size_t i;

  if (!s->nlat)
    return 0;
  i = (size_t)(p / 100.0 * (double)(s->nlat - 1) + 0.5);
  return s->lat[i < s->nlat ? i : s->nlat - 1];
}

static size_t read_full(int fd, uint8_t *p, size_t n) {
  size_t got = 0;

  while (got < n) {
    ssize_t r = read(fd, p + got, n - got);

    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  return got;
}

static void run_stream(stats *s, double delay_us, uint64_t hard_end) {
  static uint8_t buf[MAX_FRAME];
  uint8_t hdr[4];

  (void)fcntl(0, F_SETPIPE_SZ, 1 << 20);
  while (now_ns() < hard_end && read_full(0, hdr, 4) == 4) {
    uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
                   (uint32_t)hdr[2] << 8 | hdr[3];
    uint64_t seq, ts, arrival;

    if (len > MAX_FRAME) {
      fprintf(stderr, "frame_sink: frame of %u bytes: out of sync\n", len);
      s->bad++;
      break;
    }
    if (read_full(0, buf, len) != len) {
      s->bad++;
      break;
    }
    arrival = now_ns();
    if (len < 16) {
      s->bad++;
      continue;
    }
    ts = get64(buf);
    seq = get64(buf + 8);
    if (memcmp(buf + 16, pat + 16 + seq % PATTERN_MOD, len - 16) != 0) {
      s->bad++;
      continue;
    }
    if (mark_seen(s, seq)) {
      s->dup++;
      continue;
    }
    deliver(s, seq, ts, arrival, len, delay_us);
  }
}

/* UDP mode: frames in flight are kept by sequence number in a table. */
typedef struct inflight {
  uint64_t seq;
  uint32_t n, got, size;
  uint8_t *have;
  int used;
} inflight;

#define SLOTS 1024u

static void run_udp(stats *s, int fd, double delay_us, uint64_t hard_end,
                    uint64_t nframes, double idle) {
  static inflight tab[SLOTS];
  static uint8_t dg[65536];
  uint64_t last_rx = 0;

  for (;;) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    uint64_t now = now_ns();
    ssize_t r;

    if (now >= hard_end || (nframes && s->delivered >= nframes) ||
        (last_rx && now - last_rx > (uint64_t)(idle * 1e9)))
      break;
    if (poll(&pfd, 1, 50) <= 0)
      continue;
    while ((r = recv(fd, dg, sizeof(dg), MSG_DONTWAIT)) >= 0) {
      uint64_t arrival = now_ns(), seq, ts;
      uint32_t k, n, size;
      inflight *f;

      last_rx = arrival;
      if ((size_t)r < UDP_HDR || memcmp(dg, "PFBG", 4) != 0) {
        s->bad++;
        continue;
      }
      seq = get32(dg + 4);
      k = get32(dg + 8);
      n = get32(dg + 12);
      ts = get64(dg + 16);
      size = get32(dg + 24);
      if (k >= n ||
          memcmp(dg + UDP_HDR, pat + UDP_HDR + (seq + k) % PATTERN_MOD,
                 (size_t)r - UDP_HDR) != 0) {
        s->bad++;
        continue;
      }
      if (seq < s->nseen && s->seen[seq]) {
        s->dup++;
        continue;
      }
      f = &tab[seq % SLOTS];
      if (!f->used || f->seq != seq) {
        free(f->have);
        memset(f, 0, sizeof(*f));
        f->have = calloc(n, 1);
        if (!f->have)
          continue;
        f->used = 1;
        f->seq = seq;
        f->n = n;
        f->size = size;
      }
      if (n != f->n || f->have[k]) {
        s->dup++;
        continue;
      }
      f->have[k] = 1;
      f->got++;
      s->chunks++;
      if (f->got == f->n) {
        (void)mark_seen(s, seq);
        deliver(s, seq, ts, arrival, f->size, delay_us);
        free(f->have);
        memset(f, 0, sizeof(*f));
      }
    }
  }
  for (size_t i = 0; i < SLOTS; i++)
    free(tab[i].have);
}

static void usage(void) {
  fprintf(stderr, "usage: frame_sink [-n N] [-d MS] [-k monotonic|realtime] "
                  "[-t SEC] [-l FILE] [-u PORT [-i SEC]]\n");
  exit(2);
}

int main(int argc, char **argv) {
  stats s;
  double delay_us = 0, seconds = 60, idle = 1.0, secs;
  uint64_t nframes = 0, t0;
  int opt, port = -1, fd = -1;

  memset(&s, 0, sizeof(s));
  while ((opt = getopt(argc, argv, "n:d:k:t:u:i:l:h")) != -1) {
    switch (opt) {
    case 'n': nframes = strtoull(optarg, NULL, 10); break;
    case 'd': delay_us = strtod(optarg, NULL) * 1e3; break;
    case 't': seconds = strtod(optarg, NULL); break;
    case 'i': idle = strtod(optarg, NULL); break;
    case 'u': port = atoi(optarg); break;
    case 'l':
      s.log = fopen(optarg, "w");
      if (!s.log) {
        perror(optarg);
        return 1;
      }
      break;
    case 'k':
      if (!strcmp(optarg, "realtime"))
        clk = CLOCK_REALTIME;
      else if (strcmp(optarg, "monotonic"))
        usage();
      break;
    default: usage();
    }
  }
  if (optind != argc || !(seconds > 0) || !(idle > 0))
    usage();
  for (size_t i = 0; i < sizeof(pat); i++)
    pat[i] = (uint8_t)(i % PATTERN_MOD);
  if (port >= 0) {
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int sz = 32 << 20;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
      perror("frame_sink: socket");
      return 1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
      (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    fprintf(stderr, "frame_sink: listening on port %u\n",
            (unsigned)ntohs(sa.sin_port));
  }
  t0 = now_ns();
  if (fd >= 0)
    run_udp(&s, fd, delay_us, t0 + (uint64_t)(seconds * 1e9), nframes, idle);
  else
    run_stream(&s, delay_us, t0 + (uint64_t)(seconds * 1e9));
  qsort(s.lat, s.nlat, sizeof(double), cmp_double);
  secs = s.delivered > 1 ? (double)(s.last_arrival - s.first_arrival) / 1e9
                         : 0;
  printf("delivered=%llu bad=%llu dup=%llu bytes=%llu chunks=%llu "
         "seconds=%.6f goodput_bps=%.0f p50_us=%.1f p90_us=%.1f p99_us=%.1f "
         "max_us=%.1f\n",
         (unsigned long long)s.delivered, (unsigned long long)s.bad,
         (unsigned long long)s.dup, (unsigned long long)s.bytes,
         (unsigned long long)s.chunks, secs,
         secs > 0 ? (double)(s.bytes - s.first_len) * 8 / secs : 0.0,
         pct(&s, 50), pct(&s, 90), pct(&s, 99),
         s.nlat ? s.lat[s.nlat - 1] : 0.0);
  free(s.lat);
  free(s.seen);
  if (s.log)
    fclose(s.log);
  if (fd >= 0)
    close(fd);
  return 0;
}
