/*
 * pf_udp.h -- internal state of the UDP I/O layer, shared by its files:
 *   pf_udp.c        the socket core (config, addresses, socket options,
 *                   DSCP, send planner, dispatch to a backend)
 *   pf_udp_mmsg.c   sendmmsg/recvmmsg backend   } reached only through
 *   pf_udp_uring.c  io_uring backend            } pf_udp_backend
 *   pf_udp_msg.c    receive helpers both backends use (source address,
 *                   UDP_GRO cmsg, GRO splitting)
 * Calls go one way: core -> backends -> pf_udp_msg.c.
 * doc/internals/udp-io.md explains the design.
 */
#ifndef PF_UDP_H
#define PF_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <punktfunk/punktfunk.h>

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/* Largest UDP payload one GSO send may carry: one IP datagram (65535)
 * minus the IPv6 header (40, the larger one) and the UDP header (8). */
#define PF_UDP_GSO_MAX_BYTES (65535u - 40u - 8u)
/* Segments per GSO send the kernel accepts everywhere (UDP_MAX_SEGMENTS
 * is 64 before Linux 6.10). */
#define PF_UDP_GSO_MAX_SEGS 64u
/* Largest payload a GRO-coalesced receive can carry. */
#define PF_UDP_GRO_MAX_BYTES 65535u
/* Room for the control messages we ask for (UDP_GRO: one int). */
#define PF_UDP_CMSG_BYTES 64u
/* Buffer group id of the provided-buffer ring. */
#define PF_UDP_BGID 7u

struct io_uring;
typedef struct pf_udp_backend pf_udp_backend;

/* One datagram (or GRO super-packet) received but not yet fully handed
 * out: pf_udp_recv() stops when the caller's array is full and resumes
 * here on the next call. */
typedef struct pf_udp_rx_partial {
  const uint8_t *data;
  size_t len;
  size_t seg;
  size_t off;
  pf_udp_addr from;
  uint32_t bid; /* io_uring buffer id (io_uring backend only) */
  int active;
} pf_udp_rx_partial;

struct pf_udp {
  const pf_mem *mem;
  const pf_udp_backend *be; /* set before anything that can fail */
  pf_udp_config cfg;
  int fd;
  int family;
  int connected;
  int dscp;      /* effective DSCP, -1 = not marked */
  size_t sndbuf; /* effective, from getsockopt */
  size_t rcvbuf;
  size_t segs_max_cfg; /* GSO segments per send allowed by config */

  /* Send side: one msghdr/iovec/cmsg slot per message of a batch. */
  size_t tx_slots;
  struct mmsghdr *tx_msgs;
  struct iovec *tx_iov;
  uint8_t *tx_cmsg; /* tx_slots * PF_UDP_TX_CMSG_SPACE */

  /* Receive side.  The pool holds rx_nbufs buffers of rx_bufsize. */
  uint8_t *rx_pool;
  size_t rx_nbufs;
  size_t rx_bufsize;
  pf_udp_rx_partial part;
  int rx_err; /* an error seen after datagrams were returned: next call */

  /* mmsg receive state. */
  struct mmsghdr *rx_msgs;
  struct iovec *rx_iov;
  struct sockaddr_in6 *rx_names;
  uint8_t *rx_cmsg;
  size_t rx_count; /* messages of the last recvmmsg */
  size_t rx_next;  /* next message to hand out */

  /* io_uring state (NULL for mmsg). */
  struct io_uring *txr;
  struct io_uring *rxr;
  void *br; /* struct io_uring_buf_ring *, mmap'd */
  size_t br_bytes;
  int br_registered;
  int rx_armed;
  struct msghdr rx_tmpl; /* multishot template: name + control sizes */
  uint16_t *recycle;     /* buffer ids to give back on the next recv */
  size_t nrecycle;

  /* Test hook: fail the send that would carry datagram |fault_after|. */
  int fault_err;
  /* The error that stopped the last batch part way (0: unknown). */
  int tx_stop_err;
  size_t fault_after;

  pf_udp_stats st;
};

#define PF_UDP_TX_CMSG_SPACE CMSG_SPACE(sizeof(uint16_t))

/*
 * A backend: what the core calls, once per open, batch, receive call or
 * close (never per datagram).  pf_udp_open() picks one from
 * cfg.backend; nothing else in the core knows which one it is.
 */
struct pf_udp_backend {
  const char *name; /* pf_udp_stats.backend */
  /* Called with the socket bound and the send slots allocated; sets up
   * the receive side.  On failure the core still calls close(). */
  int (*open)(pf_udp *u);
  /* Frees what open() allocated, also after a failed or partial open. */
  void (*close)(pf_udp *u);
  /* Sends the first |n| prepared messages of u->tx_msgs; returns how
   * many went (a prefix; u->tx_stop_err says why it stopped) or -errno
   * when none did. */
  int (*send)(pf_udp *u, size_t n);
  /* pf_udp_recv() after the argument checks and the held error. */
  int (*recv)(pf_udp *u, pf_udp_datagram *out, size_t cap, int timeout_ms);
  /* pf_udp_fd(): the descriptor that polls readable when recv has data. */
  int (*poll_fd)(const pf_udp *u);
};

extern const pf_udp_backend pf_udp_mmsg_backend;  /* pf_udp_mmsg.c */
extern const pf_udp_backend pf_udp_uring_backend; /* pf_udp_uring.c */

/* Receive helpers both backends use (pf_udp_msg.c). */

/* Converts a received source name into a pf_udp_addr. */
void pf_udp_addr_from_sockaddr(pf_udp_addr *a, const void *sa, size_t salen);

/* Walks a control buffer for the UDP_GRO segment size (0 if absent). */
size_t pf_udp_cmsg_gro(const uint8_t *ctl, size_t ctllen);

/* Hands out segments of u->part into |out| from index |n|; returns the
 * new count.  When the last segment is out, u->part.active drops to 0
 * and the caller owns the buffer again (io_uring: recycle it). */
size_t pf_udp_emit(pf_udp *u, pf_udp_datagram *out, size_t n, size_t cap);

/*
 * Test hook (not exported): the send call that would carry datagram
 * number |after| (0-based, counted over the next send calls' datagrams)
 * fails with |err| before reaching the kernel, once.  |err| 0 disarms.
 */
void pf_udp_test_fault(pf_udp *u, int err, size_t after);

#endif /* PF_UDP_H */
