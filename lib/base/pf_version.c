/*
 * pf_version.c -- package version and ABI generation.
 */
#include "config.h"

#include <punktfunk/punktfunk.h>

uint32_t pf_abi_version(void) { return PF_ABI_VERSION; }

const char *pf_version(void) { return PACKAGE_VERSION; }
