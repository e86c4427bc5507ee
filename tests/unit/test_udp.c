/*
 * test_udp.c -- the UDP I/O layer over loopback: round trips (IPv4,
 * IPv6, both backends), GSO sends arriving as the datagrams sent, GRO
 * super-packets split back, address parsing, port in use, connected
 * filtering, -EAGAIN without loss, no allocation per packet, buffer
 * sizes, io_uring refused by seccomp, and (as root, in a private
 * network namespace) a real full send buffer.
 *
 * Traffic stays on 127.0.0.1 / ::1 or inside a network namespace the
 * test creates.  Every wait has a deadline.  Exits
 * 77 (after running the mmsg tests) when io_uring is unavailable.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/pf_udp.h"
#include "testutil.h"

#define SEG 1472u
#define NSEG 100u

static const uint32_t backends[2] = {PF_UDP_IO_MMSG, PF_UDP_IO_URING};
static int uring_ok;
static char uring_why[160];
static int have_v6;

static char logbuf[4096];
static void log_cb(int level, const char *msg, void *ud) {
  size_t l = strlen(logbuf);
  (void)level;
  (void)ud;
  snprintf(logbuf + l, sizeof(logbuf) - l, "%s\n", msg);
}

static const char *bname(uint32_t b) {
  return b == PF_UDP_IO_URING ? "io_uring" : "mmsg";
}

static int nbackends(void) {
  return uring_ok ? 2 : 1;
}

static pf_udp *open_or_fail(uint32_t backend, uint32_t gso, uint32_t gro,
                            const char *local, const char *peer,
                            const pf_mem *mem) {
  pf_udp_config c;
  pf_udp *u = NULL;
  int rv;

  pf_udp_config_default(&c);
  c.backend = backend;
  c.gso = gso;
  c.gro = gro;
  rv = pf_udp_open(&u, &c, local, peer, mem);
  TU_CHECK_MSG(rv == 0, "open %s %s -> %s: %s", bname(backend), local,
               peer ? peer : "-", pf_strerror(rv));
  return rv == 0 ? u : NULL;
}

static void peer_of(pf_udp *u, int v6, char *buf, size_t len) {
  snprintf(buf, len, v6 ? "[::1]:%u" : "127.0.0.1:%u",
           (unsigned)pf_udp_local_port(u));
}

/*
 * Receives until |want| datagrams arrived or |ms| passed, |cap| views per
 * call; each must equal exp[i * seg .. +seg) in order.  Returns the
 * number received; *bad counts mismatches.
 */
static size_t collect(pf_udp *rx, const uint8_t *exp, size_t seg, size_t want,
                      size_t cap, int ms, size_t *bad) {
  pf_udp_datagram dg[64];
  uint64_t end = pf_clock_now_ns() + (uint64_t)ms * 1000000u;
  size_t got = 0, i;
  int r;

  *bad = 0;
  if (cap > 64)
    cap = 64;
  while (got < want && pf_clock_now_ns() < end) {
    r = pf_udp_recv(rx, dg, cap, 50);
    if (r < 0) {
      TU_CHECK_MSG(0, "recv: %s", pf_strerror(r));
      break;
    }
    for (i = 0; i < (size_t)r; i++, got++) {
      if (got >= want || dg[i].len != seg ||
          memcmp(dg[i].data, exp + got * seg, seg) != 0)
        (*bad)++;
    }
  }
  return got;
}

static void test_pf_udp_config_default(void) {
  pf_udp_config c;

  memset(&c, 0xa5, sizeof(c));
  pf_udp_config_default(&c);
  TU_CHECK_EQ(c.struct_size, sizeof(c));
  TU_CHECK_EQ(c.backend, PF_UDP_IO_URING);
  TU_CHECK_EQ(c.sndbuf, PF_UDP_DEFAULT_SOCKBUF);
  TU_CHECK_EQ(c.rcvbuf, PF_UDP_DEFAULT_SOCKBUF);
  TU_CHECK_EQ(c.dscp, PF_UDP_DSCP_AUTO);
  TU_CHECK_EQ(c.gso, 1);
  TU_CHECK_EQ(c.gro, 1);
}

static void test_pf_udp_open_parse_errors(void) {
  static const char *bad_local[] = {"",
                                    "127.0.0.1",
                                    "127.0.0.1:",
                                    "127.0.0.1:65536",
                                    "127.0.0.1:1x",
                                    "127.0.0.1:-1",
                                    "127.0.0.1:+80",
                                    "::1:5000",
                                    "[::1]5000",
                                    "[::1]:",
                                    "[]:5",
                                    "[::1:5",
                                    "localhostx:5",
                                    "example.com:5",
                                    "1.2.3:5",
                                    "127.0.0.1:123456"};
  static const char *bad_peer[] = {"127.0.0.1:0", "127.0.0.1",
                                   "host:80",     "[::1]:80" /* v4 local */,
                                   ":80",         "300.1.1.1:80"};
  pf_udp_config c;
  pf_udp *u = NULL;
  size_t i;
  int rv;

  pf_udp_config_default(&c);
  c.backend = PF_UDP_IO_MMSG;
  for (i = 0; i < sizeof(bad_local) / sizeof(bad_local[0]); i++) {
    rv = pf_udp_open(&u, &c, bad_local[i], NULL, NULL);
    TU_CHECK_MSG(rv == PF_ERR_INVALID_ARGUMENT, "local \"%s\" -> %d",
                 bad_local[i], rv);
    TU_CHECK(u == NULL);
  }
  for (i = 0; i < sizeof(bad_peer) / sizeof(bad_peer[0]); i++) {
    rv = pf_udp_open(&u, &c, "127.0.0.1:0", bad_peer[i], NULL);
    TU_CHECK_MSG(rv == PF_ERR_INVALID_ARGUMENT, "peer \"%s\" -> %d",
                 bad_peer[i], rv);
    TU_CHECK(u == NULL);
  }
  TU_CHECK_EQ(pf_udp_open(NULL, &c, ":0", NULL, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_udp_open(&u, NULL, ":0", NULL, NULL), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_udp_open(&u, &c, NULL, NULL, NULL), PF_ERR_INVALID_ARGUMENT);
  c.struct_size = sizeof(size_t);
  TU_CHECK_EQ(pf_udp_open(&u, &c, ":0", NULL, NULL), PF_ERR_ABI);
  pf_udp_config_default(&c);
  c.backend = 9;
  TU_CHECK_EQ(pf_udp_open(&u, &c, ":0", NULL, NULL), PF_ERR_INVALID_ARGUMENT);
  pf_udp_config_default(&c);
  c.ring_buffers = 100; /* not a power of two */
  TU_CHECK_EQ(pf_udp_open(&u, &c, ":0", NULL, NULL), PF_ERR_INVALID_ARGUMENT);

  /* Good forms, and pf_udp_connect's own parse errors. */
  pf_udp_config_default(&c);
  c.backend = PF_UDP_IO_MMSG;
  rv = pf_udp_open(&u, &c, ":0", "localhost:9", NULL);
  TU_CHECK_EQ(rv, 0);
  if (rv == 0) {
    TU_CHECK(pf_udp_local_port(u) != 0);
    TU_CHECK_EQ(pf_udp_connect(u, "127.0.0.1:0"), PF_ERR_INVALID_ARGUMENT);
    TU_CHECK_EQ(pf_udp_connect(u, "[::1]:9"), PF_ERR_INVALID_ARGUMENT);
    TU_CHECK_EQ(pf_udp_connect(u, "localhost:10"), 0);
    pf_udp_del(u);
  }
  u = NULL;
  if (have_v6) {
    rv = pf_udp_open(&u, &c, ":0", "[::1]:9", NULL);
    TU_CHECK_EQ(rv, 0);
    pf_udp_del(u);
  }
  pf_udp_del(NULL);
  pf_udp_del(NULL);
}

static void test_pf_udp_addr_format(void) {
  pf_udp_config c;
  pf_udp_datagram dg[4];
  pf_udp *a = NULL, *b = NULL;
  char peer[64], s[PF_UDP_ADDRSTRLEN];
  int r;

  pf_udp_config_default(&c);
  c.backend = PF_UDP_IO_MMSG;
  if (pf_udp_open(&a, &c, "127.0.0.1:0", NULL, NULL) != 0)
    return;
  peer_of(a, 0, peer, sizeof(peer));
  if (pf_udp_open(&b, &c, "127.0.0.1:0", peer, NULL) == 0) {
    TU_CHECK_EQ(pf_udp_send(b, (const uint8_t *)"x", 1), 0);
    r = pf_udp_recv(a, dg, 4, 1000);
    TU_CHECK_EQ(r, 1);
    if (r == 1) {
      char want[64];
      snprintf(want, sizeof(want), "127.0.0.1:%u",
               (unsigned)pf_udp_local_port(b));
      TU_CHECK_EQ(pf_udp_addr_format(&dg[0].from, s, sizeof(s)), strlen(want));
      TU_CHECK(strcmp(s, want) == 0);
      TU_CHECK_EQ(pf_udp_addr_format(&dg[0].from, s, 5), PF_ERR_NOBUF);
      TU_CHECK_EQ(s[0], '\0');
    }
    pf_udp_del(b);
  }
  pf_udp_del(a);
}

/* v4/v6 round trips in both directions, then connect_addr to the source. */
static void test_pf_udp_round_trip(uint32_t be, int v6) {
  const char *any = v6 ? "[::1]:0" : "127.0.0.1:0";
  pf_udp *rx, *tx;
  pf_udp_datagram dg[8];
  char peer[64];
  int r;

  rx = open_or_fail(be, 1, 1, any, NULL, NULL);
  if (!rx)
    return;
  peer_of(rx, v6, peer, sizeof(peer));
  tx = open_or_fail(be, 1, 1, any, peer, NULL);
  if (!tx) {
    pf_udp_del(rx);
    return;
  }
  TU_CHECK_EQ(pf_udp_send(tx, (const uint8_t *)"hello", 5), 0);
  {
    /* pf_udp_fd() is what an event loop polls before pf_udp_recv(). */
    struct pollfd p = {.fd = pf_udp_fd(rx), .events = POLLIN, .revents = 0};
    TU_CHECK_EQ(poll(&p, 1, 2000), 1);
    TU_CHECK(p.revents & POLLIN);
  }
  r = pf_udp_recv(rx, dg, 8, 0);
  TU_CHECK_MSG(r == 1, "%s v%d: recv %d", bname(be), v6 ? 6 : 4, r);
  if (r == 1) {
    TU_CHECK(dg[0].len == 5 && memcmp(dg[0].data, "hello", 5) == 0);
    /* Answer the observed source: the receiver locks onto its sender. */
    TU_CHECK_EQ(pf_udp_connect_addr(rx, &dg[0].from), 0);
    TU_CHECK_EQ(pf_udp_send(rx, (const uint8_t *)"back", 4), 0);
    r = pf_udp_recv(tx, dg, 8, 2000);
    TU_CHECK_EQ(r, 1);
    if (r == 1)
      TU_CHECK(dg[0].len == 4 && memcmp(dg[0].data, "back", 4) == 0);
  }
  /* An empty datagram is a datagram. */
  TU_CHECK_EQ(pf_udp_send(tx, (const uint8_t *)"", 0), 0);
  r = pf_udp_recv(rx, dg, 8, 2000);
  TU_CHECK_EQ(r, 1);
  if (r == 1)
    TU_CHECK_EQ(dg[0].len, 0);
  /* Nothing more: a timeout is 0. */
  TU_CHECK_EQ(pf_udp_recv(rx, dg, 8, 20), 0);
  TU_CHECK_EQ(pf_udp_recv(rx, dg, 8, 0), 0);
  pf_udp_del(tx);
  pf_udp_del(rx);
}

/* 100 x 1472 through GSO arrive as 100 datagrams, same bytes, in order;
 * with GRO the receiver splits super-packets (small cap: resumes across
 * calls). */
static void test_pf_udp_gso_gro(uint32_t tx_be, uint32_t rx_be, uint32_t gso,
                                uint32_t gro, size_t cap, int v6) {
  const char *any = v6 ? "[::1]:0" : "127.0.0.1:0";
  static uint8_t buf[NSEG * SEG];
  pf_udp *rx, *tx;
  pf_udp_stats st;
  char peer[64];
  size_t got, bad;
  int r;

  tu_fill(tx_be * 100 + rx_be * 10 + gro, buf, sizeof(buf));
  rx = open_or_fail(rx_be, 0, gro, any, NULL, NULL);
  if (!rx)
    return;
  peer_of(rx, v6, peer, sizeof(peer));
  tx = open_or_fail(tx_be, gso, 0, any, peer, NULL);
  if (tx) {
    r = pf_udp_send_segments(tx, buf, SEG, NSEG);
    TU_CHECK_MSG(r == (int)NSEG, "%s->%s gso %u: sent %d (%s)", bname(tx_be),
                 bname(rx_be), gso, r, r < 0 ? pf_strerror(r) : "");
    got = collect(rx, buf, SEG, NSEG, cap, 3000, &bad);
    TU_CHECK_MSG(got == NSEG && bad == 0,
                 "%s->%s gso %u gro %u cap %zu: got %zu, %zu bad", bname(tx_be),
                 bname(rx_be), gso, gro, cap, got, bad);
    memset(&st, 0, sizeof(st));
    st.struct_size = sizeof(st);
    TU_CHECK_EQ(pf_udp_get_stats(tx, &st), 0);
    TU_CHECK_EQ(st.tx_datagrams, NSEG);
    TU_CHECK_EQ(st.tx_bytes, NSEG * SEG);
    /* 100 x 1472 is 3 super-packets of <= 44, in 1 kernel crossing. */
    if (gso)
      TU_CHECK_EQ(st.tx_calls, 1);
    TU_CHECK_EQ(pf_udp_get_stats(rx, &st), 0);
    TU_CHECK_EQ(st.rx_datagrams, NSEG);
    /* Loopback hands GSO super-packets to a GRO socket unsplit. */
    if (gso && gro)
      TU_CHECK_MSG(st.rx_gro_packets > 0, "no GRO super-packet seen");
    if (!gro)
      TU_CHECK_EQ(st.rx_gro_packets, 0);
    TU_CHECK_EQ(st.rx_truncated + st.rx_invalid, 0);
    pf_udp_del(tx);
  }
  pf_udp_del(rx);
}

static void test_pf_udp_port_in_use(uint32_t be) {
  pf_udp *a, *b = NULL;
  pf_udp_config c;
  char local[64];
  int rv;

  a = open_or_fail(be, 1, 1, "127.0.0.1:0", NULL, NULL);
  if (!a)
    return;
  pf_udp_config_default(&c);
  c.backend = be;
  peer_of(a, 0, local, sizeof(local));
  rv = pf_udp_open(&b, &c, local, NULL, NULL);
  TU_CHECK_EQ(rv, -EADDRINUSE);
  TU_CHECK(b == NULL);
  TU_CHECK(strcmp(pf_strerror(rv), pf_strerror(PF_ERR_INVALID_ARGUMENT)));
  pf_udp_del(a);
}

/* A connected receiver never sees a stranger's datagrams. */
static void test_pf_udp_connected_filter(uint32_t be) {
  pf_udp *rx, *good, *bad;
  pf_udp_datagram dg[8];
  char peer[64];
  uint64_t end;
  int r, i, n_good = 0, n_bad = 0;

  rx = open_or_fail(be, 1, 1, "127.0.0.1:0", NULL, NULL);
  if (!rx)
    return;
  peer_of(rx, 0, peer, sizeof(peer));
  good = open_or_fail(be, 1, 1, "127.0.0.1:0", peer, NULL);
  bad = open_or_fail(be, 1, 1, "127.0.0.1:0", peer, NULL);
  if (good && bad) {
    char gp[64];
    peer_of(good, 0, gp, sizeof(gp));
    TU_CHECK_EQ(pf_udp_connect(rx, gp), 0);
    TU_CHECK_EQ(pf_udp_send(bad, (const uint8_t *)"bad", 3), 0);
    TU_CHECK_EQ(pf_udp_send(good, (const uint8_t *)"good", 4), 0);
    /* The first stray datagram drew an ICMP port unreachable. */
    r = pf_udp_send(bad, (const uint8_t *)"bad", 3);
    TU_CHECK(r == 0 || r == -ECONNREFUSED);
    end = pf_clock_now_ns() + 300000000u;
    while (pf_clock_now_ns() < end) {
      r = pf_udp_recv(rx, dg, 8, 50);
      if (r < 0)
        break;
      for (i = 0; i < r; i++) {
        if (dg[i].len == 4 && memcmp(dg[i].data, "good", 4) == 0)
          n_good++;
        else
          n_bad++;
      }
    }
    TU_CHECK_EQ(n_good, 1);
    TU_CHECK_EQ(n_bad, 0);
  }
  pf_udp_del(bad);
  pf_udp_del(good);
  pf_udp_del(rx);
}

/*
 * A full socket buffer part way through a send: the call returns what
 * went out (or -EAGAIN if nothing did), counts it, and after the caller
 * retries the rest every datagram arrives exactly once, in order.
 * Loopback never fills a send buffer (skbs are orphaned at xmit), so
 * the test hook injects the -EAGAIN at a chosen datagram.
 */
static void test_pf_udp_eagain(uint32_t be, uint32_t gso) {
  static uint8_t buf[NSEG * SEG];
  pf_udp *rx, *tx;
  pf_udp_stats st;
  char peer[64];
  size_t got, bad, sent = 0;
  int r, tries;

  tu_fill(77 + be + gso, buf, sizeof(buf));
  rx = open_or_fail(be, 0, 1, "127.0.0.1:0", NULL, NULL);
  if (!rx)
    return;
  peer_of(rx, 0, peer, sizeof(peer));
  tx = open_or_fail(be, gso, 0, "127.0.0.1:0", peer, NULL);
  if (tx) {
    pf_udp_test_fault(tx, -EAGAIN, 0);
    TU_CHECK_EQ(pf_udp_send_segments(tx, buf, SEG, NSEG), -EAGAIN);
    pf_udp_test_fault(tx, -EAGAIN, 50);
    for (tries = 0; tries < 10 && sent < NSEG; tries++) {
      r = pf_udp_send_segments(tx, buf + sent * SEG, SEG, NSEG - sent);
      if (r == -EAGAIN) {
        TU_CHECK(pf_udp_wait_writable(tx, 100) >= 0);
        continue;
      }
      TU_CHECK_MSG(r > 0, "send: %s", pf_strerror(r));
      if (r <= 0)
        break;
      if (tries == 0)
        TU_CHECK_MSG(r > 0 && r <= 50, "first part %d", r);
      sent += (size_t)r;
    }
    TU_CHECK_EQ(sent, NSEG);
    got = collect(rx, buf, SEG, NSEG, 64, 3000, &bad);
    TU_CHECK_MSG(got == NSEG && bad == 0, "%s gso %u: got %zu, %zu bad",
                 bname(be), gso, got, bad);
    memset(&st, 0, sizeof(st));
    st.struct_size = sizeof(st);
    TU_CHECK_EQ(pf_udp_get_stats(tx, &st), 0);
    TU_CHECK_EQ(st.tx_eagain, 2);
    TU_CHECK_EQ(st.tx_datagrams, NSEG);
    pf_udp_del(tx);
  }
  pf_udp_del(rx);
}

/*
 * The same with a real full socket buffer: in a private network
 * namespace (root only) a veth with a static neighbour and a 20 Mbit/s
 * tbf qdisc holds the skbs, so the send buffer fills.  Sends must return
 * -EAGAIN or a short count at once (io_uring must not park the SQE on a
 * poll wait), and every datagram reported sent is in tx_datagrams.
 * Child exit: 0 pass, 77 skip (no netns/ip/tc), else the failed step.
 */
static int eagain_kernel_child(uint32_t be, uint32_t gso) {
  static uint8_t buf[200 * SEG];
  pf_udp_config c;
  pf_udp_stats st;
  pf_udp *tx = NULL;
  uint64_t t0, sum = 0, eagain = 0, shorts = 0, worst = 0, a, d;
  int r, calls = 0;

  if (unshare(CLONE_NEWNET) != 0)
    return 77;
  if (system("{ ip link add pfva type veth peer name pfvb && "
             "ip addr add 10.99.0.1/24 dev pfva && ip link set pfva up && "
             "ip link set pfvb up && "
             "ip neigh add 10.99.0.2 lladdr 02:00:00:00:00:02 dev pfva "
             "nud permanent && tc qdisc add dev pfva root tbf rate 20mbit "
             "burst 32kb limit 4mb; } >/dev/null 2>&1") != 0)
    return 77;
  pf_udp_config_default(&c);
  c.backend = be;
  c.gso = gso;
  c.sndbuf = 256u * 1024u;
  if (pf_udp_open(&tx, &c, "10.99.0.1:0", "10.99.0.2:9", NULL) != 0)
    return 2;
  t0 = pf_clock_now_ns();
  while (pf_clock_now_ns() - t0 < 300000000u && calls++ < 20000) {
    a = pf_clock_now_ns();
    r = pf_udp_send_segments(tx, buf, SEG, 200);
    d = pf_clock_now_ns() - a;
    worst = d > worst ? d : worst;
    if (r == -EAGAIN) {
      eagain++;
      (void)pf_udp_wait_writable(tx, 5);
      continue;
    }
    if (r < 0)
      return 3;
    shorts += r < 200;
    sum += (uint64_t)r;
  }
  st.struct_size = sizeof(st);
  if (pf_udp_get_stats(tx, &st) != 0)
    return 4;
  pf_udp_del(tx);
  if (eagain == 0 || sum == 0)
    return 5; /* the buffer never filled: the setup did not throttle */
  if (st.tx_datagrams != sum || st.tx_eagain != eagain + shorts)
    return 6;
  if (worst > 50000000u) /* a send blocked */
    return 7;
  return 0;
}

static void test_pf_udp_eagain_kernel(uint32_t be, uint32_t gso) {
  pid_t pid;
  int status = 0;

  if (geteuid() != 0) {
    fprintf(stderr, "test_udp: not root: kernel -EAGAIN check skipped\n");
    return;
  }
  pid = fork();
  if (pid < 0) {
    TU_CHECK(0);
    return;
  }
  if (pid == 0)
    _exit(eagain_kernel_child(be, gso));
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
    TU_CHECK(0);
    return;
  }
  if (WEXITSTATUS(status) == 77) {
    fprintf(stderr, "test_udp: no netns/veth/tc: kernel -EAGAIN check "
                    "skipped\n");
    return;
  }
  TU_CHECK_MSG(WEXITSTATUS(status) == 0, "%s gso %u: step %d", bname(be), gso,
               WEXITSTATUS(status));
}

/* Truncated datagrams are dropped and counted, not delivered. */
static void test_pf_udp_truncated(uint32_t be) {
  pf_udp_config c;
  pf_udp *rx = NULL, *tx;
  pf_udp_datagram dg[4];
  pf_udp_stats st;
  uint8_t big[200];
  char peer[64];
  int r;

  pf_udp_config_default(&c);
  c.backend = be;
  c.gro = 0;
  c.max_datagram = 100;
  if (pf_udp_open(&rx, &c, "127.0.0.1:0", NULL, NULL) != 0) {
    TU_CHECK(0);
    return;
  }
  peer_of(rx, 0, peer, sizeof(peer));
  tx = open_or_fail(be, 0, 0, "127.0.0.1:0", peer, NULL);
  if (tx) {
    memset(big, 0x42, sizeof(big));
    TU_CHECK_EQ(pf_udp_send(tx, big, sizeof(big)), 0);
    TU_CHECK_EQ(pf_udp_send(tx, big, 50), 0);
    r = pf_udp_recv(rx, dg, 4, 1000);
    if (r == 0)
      r = pf_udp_recv(rx, dg, 4, 1000);
    TU_CHECK_EQ(r, 1);
    if (r == 1)
      TU_CHECK_EQ(dg[0].len, 50);
    st.struct_size = sizeof(st);
    TU_CHECK_EQ(pf_udp_get_stats(rx, &st), 0);
    TU_CHECK_EQ(st.rx_truncated, 1);
    pf_udp_del(tx);
  }
  pf_udp_del(rx);
}

/* After open nothing is allocated per packet; close frees everything. */
static void test_pf_udp_no_alloc_per_packet(uint32_t be) {
  static uint8_t buf[NSEG * SEG];
  tu_alloc a;
  pf_udp *rx, *tx;
  pf_udp_datagram dg[4];
  char peer[64];
  size_t allocs, got, bad;
  int round;

  tu_alloc_init(&a);
  tu_fill(5, buf, sizeof(buf));
  rx = open_or_fail(be, 0, 1, "127.0.0.1:0", NULL, &a.mem);
  if (!rx)
    return;
  peer_of(rx, 0, peer, sizeof(peer));
  tx = open_or_fail(be, 1, 0, "127.0.0.1:0", peer, &a.mem);
  if (tx) {
    allocs = a.allocs;
    for (round = 0; round < 3; round++) {
      TU_CHECK_EQ(pf_udp_send_segments(tx, buf, SEG, NSEG), NSEG);
      got = collect(rx, buf, SEG, NSEG, 16, 3000, &bad);
      TU_CHECK(got == NSEG && bad == 0);
    }
    TU_CHECK_EQ(pf_udp_send(tx, buf, 10), 0);
    TU_CHECK(pf_udp_recv(rx, dg, 4, 1000) == 1);
    TU_CHECK_EQ(a.allocs, allocs);
    pf_udp_del(tx);
  }
  pf_udp_del(rx);
  TU_CHECK_EQ(a.live, 0);
}

/* Every allocation of open can fail cleanly. */
static void test_pf_udp_alloc_sweep(uint32_t be) {
  pf_udp_config c;
  tu_alloc a;
  pf_udp *u;
  size_t n;
  int rv = -1;

  pf_udp_config_default(&c);
  c.backend = be;
  for (n = 1; n < 64; n++) {
    tu_alloc_init(&a);
    a.fail_at = n;
    u = NULL;
    rv = pf_udp_open(&u, &c, "127.0.0.1:0", NULL, &a.mem);
    if (rv == 0) {
      pf_udp_del(u);
      TU_CHECK_EQ(a.live, 0);
      break;
    }
    TU_CHECK_MSG(rv == PF_ERR_NOMEM, "fail_at %zu: %d", n, rv);
    TU_CHECK(u == NULL);
    TU_CHECK_EQ(a.live, 0);
  }
  TU_CHECK_EQ(rv, 0);
}

/* Effective sizes are reported; a small grant logs the sysctl to raise. */
static void test_pf_udp_buffers(uint32_t be) {
  pf_udp_config c;
  pf_udp_stats st;
  pf_udp *u = NULL;

  pf_udp_config_default(&c);
  c.backend = be;
  c.sndbuf = 1u << 20;
  c.rcvbuf = 1u << 20;
  logbuf[0] = '\0';
  pf_log_set_callback(log_cb, PF_LOG_DEBUG, NULL);
  TU_CHECK_EQ(pf_udp_open(&u, &c, "127.0.0.1:0", NULL, NULL), 0);
  pf_log_set_callback(NULL, 0, NULL);
  if (!u)
    return;
  memset(&st, 0, sizeof(st));
  st.struct_size = sizeof(st);
  TU_CHECK_EQ(pf_udp_get_stats(u, &st), 0);
  TU_CHECK(st.sndbuf > 0 && st.rcvbuf > 0);
  TU_CHECK(strcmp(st.backend, bname(be)) == 0);
  TU_CHECK_EQ(st.gso, 1);
  TU_CHECK_EQ(st.gro, 1);
  /* 1 MiB is below PF_UDP_MIN_SOCKBUF even doubled: warned. */
  TU_CHECK_MSG(strstr(logbuf, "net.core.rmem_max") != NULL, "log: %s", logbuf);
  TU_CHECK(strstr(logbuf, "rcvbuf") != NULL);
  st.struct_size = 8;
  TU_CHECK_EQ(pf_udp_get_stats(u, &st), PF_ERR_ABI);
  TU_CHECK_EQ(pf_udp_get_stats(NULL, &st), PF_ERR_INVALID_ARGUMENT);
  pf_udp_del(u);

  /* The defaults (32 MiB) as root are granted through the FORCE
   * variants; otherwise whatever rmem_max allows. */
  u = NULL;
  c.sndbuf = c.rcvbuf = PF_UDP_DEFAULT_SOCKBUF;
  TU_CHECK_EQ(pf_udp_open(&u, &c, "127.0.0.1:0", NULL, NULL), 0);
  if (u) {
    st.struct_size = sizeof(st);
    TU_CHECK_EQ(pf_udp_get_stats(u, &st), 0);
    if (geteuid() == 0)
      TU_CHECK(st.rcvbuf >= PF_UDP_DEFAULT_SOCKBUF &&
               st.sndbuf >= PF_UDP_DEFAULT_SOCKBUF);
    /* Loopback peer unconnected: AUTO leaves DSCP unset. */
    TU_CHECK_EQ(st.dscp, -1);
    TU_CHECK_EQ(pf_udp_connect(u, "127.0.0.1:9"), 0);
    TU_CHECK_EQ(pf_udp_get_stats(u, &st), 0);
    if (!getenv("PF_DSCP"))
      TU_CHECK_EQ(st.dscp, PF_UDP_DSCP_CS5);
    pf_udp_del(u);
  }
}

static void test_pf_udp_invalid_calls(void) {
  pf_udp_datagram dg[1];
  pf_udp *u;
  uint8_t b[4] = {0};

  TU_CHECK_EQ(pf_udp_recv(NULL, dg, 1, 0), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_udp_send(NULL, b, 1), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_udp_send_segments(NULL, b, 1, 1), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_udp_fd(NULL), -1);
  TU_CHECK_EQ(pf_udp_local_port(NULL), 0);
  u = open_or_fail(PF_UDP_IO_MMSG, 1, 1, "127.0.0.1:0", NULL, NULL);
  if (!u)
    return;
  TU_CHECK_EQ(pf_udp_recv(u, dg, 0, 0), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_udp_send_segments(u, b, 0, 1), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_udp_send_segments(u, NULL, 4, 1), PF_ERR_INVALID_ARGUMENT);
  TU_CHECK_EQ(pf_udp_send_segments(u, b, 4, 0), 0);
  /* Not connected: the kernel's answer passes through. */
  TU_CHECK_EQ(pf_udp_send_segments(u, b, 4, 1), -EDESTADDRREQ);
  TU_CHECK_EQ(pf_udp_send(u, b, 4), -EDESTADDRREQ);
  TU_CHECK(pf_udp_fd(u) >= 0);
  TU_CHECK_EQ(pf_udp_fd(u), pf_udp_socket_fd(u));
  pf_udp_del(u);
}

static void test_pf_clock_sleep_until(void) {
  uint64_t t0 = pf_clock_now_ns(), late, t1;

  late = pf_clock_sleep_until(t0 + 2000000u);
  t1 = pf_clock_now_ns();
  TU_CHECK(t1 >= t0 + 2000000u);
  TU_CHECK(late < 50000000u);
  TU_CHECK(pf_clock_sleep_until(t0) >= 2000000u); /* past: returns at once */
  late = pf_clock_sleep_until(pf_clock_now_ns() + 20000u); /* spin only */
  TU_CHECK(late < 50000000u);
}

/*
 * io_uring forbidden by seccomp (as in containers): open with the
 * io_uring backend fails with -EPERM passed through and a log line that
 * names the cause and --io=mmsg; the mmsg backend still works.
 */
static void test_pf_udp_uring_forbidden(void) {
  pid_t pid = fork();
  int status = 0;

  if (pid < 0) {
    TU_CHECK(0);
    return;
  }
  if (pid == 0) {
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & 0xffff)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};
    pf_udp_config c;
    pf_udp *u = NULL;
    int rv;

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
      _exit(77);
    logbuf[0] = '\0';
    pf_log_set_callback(log_cb, PF_LOG_DEBUG, NULL);
    pf_udp_config_default(&c);
    rv = pf_udp_open(&u, &c, "127.0.0.1:0", NULL, NULL);
    if (rv != -EPERM || u || !strstr(logbuf, "--io=mmsg") ||
        !strstr(logbuf, "io_uring_disabled"))
      _exit(1);
    c.backend = PF_UDP_IO_MMSG;
    rv = pf_udp_open(&u, &c, "127.0.0.1:0", NULL, NULL);
    if (rv != 0)
      _exit(2);
    pf_udp_del(u);
    _exit(0);
  }
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
    TU_CHECK(0);
    return;
  }
  if (WEXITSTATUS(status) == 77) {
    fprintf(stderr, "test_udp: seccomp unavailable: skipped forbidden "
                    "io_uring check\n");
    return;
  }
  TU_CHECK_MSG(WEXITSTATUS(status) == 0, "child exit %d", WEXITSTATUS(status));
}

static void probe(void) {
  pf_udp_config c;
  pf_udp *u = NULL;
  int rv;

  pf_udp_config_default(&c);
  c.backend = PF_UDP_IO_URING;
  rv = pf_udp_open(&u, &c, "127.0.0.1:0", NULL, NULL);
  uring_ok = rv == 0;
  if (!uring_ok)
    snprintf(uring_why, sizeof(uring_why), "%s", pf_strerror(rv));
  pf_udp_del(u);
  u = NULL;
  c.backend = PF_UDP_IO_MMSG;
  have_v6 = pf_udp_open(&u, &c, "[::1]:0", NULL, NULL) == 0;
  pf_udp_del(u);
}

/*
 * A datagram from another process must wake this one both where it
 * sleeps in poll() on pf_udp_fd() and where it sleeps in a blocking
 * pf_udp_recv().  (With the io_uring receive ring's COOP_TASKRUN the
 * completion is task work for this task, posted only when it enters
 * the kernel: the wake-up must still come.)
 */
static void test_pf_udp_wake_from_other_process(uint32_t be) {
  pf_udp *rx, *tx;
  pf_udp_datagram dg[4];
  char peer[64];
  int round, st;
  pid_t pid;

  rx = open_or_fail(be, 1, 1, "127.0.0.1:0", NULL, NULL);
  if (!rx)
    return;
  peer_of(rx, 0, peer, sizeof(peer));
  /* Arm the receive side first (a timeout of 0 just looks). */
  TU_CHECK_EQ(pf_udp_recv(rx, dg, 4, 0), 0);
  pid = fork();
  TU_CHECK(pid >= 0);
  if (pid == 0) {
    tx = open_or_fail(be, 1, 1, "127.0.0.1:0", peer, NULL);
    for (round = 0; tx && round < 2; round++) {
      usleep(100000);
      if (pf_udp_send(tx, (const uint8_t *)"wake", 4) != 0)
        _exit(1);
    }
    _exit(tx ? 0 : 1);
  }
  if (pid < 0) {
    pf_udp_del(rx);
    return;
  }
  {
    struct pollfd p = {.fd = pf_udp_fd(rx), .events = POLLIN, .revents = 0};
    uint64_t t0 = pf_clock_now_ns();
    TU_CHECK_EQ(poll(&p, 1, 3000), 1);
    TU_CHECK_MSG(pf_clock_now_ns() - t0 < 2000000000u, "%s: poll woke late",
                 bname(be));
    TU_CHECK_EQ(pf_udp_recv(rx, dg, 4, 0), 1);
  }
  {
    uint64_t t0 = pf_clock_now_ns();
    TU_CHECK_EQ(pf_udp_recv(rx, dg, 4, 3000), 1);
    TU_CHECK_MSG(pf_clock_now_ns() - t0 < 2000000000u, "%s: recv woke late",
                 bname(be));
  }
  TU_CHECK_EQ(waitpid(pid, &st, 0), pid);
  TU_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  pf_udp_del(rx);
}

int main(void) {
  int b, t, v6;
  uint64_t t0 = pf_clock_now_ns();

  probe();
  test_pf_udp_config_default();
  test_pf_udp_open_parse_errors();
  test_pf_udp_addr_format();
  test_pf_udp_invalid_calls();
  test_pf_clock_sleep_until();
  for (b = 0; b < nbackends(); b++) {
    uint32_t be = backends[b];
    for (v6 = 0; v6 <= have_v6; v6++)
      test_pf_udp_round_trip(be, v6);
    test_pf_udp_port_in_use(be);
    test_pf_udp_wake_from_other_process(be);
    test_pf_udp_connected_filter(be);
    test_pf_udp_truncated(be);
    test_pf_udp_no_alloc_per_packet(be);
    test_pf_udp_alloc_sweep(be);
    test_pf_udp_buffers(be);
    test_pf_udp_eagain(be, 1);
    test_pf_udp_eagain(be, 0);
    test_pf_udp_eagain_kernel(be, 1);
    test_pf_udp_eagain_kernel(be, 0);
    /* Every sender backend to every receiver backend, GSO/GRO on/off. */
    for (t = 0; t < nbackends(); t++) {
      test_pf_udp_gso_gro(backends[t], be, 1, 0, 64, 0);
      test_pf_udp_gso_gro(backends[t], be, 1, 1, 64, 0);
      test_pf_udp_gso_gro(backends[t], be, 1, 1, 7, 0);
      test_pf_udp_gso_gro(backends[t], be, 0, 1, 64, 0);
      test_pf_udp_gso_gro(backends[t], be, 0, 0, 3, 0);
      if (have_v6) {
        test_pf_udp_gso_gro(backends[t], be, 1, 1, 5, 1);
        test_pf_udp_gso_gro(backends[t], be, 1, 0, 64, 1);
      }
    }
  }
  if (uring_ok)
    test_pf_udp_uring_forbidden();
  if (!have_v6)
    fprintf(stderr, "test_udp: no IPv6 loopback: IPv6 round trips skipped\n");
  fprintf(stderr, "test_udp: %.2f s\n", (double)(pf_clock_now_ns() - t0) / 1e9);
  if (!uring_ok && tu_failures == 0) {
    tu_finish("test_udp");
    fprintf(stderr,
            "test_udp: SKIP io_uring unavailable (%s); mmsg tests passed\n",
            uring_why);
    return T_EXIT_SKIP;
  }
  return tu_finish("test_udp");
}
