#!/usr/bin/env bats
# Every built tool behaves the same at its edges: --help, --version, an
# unknown option, and a man page that lists every long option.  The tool
# list is PF_TOOLS from Makefile.am (one list for all tests).

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

@test "every long option of every tool appears in its man page" {
  for t in $PF_TOOLS; do
    man="$PF_SRCDIR/doc/man/$t.1"
    [ -f "$man" ] || { echo "no man page $man"; return 1; }
    opts=$(tool_long_options "$t")
    [ -n "$opts" ] || { echo "$t: no options found in source"; return 1; }
    for o in $opts; do
      grep -q -e "\\\\-\\\\-$o\\b" -e "--$o\\b" "$man" ||
        { echo "$t: --$o missing from $man"; return 1; }
    done
  done
}

@test "every man page is valid troff without warnings" {
  command -v groff >/dev/null || skip "groff is not installed"
  for t in $PF_TOOLS; do
    run --separate-stderr groff -man -Tutf8 -ww -z "$PF_SRCDIR/doc/man/$t.1"
    [ "$status" -eq 0 ] && [ -z "$stderr" ] || { echo "$t.1: $stderr"; return 1; }
  done
}
