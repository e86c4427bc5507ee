/*
 * udp-lossy-relay.c -- a deterministic lossy UDP relay for the pf-send /
 * pf-recv tests: what pf-loss relay cannot do, a delay counted in
 * datagrams (t2003 keeps frames completing out of order this way).
 *
 * Usage: udp-lossy-relay [-6] -t TARGET_PORT [-n N] [-b B] [-s SKIP]
 *                        [-d D] [-i IDLE_MS] [-m MAX_S]
 *
 * Binds an ephemeral loopback port (127.0.0.1, or ::1 with -6), prints it
 * on standard output (one line), and forwards every datagram it receives
 * to TARGET_PORT on the same loopback address, except that of every N
 * datagrams (counting from the first after the SKIP first ones) the first
 * B are dropped (default N 0 = no loss, B 1).  With -d D they are not
 * dropped but delayed: sent after D further datagrams (or when the input
 * pauses for 50 ms), which reorders the stream.  Exits 0 after IDLE_MS
 * (default 2000) without a datagram once one has arrived, or after MAX_S
 * seconds (default 60) in any case, printing "forwarded F dropped D" on
 * standard error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
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
    fprintf(stderr, "udp-lossy-relay: bad number '%s'\n", s);
    exit(2);
  }
  return v;
}

static double now_s(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define MAX_DELAYED 64

static unsigned char delayed[MAX_DELAYED][9216];
static size_t delayed_len[MAX_DELAYED];
static unsigned long long delayed_due[MAX_DELAYED];
static int ndelayed;

static void send_one(int out, const unsigned char *p, size_t len) {
  while (send(out, p, len, 0) < 0 && errno == EAGAIN) {
    struct pollfd q = {.fd = out, .events = POLLOUT};
    poll(&q, 1, 100);
  }
}

/* Sends the delayed datagrams that are due at |count| (all if 0). */
static void release(int out, unsigned long long count) {
  int i, j = 0;

  for (i = 0; i < ndelayed; i++) {
    if (count == 0 || delayed_due[i] <= count) {
      send_one(out, delayed[i], delayed_len[i]);
      continue;
    }
    if (j != i) {
      memcpy(delayed[j], delayed[i], delayed_len[i]);
      delayed_len[j] = delayed_len[i];
      delayed_due[j] = delayed_due[i];
    }
    j++;
  }
  ndelayed = j;
}

int main(int argc, char **argv) {
  static unsigned char buf[65536];
  struct sockaddr_storage la, ta;
  socklen_t alen;
  long target = -1, n = 0, b = 1, skip = 0, idle_ms = 2000, max_s = 60;
  long delay = 0;
  unsigned long long count = 0, fwd = 0, dropped = 0, reordered = 0;
  int v6 = 0, c, in, out, got = 0, bufsz = 32 << 20;
  double start, last;

  while ((c = getopt(argc, argv, "6t:n:b:s:d:i:m:")) != -1) {
    switch (c) {
    case '6':
      v6 = 1;
      break;
    case 't':
      target = num(optarg);
      break;
    case 'n':
      n = num(optarg);
      break;
    case 'b':
      b = num(optarg);
      break;
    case 's':
      skip = num(optarg);
      break;
    case 'd':
      delay = num(optarg);
      break;
    case 'i':
      idle_ms = num(optarg);
      break;
    case 'm':
      max_s = num(optarg);
      break;
    default:
      fprintf(stderr, "usage: udp-lossy-relay [-6] -t PORT [-n N] [-b B] "
                      "[-s SKIP] [-d D] [-i IDLE_MS] [-m MAX_S]\n");
      return 2;
    }
  }
  if (target < 1 || target > 65535) {
    fprintf(stderr, "udp-lossy-relay: -t PORT is required\n");
    return 2;
  }
  memset(&la, 0, sizeof(la));
  memset(&ta, 0, sizeof(ta));
  if (v6) {
    struct sockaddr_in6 *l = (struct sockaddr_in6 *)&la,
                        *t = (struct sockaddr_in6 *)&ta;
    l->sin6_family = t->sin6_family = AF_INET6;
    l->sin6_addr = t->sin6_addr = in6addr_loopback;
    t->sin6_port = htons((unsigned short)target);
    alen = sizeof(*l);
  } else {
    struct sockaddr_in *l = (struct sockaddr_in *)&la,
                       *t = (struct sockaddr_in *)&ta;
    l->sin_family = t->sin_family = AF_INET;
    l->sin_addr.s_addr = t->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    t->sin_port = htons((unsigned short)target);
    alen = sizeof(*l);
  }
  in = socket(la.ss_family, SOCK_DGRAM, 0);
  out = socket(la.ss_family, SOCK_DGRAM, 0);
  if (in < 0 || out < 0 || bind(in, (struct sockaddr *)&la, alen) != 0 ||
      connect(out, (struct sockaddr *)&ta, alen) != 0) {
    perror("udp-lossy-relay: socket");
    return 1;
  }
  (void)setsockopt(in, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz));
  (void)setsockopt(out, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz));
  alen = sizeof(la);
  getsockname(in, (struct sockaddr *)&la, &alen);
  printf("%u\n", v6 ? ntohs(((struct sockaddr_in6 *)&la)->sin6_port)
                    : ntohs(((struct sockaddr_in *)&la)->sin_port));
  fflush(stdout);
  start = last = now_s();
  for (;;) {
    struct pollfd p = {.fd = in, .events = POLLIN};
    double t = now_s();
    ssize_t len;

    if (t - start > (double)max_s ||
        (got && (t - last) * 1000 > (double)idle_ms))
      break;
    if (poll(&p, 1, 50) <= 0) {
      release(out, 0);
      continue;
    }
    len = recv(in, buf, sizeof(buf), 0);
    if (len < 0)
      continue;
    got = 1;
    last = now_s();
    count++;
    if (n > 0 && count > (unsigned long long)skip &&
        (count - (unsigned long long)skip - 1) % (unsigned long long)n <
            (unsigned long long)b) {
      if (delay > 0 && ndelayed < MAX_DELAYED &&
          (size_t)len <= sizeof(delayed[0])) {
        memcpy(delayed[ndelayed], buf, (size_t)len);
        delayed_len[ndelayed] = (size_t)len;
        delayed_due[ndelayed] = count + (unsigned long long)delay;
        ndelayed++;
        reordered++;
        fwd++;
        continue;
      }
      dropped++;
      continue;
    }
    send_one(out, buf, (size_t)len);
    fwd++;
    release(out, count);
  }
  release(out, 0);
  fprintf(stderr, "forwarded %llu dropped %llu reordered %llu\n", fwd,
          dropped, reordered);
  return 0;
}
