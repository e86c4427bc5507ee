/*
 * cli_addr.c -- address checks for the --no-encrypt rule (see cli.h).
 */
#include "cli.h"

#include <arpa/inet.h>
#include <string.h>

int cli_addr_is_loopback(const char *addr) {
  char host[64];
  const char *hs, *he;
  uint8_t a[16];
  static const uint8_t loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                    0, 0, 0, 0, 0, 0, 0, 1};
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

  if (!addr)
    return 0;
  if (addr[0] == '[') {
    hs = addr + 1;
    he = strchr(hs, ']');
  } else {
    hs = addr;
    he = strrchr(addr, ':');
  }
  if (!he || (size_t)(he - hs) >= sizeof(host))
    return 0;
  memcpy(host, hs, (size_t)(he - hs));
  host[he - hs] = '\0';
  if (strcmp(host, "localhost") == 0)
    return 1;
  if (addr[0] != '[')
    return inet_pton(AF_INET, host, a) == 1 && a[0] == 127;
  if (strchr(host, '%') || inet_pton(AF_INET6, host, a) != 1)
    return 0;
  return memcmp(a, loop6, 16) == 0 ||
         (memcmp(a, mapped, 12) == 0 && a[12] == 127);
}
