#!/usr/bin/env bats
# The library's layering (doc/internals/architecture.md), checked by
# scripts/check-layers on the real tree and on small fake trees that break
# one rule each, so the checker itself is known to catch what it claims.

bats_require_minimum_version 1.5.0
load test_helper

CHECK="$PF_SRCDIR/scripts/check-layers"

# fake_tree: a source and build tree with lib/base/a.c and lib/fec/b.c,
# b calling a (allowed); the tests add the violation.
fake_tree() {
  T="$BATS_TEST_TMPDIR/t"
  mkdir -p "$T/src/lib/base" "$T/src/lib/fec" "$T/src/lib/dataplane" \
    "$T/build/lib/base" "$T/build/lib/fec" "$T/build/lib/dataplane"
  printf 'int pf_a(void) { return 1; }\n' >"$T/src/lib/base/pf_a.c"
  printf '#include "base/pf_a.h"\nint pf_a(void);\nint pf_b(void) { return pf_a(); }\n' \
    >"$T/src/lib/fec/pf_b.c"
  printf 'int pf_c(void) { return 3; }\n' >"$T/src/lib/dataplane/pf_c.c"
}

# compile_fake: builds every fake source into the fake build tree.
compile_fake() {
  local f layer name
  for f in "$T"/src/lib/*/*.c; do
    layer=$(basename "$(dirname "$f")")
    name=$(basename "$f" .c)
    mkdir -p "$T/build/lib/$layer"
    cc -c -w -I "$T/src/lib" -o "$T/build/lib/$layer/libpunktfunk_core_la-$name.o" \
      -x c - < <(grep -v '#include' "$f") || return 1
  done
}

@test "the library's files respect the layers and form no cycle" {
  run "$CHECK" "$PF_SRCDIR" "$PF_BUILDDIR"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "check-layers passes a tree that respects the layers" {
  fake_tree
  compile_fake
  run "$CHECK" "$T/src" "$T/build"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "check-layers names an include of a higher layer" {
  fake_tree
  printf '#include "dataplane/pf_c.h"\n' >>"$T/src/lib/fec/pf_b.c"
  compile_fake
  run "$CHECK" "$T/src" "$T/build"
  [ "$status" -eq 1 ]
  [[ "$output" == *"lib/fec/pf_b.c: includes dataplane/pf_c.h"* ]]
}

@test "check-layers names a call into a higher layer" {
  fake_tree
  printf 'int pf_c(void);\nint pf_b2(void) { return pf_c(); }\n' >>"$T/src/lib/fec/pf_b.c"
  compile_fake
  run "$CHECK" "$T/src" "$T/build"
  [ "$status" -eq 1 ]
  [[ "$output" == *"lib/fec/pf_b.c: calls pf_c of lib/dataplane/pf_c.c"* ]]
}

@test "check-layers names a cycle between two files of one layer" {
  fake_tree
  printf 'int pf_d(void);\nint pf_e(void) { return pf_d(); }\n' >"$T/src/lib/fec/pf_e.c"
  printf 'int pf_e(void);\nint pf_d(void) { return pf_e(); }\n' >"$T/src/lib/fec/pf_d.c"
  compile_fake
  run "$CHECK" "$T/src" "$T/build"
  [ "$status" -eq 1 ]
  [[ "$output" == *"depend on each other (a cycle)"* ]]
}

@test "check-layers refuses a folder that is not a layer" {
  fake_tree
  mkdir -p "$T/src/lib/misc"
  printf 'int x;\n' >"$T/src/lib/misc/x.c"
  compile_fake
  run "$CHECK" "$T/src" "$T/build"
  [ "$status" -eq 1 ]
  [[ "$output" == *"lib/misc is not a known layer"* ]]
}
