/*
 * pf_udp_mmsg.c -- the sendmmsg/recvmmsg backend of the UDP I/O layer.
 *
 * Sends hand the core's prepared messages to sendmmsg(MSG_DONTWAIT),
 * looped until all went or one failed.  Receives fill recv_batch fixed
 * buffers with recvmmsg(MSG_DONTWAIT); when nothing is queued, one
 * poll() with the caller's timeout, then one more try.  Reached only
 * through pf_udp_mmsg_backend.  doc/internals/udp-io.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#endif
#include "io/pf_udp.h"

#include <errno.h>
#include <poll.h>

#include "base/pf_mem.h"

static int mmsg_open(pf_udp *u) {
  size_t i, n = u->cfg.recv_batch;

  u->rx_nbufs = n;
  u->rx_msgs = pf_mem_calloc(u->mem, n, sizeof(*u->rx_msgs));
  u->rx_iov = pf_mem_calloc(u->mem, n, sizeof(*u->rx_iov));
  u->rx_names = pf_mem_calloc(u->mem, n, sizeof(*u->rx_names));
  u->rx_cmsg = pf_mem_calloc(u->mem, n, PF_UDP_CMSG_BYTES);
  u->rx_pool = pf_mem_aligned_alloc(u->mem, 64, n * u->rx_bufsize);
  if (!u->rx_msgs || !u->rx_iov || !u->rx_names || !u->rx_cmsg || !u->rx_pool)
    return PF_ERR_NOMEM;
  for (i = 0; i < n; i++) {
    u->rx_iov[i].iov_base = u->rx_pool + i * u->rx_bufsize;
    u->rx_iov[i].iov_len = u->rx_bufsize;
    u->rx_msgs[i].msg_hdr.msg_iov = &u->rx_iov[i];
    u->rx_msgs[i].msg_hdr.msg_iovlen = 1;
    u->rx_msgs[i].msg_hdr.msg_name = &u->rx_names[i];
    u->rx_msgs[i].msg_hdr.msg_control = u->rx_cmsg + i * PF_UDP_CMSG_BYTES;
  }
  return 0;
}

static void mmsg_close(pf_udp *u) {
  pf_mem_free(u->mem, u->rx_msgs);
  pf_mem_free(u->mem, u->rx_iov);
  pf_mem_free(u->mem, u->rx_names);
  pf_mem_free(u->mem, u->rx_cmsg);
  if (u->rx_pool)
    pf_mem_aligned_free(u->mem, u->rx_pool);
  u->rx_msgs = NULL;
  u->rx_iov = NULL;
  u->rx_names = NULL;
  u->rx_cmsg = NULL;
  u->rx_pool = NULL;
}

/* Sends |n| prepared messages with sendmmsg(); messages sent or -errno. */
static int mmsg_send(pf_udp *u, size_t n) {
  size_t done = 0;
  int r;

  while (done < n) {
    u->st.tx_calls++;
    r = sendmmsg(u->fd, u->tx_msgs + done, (unsigned)(n - done), MSG_DONTWAIT);
    if (r < 0) {
      u->tx_stop_err = -errno;
      return done ? (int)done : -errno;
    }
    if (r == 0)
      break;
    done += (size_t)r;
  }
  return (int)done;
}

static int mmsg_recv(pf_udp *u, pf_udp_datagram *out, size_t cap,
                     int timeout_ms) {
  size_t n = 0, i, batch;
  int r, waited = 0;

  for (;;) {
    if (u->part.active) {
      n = pf_udp_emit(u, out, n, cap);
      if (n == cap)
        return (int)n;
    }
    while (u->rx_next < u->rx_count) {
      struct mmsghdr *m = &u->rx_msgs[u->rx_next++];
      size_t len = m->msg_len;

      if (m->msg_hdr.msg_flags & MSG_TRUNC) {
        u->st.rx_truncated++;
        continue;
      }
      u->part.data = m->msg_hdr.msg_iov->iov_base;
      u->part.len = len;
      u->part.off = 0;
      u->part.seg =
          pf_udp_cmsg_gro(m->msg_hdr.msg_control, m->msg_hdr.msg_controllen);
      pf_udp_addr_from_sockaddr(&u->part.from, m->msg_hdr.msg_name,
                                m->msg_hdr.msg_namelen);
      u->part.active = 1;
      n = pf_udp_emit(u, out, n, cap);
      if (n == cap)
        return (int)n;
    }
    if (n > 0)
      return (int)n;
    /* Everything handed out: the buffers may be reused now. */
    batch = cap < u->rx_nbufs ? cap : u->rx_nbufs;
    for (i = 0; i < batch; i++) {
      u->rx_msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
      u->rx_msgs[i].msg_hdr.msg_controllen = PF_UDP_CMSG_BYTES;
      u->rx_msgs[i].msg_hdr.msg_flags = 0;
    }
    r = recvmmsg(u->fd, u->rx_msgs, (unsigned)batch, MSG_DONTWAIT, NULL);
    if (r > 0) {
      u->rx_count = (size_t)r;
      u->rx_next = 0;
      continue;
    }
    if (r < 0 && errno != EAGAIN)
      return -errno;
    if (waited || timeout_ms == 0)
      return 0;
    {
      struct pollfd p = {.fd = u->fd, .events = POLLIN, .revents = 0};
      r = poll(&p, 1, timeout_ms < 0 ? -1 : timeout_ms);
      if (r < 0)
        return -errno;
      if (r == 0)
        return 0;
      waited = 1;
    }
  }
}

static int mmsg_poll_fd(const pf_udp *u) {
  return u->fd;
}

const pf_udp_backend pf_udp_mmsg_backend = {
    .name = "mmsg",
    .open = mmsg_open,
    .close = mmsg_close,
    .send = mmsg_send,
    .recv = mmsg_recv,
    .poll_fd = mmsg_poll_fd,
};
