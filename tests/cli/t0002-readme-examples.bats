#!/usr/bin/env bats
# The README's usage examples work as written: every ```sh block runs in
# a scratch directory with the built tools on PATH, and the ```c block
# compiles and runs against the built library.

bats_require_minimum_version 1.5.0
load test_helper

# Prints block number $2 (0-based) of language $1 from README.md.
readme_block() {
  awk -v lang="$1" -v want="$2" '
    $0 == "```" lang { n++; on = (n - 1 == want); next }
    /^```/ { on = 0; next }
    on { print }' "$PF_SRCDIR/README.md"
}

@test "the README has shell examples" {
  [ -n "$(readme_block sh 0)" ]
}

@test "every shell example in the README runs and succeeds" {
  cd "$BATS_TEST_TMPDIR"
  i=0
  while block=$(readme_block sh "$i") && [ -n "$block" ]; do
    run bash -e -o pipefail -c "$block"
    [ "$status" -eq 0 ] || { echo "README sh block $i failed:"; echo "$block"; echo "$output"; return 1; }
    i=$((i + 1))
  done
  [ "$i" -ge 3 ]
}

@test "the README's C example compiles warning-free and runs" {
  src="$BATS_TEST_TMPDIR/example.c"
  block=$(readme_block c 0)
  [ -n "$block" ]
  {
    grep '^#include' <<<"$block"
    echo 'int main(void) {'
    grep -v '^#include' <<<"$block"
    echo 'return 0; }'
  } >"$src"
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Wextra -Werror $PF_SANCFLAGS -I"$PF_SRCDIR/lib/include" \
    -o "$BATS_TEST_TMPDIR/example" "$src" -L"$PF_BUILDDIR/.libs" \
    -Wl,-rpath,"$PF_BUILDDIR/.libs" -lpunktfunk
  run -0 "$BATS_TEST_TMPDIR/example"
}
