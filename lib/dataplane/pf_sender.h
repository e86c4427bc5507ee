/*
 * pf_sender.h -- internals of the punktfunk/1 sender (the public API is in
 * punktfunk.h, "Data plane: sender").  Exposed for the unit tests.
 */
#ifndef PF_SENDER_H
#define PF_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include <punktfunk/punktfunk.h>

/* The parity rule (pf_sender_recovery_for(), pf_sender_block_parity())
 * and the AU cut (pf_geometry_for()) live in pf_geometry.c. */
#include "dataplane/pf_geometry.h"

#endif /* PF_SENDER_H */
