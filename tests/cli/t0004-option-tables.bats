#!/usr/bin/env bats
# The tools whose options come from one struct cli_opt table (bin/cli.h:
# pf-send, pf-recv, pf-fec): --help lines up in one column, and a bad
# option is named the way the user typed it, as "pf-x: ...", exit 2,
# with the usage on stderr.

bats_require_minimum_version 1.5.0
load test_helper

# bad_option EXPECTED-FIRST-LINE ARGS...: runs ARGS and checks the reply.
bad_option() {
  local want=$1
  shift
  run --separate-stderr "$@"
  [ "$status" -eq 2 ] || { echo "$*: exit $status"; return 1; }
  [ -z "$output" ] || { echo "$*: wrote to stdout"; return 1; }
  [ "${stderr_lines[0]}" = "$want" ] ||
    { echo "$*: '${stderr_lines[0]}', expected '$want'"; return 1; }
  [[ "$stderr" == *"Usage: $1"* ]] || { echo "$*: no usage"; return 1; }
}

@test "each option line of --help has its text in one column" {
  local t cols
  for t in pf-send pf-recv pf-fec; do
    run -0 --separate-stderr "$t" --help
    # The column where the text starts after "  -x, --name ARG  " or
    # "      --name ARG  ": one value per tool.
    cols=$(grep -E '^  (-[A-Za-z], |    )--' <<<"$output" |
      sed -E 's/^(  (-[A-Za-z], |    )--[^ ]+( [^ ]+)?  +).*/\1/' |
      awk '{ print length($0) }' | sort -u)
    [ -n "$cols" ] || { echo "$t: no option lines"; return 1; }
    [ "$(wc -l <<<"$cols")" -eq 1 ] ||
      { echo "$t: text starts in columns $cols"; return 1; }
  done
}

@test "unknown, ambiguous, value-less and valueless-flag options are named" {
  bad_option "pf-send: unknown option '--bogus'" pf-send --bogus
  bad_option "pf-recv: unknown option '-x'" pf-recv -qx
  bad_option "pf-send: option '--max' is ambiguous: --max-data-per-block --max-frame-size" \
    pf-send --max 1 127.0.0.1:1
  bad_option "pf-recv: option '--help' takes no value" pf-recv --help=1
  bad_option "pf-send: option '--fec' needs a value" pf-send --fec
  bad_option "pf-recv: option '-o' needs a value" pf-recv 0 -qo
  bad_option "pf-fec: option '--json' takes no value" pf-fec info --json=1
}

@test "an unknown short option inside a cluster after a long option is named" {
  # getopt leaves optind on the cluster: the option before it is not
  # the one to blame.
  bad_option "pf-fec: unknown option '-x'" pf-fec info --json -xq
  bad_option "pf-send: unknown option '-x'" pf-send --no-encrypt -xq 127.0.0.1:1
}

@test "options and operands mix for pf-send and pf-recv, -- ends options" {
  run --separate-stderr pf-send 127.0.0.1:1 --bogus
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "pf-send: unknown option '--bogus'" ]
  # After "--", "-5" is the address operand, not an option.
  run --separate-stderr pf-recv --no-encrypt -- -5
  [ "$status" -eq 2 ]
  [[ "${stderr_lines[0]}" == "pf-recv: --no-encrypt refused: '-5' is not a loopback address"* ]]
}
