#!/usr/bin/env bats
# Every built tool behaves the same at its edges: --help, --version, an
# unknown option, and a man page whose OPTIONS name the same long options
# as the tool's --help.  The tool list is PF_TOOLS from Makefile.am (one
# list for all tests).

bats_require_minimum_version 1.5.0
load test_helper

@test "the tool list is not empty" {
  [ -n "${PF_TOOLS// /}" ]
}

@test "every tool prints usage on stdout and nothing on stderr for --help" {
  for t in $PF_TOOLS; do
    run --separate-stderr "$t" --help
    [ "$status" -eq 0 ] || { echo "$t --help exit $status"; return 1; }
    [ -z "$stderr" ] || { echo "$t --help wrote to stderr: $stderr"; return 1; }
    [[ "$output" == *"Usage: $t"* ]] || { echo "$t --help: no usage"; return 1; }
  done
}

@test "every tool prints 'pf-x (punktfunk) X.Y.Z' for --version" {
  for t in $PF_TOOLS; do
    run --separate-stderr "$t" --version
    [ "$status" -eq 0 ] || return 1
    [ "$output" = "$t (punktfunk) $PF_VERSION" ] || { echo "$t: '$output'"; return 1; }
  done
}

@test "every tool exits 2 with usage on stderr for an unknown option" {
  for t in $PF_TOOLS; do
    run --separate-stderr "$t" --no-such-option-xyz
    [ "$status" -eq 2 ] || { echo "$t: exit $status"; return 1; }
    [ -z "$output" ] || { echo "$t wrote to stdout"; return 1; }
    [[ "$stderr" == *"Usage: $t"* ]] || { echo "$t: no usage on stderr"; return 1; }
  done
}

@test "every tool's --help and its man page's OPTIONS name the same long options" {
  local rv=0
  for t in $PF_TOOLS; do
    man="$PF_SRCDIR/doc/man/$t.1"
    [ -f "$man" ] || { echo "no man page $man"; return 1; }
    help_matches_man "$t" "$man" || rv=1
  done
  [ "$rv" -eq 0 ]
}

@test "the --help / man page check catches an option missing on either side" {
  # A man page without the --key-file entry (an option pf-send and
  # pf-recv share), and a tool whose --help names an option its man page
  # lacks.
  man="$PF_SRCDIR/doc/man/pf-send.1"
  grep -q '^\.BI \\-\\-key-file " FILE"$' "$man"
  sed '/^\.BI \\-\\-key-file " FILE"$/d' "$man" >"$BATS_TEST_TMPDIR/pf-send.1"
  run -1 help_matches_man pf-send "$BATS_TEST_TMPDIR/pf-send.1"
  [[ "$output" == *"--key-file is in --help but not in the OPTIONS"* ]]
  # shellcheck disable=SC2016 # the $ signs belong to the generated script
  printf '#!/bin/sh\n"%s" "$@"\n[ "$1" = --help ] && echo "  --brand-new  x"\nexit 0\n' \
    "$(command -v pf-recv)" >"$BATS_TEST_TMPDIR/pf-recv"
  chmod +x "$BATS_TEST_TMPDIR/pf-recv"
  run -1 help_matches_man "$BATS_TEST_TMPDIR/pf-recv" "$PF_SRCDIR/doc/man/pf-recv.1"
  [[ "$output" == *"--brand-new is in --help but not in the OPTIONS"* ]]
  # And the other direction: an OPTIONS entry the tool does not list.
  sed 's/^\.SH OPTIONS$/.SH OPTIONS\n.TP\n.B \\-\\-gone-option\nOld./' "$man" \
    >"$BATS_TEST_TMPDIR/pf-send.1"
  run -1 help_matches_man pf-send "$BATS_TEST_TMPDIR/pf-send.1"
  [[ "$output" == *"--gone-option is in the OPTIONS of"*"but not in --help"* ]]
}

@test "every man page is valid troff without warnings" {
  command -v groff >/dev/null || skip "groff is not installed"
  for t in $PF_TOOLS; do
    run --separate-stderr groff -man -Tutf8 -ww -z "$PF_SRCDIR/doc/man/$t.1"
    [ "$status" -eq 0 ] && [ -z "$stderr" ] || { echo "$t.1: $stderr"; return 1; }
  done
}

@test "sources and docs cite no notes or paths outside the repository" {
  # The patterns are built from pieces so this file does not match itself.
  local notes="wire""-notes" shared="\.\./""shared" work="/wo""rk/"
  run grep -rnE -e "$notes" -e "$shared" -e "$work" \
    --include='*.c' --include='*.h' --include='*.md' --include='*.am' \
    --include='*.1' --include='*.bash' --include='*.bats' --include='*.sh' \
    "$PF_SRCDIR/lib" "$PF_SRCDIR/bin" "$PF_SRCDIR/tests" "$PF_SRCDIR/doc" \
    "$PF_SRCDIR/fuzz" "$PF_SRCDIR/bench" "$PF_SRCDIR/scripts" \
    "$PF_SRCDIR/README.md" "$PF_SRCDIR/Makefile.am" "$PF_SRCDIR/configure.ac"
  [ "$status" -eq 1 ] || { echo "$output"; return 1; }
}
