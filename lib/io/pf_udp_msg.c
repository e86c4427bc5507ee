/*
 * pf_udp_msg.c -- receive helpers both UDP backends use: the source
 * address of a received message, the UDP_GRO segment size from its
 * control data, and handing a datagram or GRO super-packet out as
 * datagram views (resuming where the caller's array ran full).  Calls
 * nothing in the other files of lib/io.  doc/internals/udp-io.md.
 */
#include "io/pf_udp.h"

#include <string.h>

void pf_udp_addr_from_sockaddr(pf_udp_addr *a, const void *sa, size_t salen) {
  memset(a, 0, sizeof(*a));
  if (salen > sizeof(a->sa))
    salen = sizeof(a->sa);
  memcpy(a->sa, sa, salen);
  a->len = (uint32_t)salen;
}

size_t pf_udp_cmsg_gro(const uint8_t *ctl, size_t ctllen) {
  size_t off = 0;
  struct cmsghdr cm;
  int v;

  /* Each step checks against what is left, never off + n > len. */
  while (ctllen - off >= sizeof(cm)) {
    memcpy(&cm, ctl + off, sizeof(cm));
    if (cm.cmsg_len < sizeof(cm) || cm.cmsg_len > ctllen - off)
      return 0;
    if (cm.cmsg_level == SOL_UDP && cm.cmsg_type == UDP_GRO &&
        cm.cmsg_len >= CMSG_LEN(sizeof(int))) {
      memcpy(&v, ctl + off + CMSG_LEN(0), sizeof(v));
      return v > 0 ? (size_t)v : 0;
    }
    if (CMSG_ALIGN(cm.cmsg_len) >= ctllen - off)
      return 0;
    off += CMSG_ALIGN(cm.cmsg_len);
  }
  return 0;
}

/* Called once per received datagram or GRO super-packet; it splits the
 * super-packet at the segment size (the last segment may be shorter). */
size_t pf_udp_emit(pf_udp *u, pf_udp_datagram *out, size_t n, size_t cap) {
  pf_udp_rx_partial *p = &u->part;
  size_t seg = p->seg && p->seg < p->len ? p->seg : p->len;

  if (p->len == 0 && n < cap) { /* an empty datagram is still one */
    out[n].data = p->data;
    out[n].len = 0;
    out[n].from = p->from;
    u->st.rx_datagrams++;
    n++;
  }
  if (p->off == 0 && seg < p->len)
    u->st.rx_gro_packets++;
  while (n < cap && p->off < p->len) {
    size_t l = p->len - p->off < seg ? p->len - p->off : seg;
    out[n].data = p->data + p->off;
    out[n].len = l;
    out[n].from = p->from;
    p->off += l;
    u->st.rx_datagrams++;
    u->st.rx_bytes += l;
    n++;
  }
  if (p->off >= p->len)
    p->active = 0;
  return n;
}
