/*
 * dgram_ring.c -- see dgram_ring.h.
 *
 * Blocks are recorded in a FIFO (blk[first .. first + count), modulo
 * nblk) in allocation order.  The bytes in use run from the oldest
 * block's offset to head, wrapping at the end of the buffer: a block
 * that does not fit before the end starts at 0 instead, and the bytes
 * it skipped come back with the blocks before it.  Sizes are at least
 * 1, so head == the oldest offset with blocks present means full.
 */
#include "dgram_ring.h"

#include <stdlib.h>

int dgram_ring_init(struct dgram_ring *r, size_t bytes, size_t blocks) {
  r->buf = malloc(bytes ? bytes : 1);
  r->blk = calloc(blocks ? blocks : 1, sizeof(*r->blk));
  r->cap = bytes;
  r->nblk = blocks ? blocks : 1;
  r->head = r->first = r->count = 0;
  if (!r->buf || !r->blk) {
    dgram_ring_free(r);
    return -1;
  }
  return 0;
}

void dgram_ring_free(struct dgram_ring *r) {
  free(r->buf);
  free(r->blk);
  r->buf = NULL;
  r->blk = NULL;
  r->cap = r->nblk = r->head = r->first = r->count = 0;
}

long dgram_ring_alloc(struct dgram_ring *r, size_t len, uint8_t **data) {
  size_t size = len ? len : 1, off, i;

  if (r->count == r->nblk || size > r->cap)
    return -1;
  if (r->count == 0) {
    off = 0;
  } else {
    size_t tail = r->blk[r->first].off;
    if (r->head > tail) { /* in use: [tail, head) */
      if (size <= r->cap - r->head)
        off = r->head;
      else if (size <= tail)
        off = 0;
      else
        return -1;
    } else { /* wrapped: [tail, end) and [0, head) */
      if (size <= tail - r->head)
        off = r->head;
      else
        return -1;
    }
  }
  i = (r->first + r->count) % r->nblk;
  r->blk[i].off = off;
  r->blk[i].size = size;
  r->blk[i].live = 1;
  r->count++;
  r->head = off + size;
  *data = r->buf + off;
  return (long)i;
}

void dgram_ring_release(struct dgram_ring *r, long id) {
  if (id < 0 || (size_t)id >= r->nblk)
    return;
  r->blk[id].live = 0;
  while (r->count > 0 && !r->blk[r->first].live) {
    r->first = (r->first + 1) % r->nblk;
    r->count--;
  }
  if (r->count == 0)
    r->head = 0;
}
