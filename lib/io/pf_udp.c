/*
 * pf_udp.c -- the UDP socket core: config, address parsing, socket
 * options (buffers, GSO/GRO, DSCP), the send planner shared by both
 * backends, and the dispatch to the backend's ops table (pf_udp_mmsg.c,
 * pf_udp_uring.c).  doc/internals/udp-io.md has the design.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct mmsghdr */
#endif
#include "io/pf_udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/pf_abi.h"
#include "base/pf_log.h"
#include "base/pf_mem.h"

/* The first published layouts end at these fields. */
#define UDP_CONFIG_V1_SIZE                                                     \
  (offsetof(pf_udp_config, max_datagram) + sizeof(uint32_t))
#define UDP_STATS_V1_SIZE                                                      \
  (offsetof(pf_udp_stats, rx_enobufs) + sizeof(uint64_t))

void pf_udp_config_default(pf_udp_config *cfg) {
  if (!cfg)
    return;
  memset(cfg, 0, sizeof(*cfg));
  cfg->struct_size = sizeof(*cfg);
  cfg->backend = PF_UDP_IO_URING;
  cfg->gso = 1;
  cfg->gro = 1;
  cfg->dscp = PF_UDP_DSCP_AUTO;
  cfg->sndbuf = PF_UDP_DEFAULT_SOCKBUF;
  cfg->rcvbuf = PF_UDP_DEFAULT_SOCKBUF;
  cfg->send_batch = 64;
  cfg->recv_batch = 64;
  cfg->ring_buffers = 0;
  cfg->gso_segments = 0;
  cfg->max_datagram = 2048;
}

/* ------------------------------------------------------------ addresses */

/* Strict port: 1..5 decimal digits, value <= 65535. */
static int parse_port(const char *s, unsigned *port) {
  unsigned v = 0;
  size_t i;

  if (!s[0] || strlen(s) > 5)
    return PF_ERR_INVALID_ARGUMENT;
  for (i = 0; s[i]; i++) {
    if (s[i] < '0' || s[i] > '9')
      return PF_ERR_INVALID_ARGUMENT;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  if (v > 65535)
    return PF_ERR_INVALID_ARGUMENT;
  *port = v;
  return 0;
}

/*
 * Parses "HOST:PORT", "[V6]:PORT" or (|passive|) ":PORT" into |ss|.
 * |family| AF_UNSPEC or the family the address must have (it also picks
 * "localhost" and the wildcard).  No DNS: only numeric hosts and
 * "localhost".
 */
static int parse_addr(const char *str, int family, int passive,
                      struct sockaddr_storage *ss, socklen_t *sslen) {
  char host[PF_UDP_ADDRSTRLEN];
  const char *colon, *hs, *he;
  struct addrinfo hints, *res = NULL;
  unsigned port;
  size_t hl;
  int rv;

  if (!str)
    return PF_ERR_INVALID_ARGUMENT;
  if (str[0] == '[') {
    hs = str + 1;
    he = strchr(hs, ']');
    if (!he || he[1] != ':')
      return PF_ERR_INVALID_ARGUMENT;
    colon = he + 1;
    if (family == AF_INET)
      return PF_ERR_INVALID_ARGUMENT;
    if (family == AF_UNSPEC)
      family = AF_INET6;
  } else {
    hs = str;
    colon = strrchr(str, ':');
    if (!colon || memchr(str, ':', (size_t)(colon - str)))
      return PF_ERR_INVALID_ARGUMENT; /* bare IPv6 needs brackets */
    he = colon;
  }
  hl = (size_t)(he - hs);
  if (hl >= sizeof(host))
    return PF_ERR_INVALID_ARGUMENT;
  memcpy(host, hs, hl);
  host[hl] = '\0';
  if (parse_port(colon + 1, &port) != 0)
    return PF_ERR_INVALID_ARGUMENT;
  if (!passive && port == 0)
    return PF_ERR_INVALID_ARGUMENT;
  if (hl == 0) {
    if (!passive || str[0] == '[')
      return PF_ERR_INVALID_ARGUMENT;
  } else if (strcmp(host, "localhost") == 0) {
    snprintf(host, sizeof(host), "%s",
             family == AF_INET6 ? "::1" : "127.0.0.1");
  } else {
    /* getaddrinfo() also takes inet_aton() forms ("1.2.3", "0x7f.1"):
     * accept only the canonical text forms. */
    struct in6_addr a6;
    char *pct = strchr(host, '%');
    int ok;

    if (str[0] == '[') {
      if (pct)
        *pct = '\0';
      ok = inet_pton(AF_INET6, host, &a6) == 1;
      if (pct)
        *pct = '%';
    } else {
      ok = inet_pton(AF_INET, host, &a6) == 1;
    }
    if (!ok)
      return PF_ERR_INVALID_ARGUMENT;
  }

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = family;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_protocol = IPPROTO_UDP;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  if (hl == 0) {
    hints.ai_flags |= AI_PASSIVE;
    if (family == AF_UNSPEC)
      hints.ai_family = AF_INET;
  }
  rv = getaddrinfo(hl ? host : NULL, colon + 1, &hints, &res);
  if (rv != 0 || !res)
    return PF_ERR_INVALID_ARGUMENT;
  if (res->ai_addrlen > sizeof(*ss) ||
      (res->ai_family != AF_INET && res->ai_family != AF_INET6)) {
    freeaddrinfo(res);
    return PF_ERR_INVALID_ARGUMENT;
  }
  memset(ss, 0, sizeof(*ss));
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *sslen = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

int pf_udp_addr_format(const pf_udp_addr *a, char *buf, size_t len) {
  struct sockaddr_storage ss;
  char host[INET6_ADDRSTRLEN + 16];
  char tmp[PF_UDP_ADDRSTRLEN];
  int n;

  if (!a || !buf || a->len > sizeof(a->sa))
    return PF_ERR_INVALID_ARGUMENT;
  memset(&ss, 0, sizeof(ss));
  memcpy(&ss, a->sa, a->len);
  if (ss.ss_family == AF_INET && a->len >= sizeof(struct sockaddr_in)) {
    struct sockaddr_in sin;
    memcpy(&sin, &ss, sizeof(sin));
    inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host));
    n = snprintf(tmp, sizeof(tmp), "%s:%u", host, ntohs(sin.sin_port));
  } else if (ss.ss_family == AF_INET6 &&
             a->len >= sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6 sin6;
    memcpy(&sin6, &ss, sizeof(sin6));
    inet_ntop(AF_INET6, &sin6.sin6_addr, host, sizeof(host));
    if (sin6.sin6_scope_id)
      n = snprintf(tmp, sizeof(tmp), "[%s%%%u]:%u", host,
                   (unsigned)sin6.sin6_scope_id, ntohs(sin6.sin6_port));
    else
      n = snprintf(tmp, sizeof(tmp), "[%s]:%u", host, ntohs(sin6.sin6_port));
  } else {
    return PF_ERR_INVALID_ARGUMENT;
  }
  if (n < 0 || (size_t)n >= len) {
    if (len)
      buf[0] = '\0';
    return PF_ERR_NOBUF;
  }
  memcpy(buf, tmp, (size_t)n + 1);
  return n;
}

/* Loopback, link-local or private (RFC 1918, fc00::/7), incl. v4-mapped. */
static int addr_is_private(const struct sockaddr_storage *ss) {
  const uint8_t *b;
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const uint8_t loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                    0, 0, 0, 0, 0, 0, 0, 1};

  if (ss->ss_family == AF_INET) {
    memcpy(&sin, ss, sizeof(sin));
    b = (const uint8_t *)&sin.sin_addr;
  } else if (ss->ss_family == AF_INET6) {
    memcpy(&sin6, ss, sizeof(sin6));
    b = sin6.sin6_addr.s6_addr;
    if (memcmp(b, loop6, 16) == 0)
      return 1;
    if ((b[0] & 0xfe) == 0xfc)
      return 1;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
      return 1;
    if (memcmp(b, mapped, 12) != 0)
      return 0;
    b += 12;
  } else {
    return 0;
  }
  return b[0] == 10 || b[0] == 127 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
         (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254);
}

/* ------------------------------------------------------------- sockets */

static size_t sockbuf_set(int fd, int force_opt, int opt, size_t req,
                          const char *what) {
  int v = req > INT_MAX / 2 ? INT_MAX / 2 : (int)req, got = 0;
  socklen_t gl = sizeof(got);

  if (req && setsockopt(fd, SOL_SOCKET, force_opt, &v, sizeof(v)) != 0 &&
      setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)) != 0)
    pf_log(PF_LOG_WARN, "udp: setsockopt %s %d: %s", what, v, strerror(errno));
  if (getsockopt(fd, SOL_SOCKET, opt, &got, &gl) != 0 || got < 0)
    got = 0;
  return (size_t)got;
}

static const char *dscp_env(int *val) {
  const char *e = getenv("PF_DSCP");
  char *end;
  long v;

  if (!e || !e[0] || strcmp(e, "auto") == 0)
    return NULL;
  if (strcmp(e, "off") == 0) {
    *val = 0;
    return e;
  }
  errno = 0;
  v = strtol(e, &end, 10);
  if (e[0] < '0' || e[0] > '9' || *end || errno || v > 63) {
    pf_log(PF_LOG_WARN, "udp: ignoring PF_DSCP=\"%s\" (0..63, off or auto)", e);
    return NULL;
  }
  *val = (int)v;
  return e;
}

/* Marks the socket per the DSCP policy for |peer| (NULL: not connected). */
static void apply_dscp(pf_udp *u, const struct sockaddr_storage *peer) {
  int d = u->cfg.dscp, tos, prio;

  if (d == PF_UDP_DSCP_AUTO && !dscp_env(&d)) {
    if (!peer)
      return;
    d = addr_is_private(peer) ? PF_UDP_DSCP_CS5 : 0;
  }
  if (d == 0) {
    if (u->dscp > 0) { /* re-connected to a public peer: clear */
      tos = 0;
      (void)setsockopt(u->fd, u->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                       u->family == AF_INET ? IP_TOS : IPV6_TCLASS, &tos,
                       sizeof(tos));
    }
    u->dscp = -1;
    return;
  }
  tos = d << 2;
  if (setsockopt(u->fd, u->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                 u->family == AF_INET ? IP_TOS : IPV6_TCLASS, &tos,
                 sizeof(tos)) != 0) {
    pf_log(PF_LOG_WARN, "udp: cannot set DSCP %d: %s", d, strerror(errno));
    u->dscp = -1;
    return;
  }
  /* After IP_TOS, which resets the priority. */
  prio = d >> 3;
  if (setsockopt(u->fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio)) != 0)
    pf_log(PF_LOG_WARN, "udp: cannot set SO_PRIORITY %d: %s", prio,
           strerror(errno));
  u->dscp = d;
}

static int connect_ss(pf_udp *u, const struct sockaddr_storage *ss,
                      socklen_t len) {
  if (ss->ss_family != u->family)
    return PF_ERR_INVALID_ARGUMENT;
  if (connect(u->fd, (const struct sockaddr *)ss, len) != 0)
    return -errno;
  u->connected = 1;
  apply_dscp(u, ss);
  return 0;
}

int pf_udp_connect(pf_udp *u, const char *peer) {
  struct sockaddr_storage ss;
  socklen_t len;
  int rv;

  if (!u || !peer)
    return PF_ERR_INVALID_ARGUMENT;
  rv = parse_addr(peer, u->family, 0, &ss, &len);
  if (rv != 0)
    return rv;
  return connect_ss(u, &ss, len);
}

int pf_udp_connect_addr(pf_udp *u, const pf_udp_addr *peer) {
  struct sockaddr_storage ss;

  if (!u || !peer || peer->len > sizeof(peer->sa) ||
      peer->len < sizeof(struct sockaddr_in))
    return PF_ERR_INVALID_ARGUMENT;
  memset(&ss, 0, sizeof(ss));
  memcpy(&ss, peer->sa, peer->len);
  return connect_ss(u, &ss, (socklen_t)peer->len);
}

uint16_t pf_udp_local_port(const pf_udp *u) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;

  memset(&ss, 0, sizeof(ss));
  if (!u || getsockname(u->fd, (struct sockaddr *)&ss, &len) != 0)
    return 0;
  if (ss.ss_family == AF_INET) {
    memcpy(&sin, &ss, sizeof(sin));
    return ntohs(sin.sin_port);
  }
  memcpy(&sin6, &ss, sizeof(sin6));
  return ntohs(sin6.sin6_port);
}

int pf_udp_fd(const pf_udp *u) {
  if (!u)
    return -1;
  return u->be->poll_fd(u);
}

int pf_udp_socket_fd(const pf_udp *u) {
  return u ? u->fd : -1;
}

static int check_config(const pf_udp_config *c) {
  if (c->backend != PF_UDP_IO_URING && c->backend != PF_UDP_IO_MMSG)
    return PF_ERR_INVALID_ARGUMENT;
  if (c->gso > 1 || c->gro > 1)
    return PF_ERR_INVALID_ARGUMENT;
  if (c->dscp < PF_UDP_DSCP_AUTO || c->dscp > 63)
    return PF_ERR_INVALID_ARGUMENT;
  if (c->send_batch < 1 || c->send_batch > 1024 || c->recv_batch < 1 ||
      c->recv_batch > 1024)
    return PF_ERR_INVALID_ARGUMENT;
  if (c->ring_buffers > 32768 || (c->ring_buffers & (c->ring_buffers - 1)) != 0)
    return PF_ERR_INVALID_ARGUMENT;
  if (c->gso_segments > PF_UDP_GSO_MAX_SEGS)
    return PF_ERR_INVALID_ARGUMENT;
  if (c->max_datagram < 64 || c->max_datagram > 65535)
    return PF_ERR_INVALID_ARGUMENT;
  if (c->sndbuf > INT_MAX || c->rcvbuf > INT_MAX)
    return PF_ERR_INVALID_ARGUMENT;
  return 0;
}

static void udp_free(pf_udp *u) {
  u->be->close(u);
  if (u->fd >= 0)
    close(u->fd);
  pf_mem_free(u->mem, u->tx_msgs);
  pf_mem_free(u->mem, u->tx_iov);
  pf_mem_free(u->mem, u->tx_cmsg);
  pf_mem_free(u->mem, u);
}

int pf_udp_open(pf_udp **pu, const pf_udp_config *cfg, const char *local,
                const char *peer, const pf_mem *mem) {
  struct sockaddr_storage lss, pss;
  socklen_t llen, plen = 0;
  pf_udp_config c;
  pf_udp *u;
  int rv, family = AF_UNSPEC, one = 1;

  if (!pu || !cfg || !local)
    return PF_ERR_INVALID_ARGUMENT;
  pf_udp_config_default(&c);
  rv = pf_config_copy(&c, sizeof(c), cfg, UDP_CONFIG_V1_SIZE);
  if (rv != 0)
    return rv;
  rv = check_config(&c);
  if (rv != 0)
    return rv;

  /* Family: an explicit local address decides, else the peer's. */
  if (local[0] == '[')
    family = AF_INET6;
  else if (local[0] != ':')
    family = AF_INET;
  if (peer) {
    rv = parse_addr(peer, family, 0, &pss, &plen);
    if (rv != 0)
      return rv;
    family = pss.ss_family;
  }
  rv = parse_addr(local, family, 1, &lss, &llen);
  if (rv != 0)
    return rv;
  if (peer && lss.ss_family != pss.ss_family)
    return PF_ERR_INVALID_ARGUMENT;

  mem = pf_mem_or_default(mem);
  u = pf_mem_calloc(mem, 1, sizeof(*u));
  if (!u)
    return PF_ERR_NOMEM;
  u->mem = mem;
  u->cfg = c;
  u->family = lss.ss_family;
  u->dscp = -1;
  u->st.struct_size = sizeof(u->st);
  u->be = c.backend == PF_UDP_IO_URING ? &pf_udp_uring_backend
                                       : &pf_udp_mmsg_backend;
  u->st.backend = u->be->name;
  u->st.gso = c.gso;
  u->st.gro = c.gro;
  u->rx_bufsize = c.gro ? PF_UDP_GRO_MAX_BYTES : c.max_datagram;

  u->fd =
      socket(u->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (u->fd < 0) {
    rv = -errno;
    goto fail;
  }
  u->sndbuf =
      sockbuf_set(u->fd, SO_SNDBUFFORCE, SO_SNDBUF, c.sndbuf, "SO_SNDBUF");
  u->rcvbuf =
      sockbuf_set(u->fd, SO_RCVBUFFORCE, SO_RCVBUF, c.rcvbuf, "SO_RCVBUF");
  pf_log(PF_LOG_INFO, "udp: socket buffers sndbuf %zu rcvbuf %zu bytes",
         u->sndbuf, u->rcvbuf);
  if ((c.rcvbuf && u->rcvbuf < PF_UDP_MIN_SOCKBUF) ||
      (c.sndbuf && u->sndbuf < PF_UDP_MIN_SOCKBUF))
    pf_log(PF_LOG_WARN,
           "udp: socket buffers are small (rcvbuf %zu, sndbuf %zu bytes; "
           "want >= %u): bursts will be dropped; raise them with "
           "sysctl -w net.core.rmem_max=33554432 "
           "net.core.wmem_max=33554432",
           u->rcvbuf, u->sndbuf, PF_UDP_MIN_SOCKBUF);
  if (c.gro && setsockopt(u->fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) != 0) {
    rv = -errno;
    pf_log(PF_LOG_ERROR, "udp: cannot enable UDP_GRO: %s (disable gro)",
           strerror(errno));
    goto fail;
  }
  if (c.gso) {
    int seg = 0;
    socklen_t sl = sizeof(seg);
    if (getsockopt(u->fd, SOL_UDP, UDP_SEGMENT, &seg, &sl) != 0) {
      rv = -errno;
      pf_log(PF_LOG_ERROR, "udp: kernel lacks UDP GSO: %s (disable gso)",
             strerror(errno));
      goto fail;
    }
  }
  if (u->family == AF_INET6)
    (void)setsockopt(u->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(u->fd, (struct sockaddr *)&lss, llen) != 0) {
    rv = -errno;
    goto fail;
  }
  if (peer) {
    rv = connect_ss(u, &pss, plen);
    if (rv != 0)
      goto fail;
  } else {
    apply_dscp(u, NULL);
  }

  u->tx_slots = c.send_batch;
  u->tx_msgs = pf_mem_calloc(mem, u->tx_slots, sizeof(*u->tx_msgs));
  u->tx_iov = pf_mem_calloc(mem, u->tx_slots, sizeof(*u->tx_iov));
  u->tx_cmsg = pf_mem_calloc(mem, u->tx_slots, PF_UDP_TX_CMSG_SPACE);
  if (!u->tx_msgs || !u->tx_iov || !u->tx_cmsg) {
    rv = PF_ERR_NOMEM;
    goto fail;
  }
  rv = u->be->open(u);
  if (rv != 0)
    goto fail;
  *pu = u;
  return 0;
fail:
  udp_free(u);
  return rv;
}

void pf_udp_del(pf_udp *u) {
  if (u)
    udp_free(u);
}

int pf_udp_get_stats(const pf_udp *u, pf_udp_stats *st) {
  pf_udp_stats s;
  size_t n;

  if (!u || !st)
    return PF_ERR_INVALID_ARGUMENT;
  if (st->struct_size < UDP_STATS_V1_SIZE)
    return PF_ERR_ABI;
  s = u->st;
  s.sndbuf = u->sndbuf;
  s.rcvbuf = u->rcvbuf;
  s.dscp = u->dscp;
  n = st->struct_size < sizeof(s) ? st->struct_size : sizeof(s);
  s.struct_size = st->struct_size;
  memcpy(st, &s, n);
  return 0;
}

void pf_udp_test_fault(pf_udp *u, int err, size_t after) {
  u->fault_err = err;
  u->fault_after = after;
}

/* ---------------------------------------------------------------- send */

/* Fills message |slot| (its iovec already set) for one send: the GSO
 * cmsg when |seg| is non-zero and smaller than the payload. */
static void fill_gso(pf_udp *u, size_t slot, size_t seg) {
  struct msghdr *m = &u->tx_msgs[slot].msg_hdr;
  struct cmsghdr *cm;
  uint16_t s16 = (uint16_t)seg;

  m->msg_name = NULL;
  m->msg_namelen = 0;
  m->msg_iov = &u->tx_iov[slot];
  m->msg_iovlen = 1;
  m->msg_flags = 0;
  if (!seg || seg >= u->tx_iov[slot].iov_len) {
    m->msg_control = NULL;
    m->msg_controllen = 0;
    return;
  }
  m->msg_control = u->tx_cmsg + slot * PF_UDP_TX_CMSG_SPACE;
  m->msg_controllen = PF_UDP_TX_CMSG_SPACE;
  cm = CMSG_FIRSTHDR(m);
  cm->cmsg_level = SOL_UDP;
  cm->cmsg_type = UDP_SEGMENT;
  cm->cmsg_len = CMSG_LEN(sizeof(s16));
  memcpy(CMSG_DATA(cm), &s16, sizeof(s16));
}

/* Counts the first |nmsg| messages of a batch as sent; returns their
 * datagrams. */
static size_t tx_account(pf_udp *u, size_t nmsg, size_t seg_size) {
  size_t i, dg = 0;

  for (i = 0; i < nmsg; i++)
    dg += u->tx_iov[i].iov_len / seg_size;
  u->st.tx_datagrams += dg;
  u->st.tx_bytes += dg * seg_size;
  return dg;
}

int pf_udp_send_segments(pf_udp *u, const uint8_t *base, size_t seg_size,
                         size_t count) {
  size_t per, sent = 0, i, nmsg, dg;
  int r;

  if (!u || (!base && count) || seg_size == 0 ||
      seg_size > PF_UDP_GSO_MAX_BYTES || count > INT_MAX)
    return PF_ERR_INVALID_ARGUMENT;
  per = 1;
  if (u->cfg.gso) {
    per = PF_UDP_GSO_MAX_BYTES / seg_size;
    if (per > PF_UDP_GSO_MAX_SEGS)
      per = PF_UDP_GSO_MAX_SEGS;
    if (u->cfg.gso_segments && per > u->cfg.gso_segments)
      per = u->cfg.gso_segments;
    if (per < 1)
      per = 1;
  }
  while (sent < count) {
    size_t left = count - sent, batch_dg = 0, ok_dg = 0;

    nmsg = (left + per - 1) / per;
    if (nmsg > u->tx_slots)
      nmsg = u->tx_slots;
    for (i = 0; i < nmsg; i++) {
      dg = left - batch_dg < per ? left - batch_dg : per;
      u->tx_iov[i].iov_base =
          (void *)(uintptr_t)(base + (sent + batch_dg) * seg_size);
      u->tx_iov[i].iov_len = dg * seg_size;
      fill_gso(u, i, dg > 1 ? seg_size : 0);
      batch_dg += dg;
    }
    if (u->fault_err && u->fault_after < batch_dg) {
      /* Test hook: the message holding datagram fault_after fails. */
      int fe = u->fault_err;
      size_t m = u->fault_after / per;

      u->fault_err = 0;
      u->tx_stop_err = 0;
      r = m ? u->be->send(u, m) : 0;
      if (r < 0)
        goto err;
      sent += tx_account(u, (size_t)r, seg_size);
      r = (size_t)r == m ? fe : u->tx_stop_err;
      goto err;
    }
    if (u->fault_err)
      u->fault_after -= batch_dg;
    u->tx_stop_err = 0;
    r = u->be->send(u, nmsg);
    if (r < 0)
      goto err;
    ok_dg = tx_account(u, (size_t)r, seg_size);
    sent += ok_dg;
    if ((size_t)r < nmsg) { /* stopped part way: count why */
      r = u->tx_stop_err;
      goto err;
    }
  }
  return (int)sent;
err:
  if (r >= 0) /* stopped part way for an unknown reason */
    return (int)sent;
  if (r == -EAGAIN)
    u->st.tx_eagain++;
  else
    u->st.tx_errors++;
  return sent ? (int)sent : r;
}

int pf_udp_send(pf_udp *u, const uint8_t *buf, size_t len) {
  ssize_t r;

  if (!u || (!buf && len))
    return PF_ERR_INVALID_ARGUMENT;
  u->st.tx_calls++;
  r = send(u->fd, buf, len, MSG_DONTWAIT);
  if (r < 0) {
    if (errno == EAGAIN)
      u->st.tx_eagain++;
    else
      u->st.tx_errors++;
    return -errno;
  }
  u->st.tx_datagrams++;
  u->st.tx_bytes += len;
  return 0;
}

int pf_udp_wait_writable(pf_udp *u, int timeout_ms) {
  struct pollfd p;
  int r;

  if (!u)
    return PF_ERR_INVALID_ARGUMENT;
  p.fd = u->fd;
  p.events = POLLOUT;
  p.revents = 0;
  r = poll(&p, 1, timeout_ms < 0 ? -1 : timeout_ms);
  if (r < 0)
    return -errno;
  return r > 0 ? 1 : 0;
}

/* ------------------------------------------------------------- receive */

int pf_udp_recv(pf_udp *u, pf_udp_datagram *out, size_t cap, int timeout_ms) {
  int e;

  if (!u || !out || cap == 0)
    return PF_ERR_INVALID_ARGUMENT;
  if (u->rx_err) {
    e = u->rx_err;
    u->rx_err = 0;
    return e;
  }
  return u->be->recv(u, out, cap, timeout_ms);
}
