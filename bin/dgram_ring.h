/*
 * dgram_ring.h -- storage for the datagrams pf-loss relay holds back.
 *
 * A byte ring that hands out blocks in arrival order, back to back: the
 * datagrams of one received batch end up contiguous, so a run of them
 * that falls due together leaves straight from the ring as one GSO send
 * (no copy and no allocation per datagram).  Blocks may be freed in any
 * order (reordered or duplicated datagrams leave later); the space of
 * the oldest block comes back when it and everything before it is
 * freed.  When the ring has no room, dgram_ring_alloc() fails and the
 * caller stores the datagram elsewhere.
 */
#ifndef PF_DGRAM_RING_H
#define PF_DGRAM_RING_H

#include <stddef.h>
#include <stdint.h>

struct dgram_ring_blk {
  size_t off, size; /* size >= 1, even for an empty datagram */
  int live;
};

struct dgram_ring {
  uint8_t *buf;
  size_t cap;  /* bytes */
  size_t head; /* where the next block goes */
  struct dgram_ring_blk *blk;
  size_t nblk;  /* slots in blk[] */
  size_t first; /* oldest block */
  size_t count; /* blocks from first on, live or freed */
};

/* |bytes| of storage for at most |blocks| blocks.  0 or -1 (no memory). */
int dgram_ring_init(struct dgram_ring *r, size_t bytes, size_t blocks);
void dgram_ring_free(struct dgram_ring *r);

/* A block of |len| bytes: its id (>= 0) and |*data|, or -1 when there is
 * no room. */
long dgram_ring_alloc(struct dgram_ring *r, size_t len, uint8_t **data);

/* Gives block |id| back. */
void dgram_ring_release(struct dgram_ring *r, long id);

#endif /* PF_DGRAM_RING_H */
