#!/usr/bin/env bats
# The installed library serves a program built outside the tree through
# pkg-config: once linked to the shared library, once to libpunktfunk.a.

bats_require_minimum_version 1.5.0
load test_helper

setup_file() {
  export DEST="$BATS_FILE_TMPDIR/root"
  ${MAKE:-make} -s -C "$PF_BUILDDIR" install DESTDIR="$DEST" >"$BATS_FILE_TMPDIR/install.log" 2>&1
  PC=$(find "$DEST" -name libpunktfunk.pc | head -n 1)
  export PC
  export PKG_CONFIG_SYSROOT_DIR="$DEST"
  export PKG_CONFIG_PATH
  PKG_CONFIG_PATH=$(dirname "$PC")
  LIBDIR=$(dirname "$(dirname "$PC")")
  export LIBDIR
  # The ABI generation the installed header declares; the SONAME must
  # name it (CURRENT - AGE == PF_ABI_VERSION, doc/ABI.md).
  ABI=$(sed -n 's/^#define PF_ABI_VERSION \([0-9][0-9]*\)u$/\1/p' \
    "$(find "$DEST" -path '*/include/punktfunk/punktfunk.h')")
  export ABI
}

@test "the SONAME names the ABI generation of the installed header (ABI 2)" {
  # Pinned: raising PF_ABI_VERSION is a decision recorded in doc/ABI.md's
  # History, not something a build does by accident.
  [ "$ABI" = 2 ]
  [ -f "$LIBDIR/libpunktfunk.so.$ABI" ]
  run -0 readelf -d "$LIBDIR/libpunktfunk.so.$ABI"
  [[ "$output" == *"Library soname: [libpunktfunk.so.$ABI]"* ]]
  # No library of another generation is installed beside it.
  [ -z "$(find "$LIBDIR" -name 'libpunktfunk.so.*' ! -name "libpunktfunk.so.$ABI*")" ]
}

@test "make install puts the header, both libraries, the pc file and man pages in place" {
  [ -n "$PC" ]
  [ -f "$LIBDIR/libpunktfunk.a" ]
  [ -f "$LIBDIR/libpunktfunk.so.$ABI" ]
  [ -n "$(find "$DEST" -path '*/include/punktfunk/punktfunk.h')" ]
  for t in $PF_TOOLS; do
    [ -n "$(find "$DEST" -path "*/bin/$t")" ] || { echo "$t not installed"; return 1; }
    [ -n "$(find "$DEST" -path "*/man1/$t.1")" ] || { echo "$t.1 not installed"; return 1; }
  done
}

@test "a program built against the installed shared library passes the ABI checks" {
  # shellcheck disable=SC2046,SC2086
  cc -std=c11 -Wall -Wextra -Werror $PF_SANCFLAGS -o "$BATS_TEST_TMPDIR/abi" \
    "$PF_SRCDIR/tests/abi/abi_check.c" $(pkg-config --cflags --libs libpunktfunk)
  run -0 env LD_LIBRARY_PATH="$LIBDIR" "$BATS_TEST_TMPDIR/abi"
  [[ "$output" == "abi_check: ok"* ]]
  # It really resolved the installed copy, not one from the build tree.
  run -0 env LD_LIBRARY_PATH="$LIBDIR" ldd "$BATS_TEST_TMPDIR/abi"
  [[ "$output" == *"$LIBDIR/libpunktfunk.so.$ABI"* ]]
}

@test "a program linked to the installed static library passes the ABI checks" {
  # libpunktfunk.a itself, its dependencies as shared libraries (Debian
  # ships no static ISA-L, and gnutls's static closure needs -dev packages
  # we do not otherwise use): the Requires.private modules plus Libs.private.
  # shellcheck disable=SC2046
  libs="$(pkg-config --libs $(pkg-config --print-requires-private libpunktfunk | awk '{print $1}')) -lm -lpthread"
  # shellcheck disable=SC2086,SC2046 # flag lists must split into words
  cc -std=c11 -Wall -Wextra -Werror $PF_SANCFLAGS -o "$BATS_TEST_TMPDIR/abi-static" \
    "$PF_SRCDIR/tests/abi/abi_check.c" $(pkg-config --cflags libpunktfunk) \
    "$LIBDIR/libpunktfunk.a" $libs
  run -0 ldd "$BATS_TEST_TMPDIR/abi-static"
  [[ "$output" != *libpunktfunk* ]]
  run -0 "$BATS_TEST_TMPDIR/abi-static"
  [[ "$output" == "abi_check: ok"* ]]
}

@test "the shared library exports only pf_ symbols" {
  run -0 nm -D --defined-only "$LIBDIR/libpunktfunk.so.$ABI"
  bad=$(printf '%s\n' "$output" | awk '$2 ~ /^[TDBR]$/ {print $3}' | grep -v -E '^(pf_|punktfunk_)' || true)
  [ -z "$bad" ] || { echo "unexpected exports: $bad"; return 1; }
}

# --- the original punktfunk C ABI (punktfunk_core.h, doc/compat-abi.md) ---

@test "make install puts punktfunk_core.h in place and the library exports its functions" {
  [ -n "$(find "$DEST" -path '*/include/punktfunk/punktfunk_core.h')" ]
  run -0 nm -D --defined-only "$LIBDIR/libpunktfunk.so.$ABI"
  for s in punktfunk_abi_version punktfunk_session_new punktfunk_test_loopback_pair \
    punktfunk_session_free punktfunk_host_submit_frame punktfunk_client_poll_frame \
    punktfunk_get_stats; do
    printf '%s\n' "$output" | awk '$2 == "T" {print $3}' | grep -qx "$s" ||
      { echo "$s not exported"; return 1; }
  done
}

@test "the original ABI harness passes against the installed shared library" {
  # shellcheck disable=SC2046,SC2086
  cc -std=c11 -Wall -Wextra -Werror $PF_SANCFLAGS -o "$BATS_TEST_TMPDIR/harness" \
    "$PF_SRCDIR/tests/abi/harness.c" $(pkg-config --cflags --libs libpunktfunk)
  run -0 env LD_LIBRARY_PATH="$LIBDIR" ldd "$BATS_TEST_TMPDIR/harness"
  [[ "$output" == *"$LIBDIR/libpunktfunk.so.$ABI"* ]]
  for v in "" --encrypt --gf16 "--encrypt --gf16"; do
    # shellcheck disable=SC2086
    run -0 env LD_LIBRARY_PATH="$LIBDIR" "$BATS_TEST_TMPDIR/harness" $v
    [[ "$output" == *"PASS: 4 frames round-tripped byte-exact through lossy loopback"* ]]
  done
}

@test "the original ABI harness passes against the installed static library" {
  # shellcheck disable=SC2046
  libs="$(pkg-config --libs $(pkg-config --print-requires-private libpunktfunk | awk '{print $1}')) -lm -lpthread"
  # shellcheck disable=SC2046,SC2086
  cc -std=c11 -Wall -Wextra -Werror $PF_SANCFLAGS -o "$BATS_TEST_TMPDIR/harness-static" \
    "$PF_SRCDIR/tests/abi/harness.c" $(pkg-config --cflags libpunktfunk) \
    "$LIBDIR/libpunktfunk.a" $libs
  run -0 ldd "$BATS_TEST_TMPDIR/harness-static"
  [[ "$output" != *libpunktfunk* ]]
  for v in "" --encrypt --gf16; do
    # shellcheck disable=SC2086
    run -0 "$BATS_TEST_TMPDIR/harness-static" $v
    [[ "$output" == *"PASS: 4 frames round-tripped byte-exact through lossy loopback"* ]]
  done
}

@test "a program including \"punktfunk_core.h\" the original way builds unchanged, as C99 and C++" {
  inc=$(dirname "$(find "$DEST" -path '*/include/punktfunk/punktfunk_core.h' | head -n 1)")
  # The original harness says #include "punktfunk_core.h" with -I on the
  # header's own directory.
  sed 's|#include <punktfunk/punktfunk_core.h>|#include "punktfunk_core.h"|' \
    "$PF_SRCDIR/tests/abi/harness.c" >"$BATS_TEST_TMPDIR/orig.c"
  grep -q '#include "punktfunk_core.h"' "$BATS_TEST_TMPDIR/orig.c"
  # shellcheck disable=SC2046,SC2086
  cc -std=c99 -pedantic -Wall -Wextra -Werror $PF_SANCFLAGS -I"$inc" \
    -o "$BATS_TEST_TMPDIR/orig" "$BATS_TEST_TMPDIR/orig.c" \
    $(pkg-config --libs libpunktfunk)
  run -0 env LD_LIBRARY_PATH="$LIBDIR" "$BATS_TEST_TMPDIR/orig"
  [[ "$output" == *"PASS: 4 frames"* ]]
  if command -v c++ >/dev/null 2>&1; then
    printf '#include "punktfunk_core.h"\nint main() { PunktfunkStatus s = PUNKTFUNK_STATUS_NO_FRAME; return s == -5 && sizeof(PunktfunkConfig) == 64 ? 0 : 1; }\n' \
      >"$BATS_TEST_TMPDIR/cxx.cc"
    c++ -std=c++11 -Wall -Wextra -Werror -I"$inc" -o "$BATS_TEST_TMPDIR/cxx" "$BATS_TEST_TMPDIR/cxx.cc"
    run -0 "$BATS_TEST_TMPDIR/cxx"
  fi
}
