/*
 * pf_udp_uring.c -- the io_uring backend of the UDP I/O layer.
 *
 * Two rings: one for sends, one for receives, so a sending thread and a
 * receiving thread never see each other's completions.  Sends are
 * linked sendmsg SQEs submitted together and reaped before returning
 * (the caller's buffer is only borrowed during the call).  Receives are
 * one multishot recvmsg over a provided-buffer ring, set up by hand
 * because liburing 2.3 has no io_uring_setup_buf_ring().  Reached only
 * through pf_udp_uring_backend.  doc/internals/udp-io.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct mmsghdr */
#endif
#include "io/pf_udp.h"

#include <errno.h>
#include <liburing.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/pf_log.h"
#include "base/pf_mem.h"

#define RX_USER_DATA 0x7266ull /* "rf": the multishot receive */

/* Bytes a provided buffer holds before the payload. */
static size_t rx_head(const pf_udp *u) {
  return sizeof(struct io_uring_recvmsg_out) + u->rx_tmpl.msg_namelen +
         u->rx_tmpl.msg_controllen;
}

static size_t rx_slot(const pf_udp *u) {
  return (rx_head(u) + u->rx_bufsize + 63u) & ~(size_t)63u;
}

static void ring_fail_log(int rv, const char *what) {
  if (rv == -ENOSYS)
    pf_log(PF_LOG_ERROR,
           "udp: io_uring is not available (%s: this kernel has no "
           "io_uring); use the mmsg backend (--io=mmsg)",
           what);
  else if (rv == -EPERM || rv == -EACCES)
    pf_log(PF_LOG_ERROR,
           "udp: io_uring is not permitted (%s: kernel.io_uring_disabled "
           "sysctl, seccomp or container policy); use the mmsg backend "
           "(--io=mmsg)",
           what);
  else
    pf_log(PF_LOG_ERROR,
           "udp: io_uring setup failed (%s: %s): the kernel may lack a "
           "needed feature; use the mmsg backend (--io=mmsg)",
           what, strerror(-rv));
}

static void br_add(pf_udp *u, uint32_t bid, int offset) {
  io_uring_buf_ring_add(u->br, u->rx_pool + (size_t)bid * rx_slot(u),
                        (unsigned)rx_slot(u), (unsigned short)bid,
                        io_uring_buf_ring_mask((unsigned)u->rx_nbufs), offset);
}

/* Gives a buffer that no view refers to straight back to the kernel. */
static void br_return_now(pf_udp *u, uint32_t bid) {
  br_add(u, bid, 0);
  io_uring_buf_ring_advance(u->br, 1);
}

/* Hands out u->part (pf_udp_emit()); once its last segment is out,
 * its buffer goes on the list given back at the start of the next
 * call, when no view of this call can still point at it. */
static size_t emit(pf_udp *u, pf_udp_datagram *out, size_t n, size_t cap) {
  n = pf_udp_emit(u, out, n, cap);
  if (!u->part.active && u->nrecycle < u->rx_nbufs)
    u->recycle[u->nrecycle++] = (uint16_t)u->part.bid;
  return n;
}

static void recycle_flush(pf_udp *u) {
  size_t i;

  for (i = 0; i < u->nrecycle; i++)
    br_add(u, u->recycle[i], (int)i);
  if (u->nrecycle)
    io_uring_buf_ring_advance(u->br, (int)u->nrecycle);
  u->nrecycle = 0;
}

static int rx_arm(pf_udp *u) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(u->rxr);
  int rv;

  if (!sqe)
    return -EBUSY;
  io_uring_prep_recvmsg_multishot(sqe, u->fd, &u->rx_tmpl, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = PF_UDP_BGID;
  io_uring_sqe_set_data64(sqe, RX_USER_DATA);
  rv = io_uring_submit(u->rxr);
  if (rv < 0)
    return rv;
  u->rx_armed = 1;
  u->st.rx_arms++;
  return 0;
}

static int uring_open(pf_udp *u) {
  struct io_uring_params p;
  struct io_uring_buf_reg reg;
  struct io_uring_cqe *cqe;
  size_t i, page = (size_t)sysconf(_SC_PAGESIZE);
  int rv;

  u->txr = pf_mem_calloc(u->mem, 1, sizeof(*u->txr));
  u->rxr = pf_mem_calloc(u->mem, 1, sizeof(*u->rxr));
  if (!u->txr || !u->rxr) {
    pf_mem_free(u->mem, u->txr);
    pf_mem_free(u->mem, u->rxr);
    u->txr = u->rxr = NULL;
    return PF_ERR_NOMEM;
  }
  rv = io_uring_queue_init((unsigned)u->tx_slots, u->txr, 0);
  if (rv < 0) {
    ring_fail_log(rv, "io_uring_setup");
    pf_mem_free(u->mem, u->txr);
    pf_mem_free(u->mem, u->rxr);
    u->txr = u->rxr = NULL;
    return rv;
  }

  u->rx_nbufs =
      u->cfg.ring_buffers ? u->cfg.ring_buffers : (u->cfg.gro ? 64u : 256u);
  /* COOP_TASKRUN: a datagram that arrives while this task runs does not
   * interrupt it with an IPI; the completion is posted at its next
   * kernel entry (uring_recv() makes one when TASKRUN_FLAG says
   * work waits).  A sleeping task is still woken.  On loopback this
   * saves the sender's wake-ups and the receiver's interrupts: about a
   * quarter of pf-recv's system time at 6 Gb/s.  Kernels before 5.19
   * refuse the flags; the ring is then made without them. */
  for (i = 0; i < 2; i++) {
    memset(&p, 0, sizeof(p));
    p.flags = IORING_SETUP_CQSIZE |
              (i == 0 ? IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG
                      : 0);
    p.cq_entries = (unsigned)(u->rx_nbufs * 2 < 64 ? 64 : u->rx_nbufs * 2);
    rv = io_uring_queue_init_params(8, u->rxr, &p);
    if (rv != -EINVAL)
      break;
  }
  if (rv < 0) {
    ring_fail_log(rv, "io_uring_setup");
    io_uring_queue_exit(u->txr);
    pf_mem_free(u->mem, u->txr);
    pf_mem_free(u->mem, u->rxr);
    u->txr = u->rxr = NULL;
    return rv;
  }

  memset(&u->rx_tmpl, 0, sizeof(u->rx_tmpl));
  u->rx_tmpl.msg_namelen = sizeof(struct sockaddr_in6);
  u->rx_tmpl.msg_controllen = PF_UDP_CMSG_BYTES;
  u->rx_pool = pf_mem_aligned_alloc(u->mem, 4096, u->rx_nbufs * rx_slot(u));
  u->recycle = pf_mem_calloc(u->mem, u->rx_nbufs, sizeof(*u->recycle));
  if (!u->rx_pool || !u->recycle)
    return PF_ERR_NOMEM; /* the core calls uring_close() */

  /* The ring itself must be page aligned: mmap it (liburing 2.3 has no
   * io_uring_setup_buf_ring()). */
  u->br_bytes =
      (u->rx_nbufs * sizeof(struct io_uring_buf) + page - 1) & ~(page - 1);
  u->br = mmap(NULL, u->br_bytes, PROT_READ | PROT_WRITE,
               MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (u->br == MAP_FAILED) {
    u->br = NULL;
    return -errno;
  }
  memset(&reg, 0, sizeof(reg));
  reg.ring_addr = (unsigned long)(uintptr_t)u->br;
  reg.ring_entries = (unsigned)u->rx_nbufs;
  reg.bgid = PF_UDP_BGID;
  rv = io_uring_register_buf_ring(u->rxr, &reg, 0);
  if (rv < 0) {
    ring_fail_log(rv, "io_uring_register_buf_ring (Linux >= 5.19)");
    return rv;
  }
  u->br_registered = 1;
  io_uring_buf_ring_init(u->br);
  for (i = 0; i < u->rx_nbufs; i++)
    br_add(u, (uint32_t)i, (int)i);
  io_uring_buf_ring_advance(u->br, (int)u->rx_nbufs);

  rv = rx_arm(u);
  if (rv < 0) {
    ring_fail_log(rv, "io_uring_submit");
    return rv;
  }
  /* An unsupported opcode fails inline: report it now, not at the first
   * receive. */
  if (io_uring_peek_cqe(u->rxr, &cqe) == 0 && cqe->res < 0 &&
      !(cqe->flags & IORING_CQE_F_MORE) && cqe->res != -ENOBUFS) {
    rv = cqe->res;
    io_uring_cqe_seen(u->rxr, cqe);
    ring_fail_log(rv, "multishot recvmsg (Linux >= 6.0)");
    return rv;
  }
  return 0;
}

static void uring_close(pf_udp *u) {
  if (u->rxr) {
    if (u->rxr->ring_fd >= 0 || u->br_registered)
      io_uring_queue_exit(u->rxr);
    pf_mem_free(u->mem, u->rxr);
    u->rxr = NULL;
  }
  if (u->txr) {
    io_uring_queue_exit(u->txr);
    pf_mem_free(u->mem, u->txr);
    u->txr = NULL;
  }
  if (u->br) {
    munmap(u->br, u->br_bytes);
    u->br = NULL;
  }
  pf_mem_free(u->mem, u->recycle);
  u->recycle = NULL;
  if (u->rx_pool)
    pf_mem_aligned_free(u->mem, u->rx_pool);
  u->rx_pool = NULL;
}

static int uring_poll_fd(const pf_udp *u) {
  return u->rxr->ring_fd;
}

static int uring_send(pf_udp *u, size_t n) {
  struct io_uring_sqe *sqe;
  struct io_uring_cqe *cqe;
  size_t i, reaped = 0, first_fail = n;
  int rv, err = 0;

  for (i = 0; i < n; i++) {
    sqe = io_uring_get_sqe(u->txr);
    if (!sqe) /* cannot happen: the ring is tx_slots deep and empty */
      return PF_ERR_INTERNAL;
    /* MSG_DONTWAIT: a full socket buffer is -EAGAIN for the caller, not
     * an io_uring poll wait. */
    io_uring_prep_sendmsg(sqe, u->fd, &u->tx_msgs[i].msg_hdr, MSG_DONTWAIT);
    io_uring_sqe_set_data64(sqe, i);
    /* Linked: a failure cancels the rest, so what went out is a prefix
     * and nothing is reordered or silently lost. */
    if (i + 1 < n)
      sqe->flags |= IOSQE_IO_LINK;
  }
  u->st.tx_calls++;
  do
    rv = io_uring_submit_and_wait(u->txr, (unsigned)n);
  while (rv == -EINTR);
  if (rv < 0)
    return rv;
  /* Every submitted SQE borrows the caller's buffer: reap them all. */
  while (reaped < (size_t)rv) {
    int w = io_uring_wait_cqe(u->txr, &cqe);
    if (w == -EINTR)
      continue;
    if (w < 0)
      return w;
    i = (size_t)io_uring_cqe_get_data64(cqe);
    if (cqe->res < 0 && i < first_fail) {
      first_fail = i;
      err = cqe->res;
    }
    io_uring_cqe_seen(u->txr, cqe);
    reaped++;
  }
  if ((size_t)rv < n && first_fail > (size_t)rv)
    first_fail = (size_t)rv;
  u->tx_stop_err = err;
  if (first_fail == 0)
    return err ? err : -EAGAIN;
  return (int)first_fail;
}

/* Checks one receive completion and loads it into u->part.  Returns 1
 * when there is something to hand out, 0 when it was dropped. */
static int rx_take(pf_udp *u, const struct io_uring_cqe *cqe) {
  struct io_uring_recvmsg_out o;
  size_t bid, used, head = rx_head(u), avail, nl;
  uint8_t *buf;

  if (!(cqe->flags & IORING_CQE_F_BUFFER)) {
    u->st.rx_invalid++;
    return 0;
  }
  bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
  if (bid >= u->rx_nbufs) {
    u->st.rx_invalid++;
    return 0;
  }
  buf = u->rx_pool + bid * rx_slot(u);
  used = (size_t)cqe->res;
  memcpy(&o, buf, sizeof(o));
  /* io_uring_recvmsg_validate() plus what it leaves to the caller: each
   * length checked against what remains. */
  if (used > rx_slot(u) || used < head ||
      o.controllen > u->rx_tmpl.msg_controllen) {
    u->st.rx_invalid++;
    br_return_now(u, (uint32_t)bid);
    return 0;
  }
  avail = used - head;
  if ((o.flags & MSG_TRUNC) || o.payloadlen > avail) {
    u->st.rx_truncated++;
    br_return_now(u, (uint32_t)bid);
    return 0;
  }
  nl = o.namelen < u->rx_tmpl.msg_namelen ? o.namelen : u->rx_tmpl.msg_namelen;
  pf_udp_addr_from_sockaddr(&u->part.from, buf + sizeof(o), nl);
  u->part.seg =
      pf_udp_cmsg_gro(buf + sizeof(o) + u->rx_tmpl.msg_namelen, o.controllen);
  u->part.data = buf + head;
  u->part.len = o.payloadlen;
  u->part.off = 0;
  u->part.bid = (uint32_t)bid;
  u->part.active = 1;
  return 1;
}

/* TASKRUN_FLAG: completions wait as task work for a kernel entry. */
static int task_work_pending(struct io_uring *r) {
  return (IO_URING_READ_ONCE(*r->sq.kflags) & IORING_SQ_TASKRUN) != 0;
}

static int uring_recv(pf_udp *u, pf_udp_datagram *out, size_t cap,
                      int timeout_ms) {
  struct io_uring_cqe *cqe;
  size_t n = 0;
  int rv, waited = timeout_ms == 0;

  /* The views of the previous call are dead: their buffers go back. */
  recycle_flush(u);
  if (u->part.active) {
    n = emit(u, out, n, cap);
    if (n == cap)
      return (int)n;
  }
  if (!u->rx_armed) {
    rv = rx_arm(u);
    if (rv < 0)
      return n ? (u->rx_err = rv, (int)n) : rv;
  }
  while (n < cap) {
    rv = io_uring_peek_cqe(u->rxr, &cqe);
    if (rv == -EAGAIN && task_work_pending(u->rxr)) {
      io_uring_get_events(u->rxr);
      rv = io_uring_peek_cqe(u->rxr, &cqe);
    }
    if (rv == -EAGAIN) {
      if (n > 0 || waited)
        break;
      waited = 1;
      if (timeout_ms < 0) {
        rv = io_uring_wait_cqe(u->rxr, &cqe);
      } else {
        struct __kernel_timespec ts;
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
        rv = io_uring_wait_cqe_timeout(u->rxr, &cqe, &ts);
      }
      if (rv == -ETIME)
        break;
      if (rv < 0)
        return rv;
    } else if (rv < 0) {
      return n ? (u->rx_err = rv, (int)n) : rv;
    }
    if (io_uring_cqe_get_data64(cqe) != RX_USER_DATA) {
      io_uring_cqe_seen(u->rxr, cqe);
      continue;
    }
    if (!(cqe->flags & IORING_CQE_F_MORE))
      u->rx_armed = 0;
    if (cqe->res < 0) {
      rv = cqe->res;
      io_uring_cqe_seen(u->rxr, cqe);
      if (rv == -ENOBUFS) {
        /* Ring ran dry; the data waits in the socket buffer. */
        u->st.rx_enobufs++;
        if (n > 0)
          break;
        /* No view refers to any buffer of this call: safe to re-arm. */
        if (!u->rx_armed && (rv = rx_arm(u)) < 0)
          return rv;
        continue;
      }
      if (n > 0) {
        u->rx_err = rv;
        break;
      }
      return rv;
    }
    rv = rx_take(u, cqe);
    io_uring_cqe_seen(u->rxr, cqe);
    if (rv)
      n = emit(u, out, n, cap);
    if (!u->rx_armed && n == 0 && (rv = rx_arm(u)) < 0)
      return rv;
  }
  return (int)n;
}

const pf_udp_backend pf_udp_uring_backend = {
    .name = "io_uring",
    .open = uring_open,
    .close = uring_close,
    .send = uring_send,
    .recv = uring_recv,
    .poll_fd = uring_poll_fd,
};
