/*
 * udp-probe.c -- a numbered UDP datagram source and sink for the pf-loss
 * relay tests.  Loopback only; every wait is bounded.
 *
 *   udp-probe sink [-6] [-e] [-i IDLE_MS] [-m MAX_S] [-o FILE]
 *     Binds an ephemeral port on 127.0.0.1 (::1 with -6) and prints
 *     "port N" on standard output.  Counts datagrams until IDLE_MS
 *     (default 1000) pass without one (once one has arrived) or MAX_S
 *     seconds (default 30) in all; with -e echoes each one back to its
 *     sender; with -o writes the first 8 bytes of each datagram of at
 *     least 8 bytes to FILE as 16 lowercase hex digits, one line each
 *     (a sealed punktfunk/1 datagram's clear seq).  Then prints one line:
 *       received R unique U duplicates D reordered O maxgap_ms G gap_after S
 *     (reordered: arrived with a sequence number below one already seen;
 *     maxgap_ms: the longest silence between two arrivals, and the
 *     sequence number received just before it).
 *
 *   udp-probe send [-6] -p PORT -n COUNT [-s SIZE] [-i INTERVAL_US]
 *                  [-w WAIT_MS]
 *     Sends COUNT datagrams of SIZE bytes (default 100, at least 8: a
 *     big-endian 64-bit sequence number, then filler) to PORT, one every
 *     INTERVAL_US (default 100).  With -w, also counts datagrams that come
 *     back, waiting up to WAIT_MS after the last send, and prints
 *     "sent N echoes E rtt_ms_min A rtt_ms_max B" (round trips of the
 *     echoes, matched by sequence number; -1 without echoes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long num(const char *s) {
  char *end;
  long v = strtol(s, &end, 10);

  if (*s == '\0' || *end != '\0' || v < 0) {
    fprintf(stderr, "udp-probe: bad number '%s'\n", s);
    exit(2);
  }
  return v;
}

static double now_s(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_socket(int v6, int port, struct sockaddr_storage *peer,
                       socklen_t *plen) {
  struct sockaddr_storage a;
  socklen_t len;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0), big = 8 << 20;

  if (fd < 0) {
    perror("udp-probe: socket");
    exit(1);
  }
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
  memset(&a, 0, sizeof(a));
  if (v6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a;
    s6->sin6_family = AF_INET6;
    s6->sin6_addr = in6addr_loopback;
    len = sizeof(*s6);
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&a;
    s4->sin_family = AF_INET;
    s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(*s4);
  }
  if (bind(fd, (struct sockaddr *)&a, len) != 0) {
    perror("udp-probe: bind");
    exit(1);
  }
  if (peer) {
    *peer = a;
    if (v6)
      ((struct sockaddr_in6 *)peer)->sin6_port = htons((uint16_t)port);
    else
      ((struct sockaddr_in *)peer)->sin_port = htons((uint16_t)port);
    *plen = len;
  }
  return fd;
}

static int sink(int v6, int echo, long idle_ms, long max_s, FILE *seqs) {
  static unsigned char seen[1 << 20];
  unsigned char buf[65536];
  struct sockaddr_storage a;
  socklen_t len = sizeof(a);
  double start = now_s(), last = 0, maxgap = 0;
  unsigned long long received = 0, unique = 0, dups = 0, reordered = 0;
  unsigned long long maxseq = 0, gap_after = 0, prevseq = 0;
  int fd = open_socket(v6, 0, NULL, NULL), any = 0;

  if (getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    perror("udp-probe: getsockname");
    return 1;
  }
  printf("port %u\n", ntohs(v6 ? ((struct sockaddr_in6 *)&a)->sin6_port
                               : ((struct sockaddr_in *)&a)->sin_port));
  fflush(stdout);
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    double t = now_s();
    int wait = any ? (int)(idle_ms - (t - last) * 1000) : 100;
    ssize_t n;

    if (t - start > max_s || (any && wait <= 0))
      break;
    if (poll(&p, 1, wait > 0 ? wait : 0) <= 0)
      continue;
    len = sizeof(a);
    n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&a, &len);
    if (n < 0)
      continue;
    t = now_s();
    received++;
    if (n >= 8) {
      unsigned long long seq = 0;
      int i;
      for (i = 0; i < 8; i++)
        seq = seq << 8 | buf[i];
      if (seqs)
        fprintf(seqs, "%016llx\n", seq);
      if (seq < sizeof(seen) * 8) {
        if (seen[seq / 8] & (1u << (seq % 8)))
          dups++;
        else {
          seen[seq / 8] |= (unsigned char)(1u << (seq % 8));
          unique++;
          if (any && seq < maxseq)
            reordered++;
        }
      }
      if (any && t - last > maxgap) {
        maxgap = t - last;
        gap_after = prevseq;
      }
      if (seq > maxseq)
        maxseq = seq;
      prevseq = seq;
    }
    if (echo)
      sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&a, len);
    last = t;
    any = 1;
  }
  printf("received %llu unique %llu duplicates %llu reordered %llu "
         "maxgap_ms %.0f gap_after %llu\n",
         received, unique, dups, reordered, maxgap * 1000, gap_after);
  return 0;
}

/* Updates the round-trip range with the echo of a numbered datagram. */
static void echo_rtt(const unsigned char *b, long count, const double *sent,
                     double *rmin, double *rmax) {
  unsigned long long seq = 0;
  double rtt;
  int i;

  for (i = 0; i < 8; i++)
    seq = seq << 8 | b[i];
  if (seq >= (unsigned long long)count)
    return;
  rtt = now_s() - sent[seq];
  if (*rmin < 0 || rtt < *rmin)
    *rmin = rtt;
  if (rtt > *rmax)
    *rmax = rtt;
}

static int send_probe(int v6, long port, long count, long size, long gap_us,
                      long wait_ms) {
  struct sockaddr_storage peer;
  socklen_t plen;
  static double sent_at[1000000];
  unsigned char buf[65536], rbuf[65536];
  long i, echoes = 0;
  double rmin = -1, rmax = -1;
  int fd = open_socket(v6, (int)port, &peer, &plen), k;
  double next = now_s(), last_rx;

  if (size < 8 || size > 65000)
    size = size < 8 ? 8 : 65000;
  memset(buf, 0xA5, sizeof(buf));
  if (connect(fd, (struct sockaddr *)&peer, plen) != 0) {
    perror("udp-probe: connect");
    return 1;
  }
  for (i = 0; i < count; i++) {
    unsigned long long seq = (unsigned long long)i;
    for (k = 7; k >= 0; k--, seq >>= 8)
      buf[k] = (unsigned char)seq;
    while (now_s() < next) {
      struct timespec ts = {0, 20000};
      nanosleep(&ts, NULL);
    }
    next += gap_us / 1e6;
    while (send(fd, buf, (size_t)size, 0) < 0) {
      if (errno == ECONNREFUSED)
        continue; /* an ICMP for an earlier datagram; retry */
      if (errno != EAGAIN && errno != ENOBUFS) {
        perror("udp-probe: send");
        return 1;
      }
      poll(NULL, 0, 1);
    }
    sent_at[i] = now_s();
    if (wait_ms > 0)
      while (recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT) >= 8) {
        echo_rtt(rbuf, count, sent_at, &rmin, &rmax);
        echoes++;
      }
  }
  if (wait_ms > 0) {
    last_rx = now_s();
    while ((now_s() - last_rx) * 1000 < wait_ms) {
      struct pollfd p = {.fd = fd, .events = POLLIN};
      if (poll(&p, 1, 20) > 0 &&
          recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT) >= 8) {
        echo_rtt(rbuf, count, sent_at, &rmin, &rmax);
        echoes++;
        last_rx = now_s();
      }
    }
    printf("sent %ld echoes %ld rtt_ms_min %.0f rtt_ms_max %.0f\n", count,
           echoes, rmin < 0 ? -1 : rmin * 1000, rmax < 0 ? -1 : rmax * 1000);
  }
  return 0;
}

int main(int argc, char **argv) {
  long port = 0, count = 0, size = 100, gap_us = 100, wait_ms = 0;
  long idle_ms = 1000, max_s = 30;
  int v6 = 0, echo = 0, c, rv;
  FILE *seqs = NULL;

  if (argc < 2) {
    fprintf(stderr, "usage: udp-probe sink|send [options]\n");
    return 2;
  }
  optind = 2;
  while ((c = getopt(argc, argv, "6ep:n:s:i:w:m:o:")) != -1) {
    switch (c) {
    case '6':
      v6 = 1;
      break;
    case 'e':
      echo = 1;
      break;
    case 'p':
      port = num(optarg);
      break;
    case 'n':
      count = num(optarg);
      break;
    case 's':
      size = num(optarg);
      break;
    case 'i':
      gap_us = num(optarg);
      idle_ms = gap_us;
      break;
    case 'w':
      wait_ms = num(optarg);
      break;
    case 'm':
      max_s = num(optarg);
      break;
    case 'o':
      if (seqs)
        fclose(seqs);
      seqs = fopen(optarg, "w");
      if (!seqs) {
        perror("udp-probe: -o");
        return 1;
      }
      break;
    default:
      return 2;
    }
  }
  if (strcmp(argv[1], "sink") == 0) {
    rv = sink(v6, echo, idle_ms, max_s, seqs);
    if (seqs && fclose(seqs) != 0) {
      perror("udp-probe: -o");
      return 1;
    }
    return rv;
  }
  if (strcmp(argv[1], "send") == 0) {
    if (port < 1 || port > 65535 || count > 1000000) {
      fprintf(stderr, "udp-probe: send needs -p PORT and -n COUNT\n");
      return 2;
    }
    return send_probe(v6, port, count, size, gap_us, wait_ms);
  }
  fprintf(stderr, "udp-probe: unknown mode '%s'\n", argv[1]);
  return 2;
}
