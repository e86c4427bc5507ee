/*
 * pf_abi.h -- the struct_size rules for public config structs.
 */
#ifndef PF_ABI_H
#define PF_ABI_H

#include <stddef.h>
#include <string.h>

#include <punktfunk/punktfunk.h>

/*
 * Copies a caller's config into |dst|, which the caller has already
 * filled with defaults.  |src| starts with size_t struct_size.  A size
 * below |first_size| (the first published layout) is PF_ERR_ABI; a larger
 * size than ours is accepted and the unknown tail ignored; a size between
 * the two keeps our defaults for the fields the caller does not know.
 */
static inline int pf_config_copy(void *dst, size_t dst_size, const void *src,
                                 size_t first_size) {
  size_t src_size;

  memcpy(&src_size, src, sizeof(src_size));
  if (src_size < first_size)
    return PF_ERR_ABI;
  memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
  memcpy(dst, &dst_size, sizeof(dst_size));
  return 0;
}

#endif /* PF_ABI_H */
