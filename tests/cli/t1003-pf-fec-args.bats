#!/usr/bin/env bats
# pf-fec command line: subcommands, usage, strict number parsing (exit 2
# with a message naming the bad value), and the bench command.

bats_require_minimum_version 1.5.0
load test_helper
load pf_fec_helper

@test "pf-fec without a command prints usage on stderr and exits 2" {
  run -2 --separate-stderr pf-fec
  [ -z "$output" ]
  [[ "$stderr" == "Usage: pf-fec <command> [options]"* ]]
}

@test "pf-fec rejects an unknown command with exit 2" {
  run -2 --separate-stderr pf-fec frobnicate
  [ -z "$output" ]
  [ "${stderr_lines[0]}" = "pf-fec: unknown command 'frobnicate'" ]
  [[ "$stderr" == *"Usage: pf-fec"* ]]
}

@test "every pf-fec command prints its usage on stdout for --help" {
  for c in encode decode info bench; do
    run -0 --separate-stderr pf-fec "$c" --help
    [ -z "$stderr" ] || return 1
    [[ "$output" == "Usage: pf-fec $c"* ]] || { echo "$c: $output"; return 1; }
  done
  run -0 --separate-stderr pf-fec help
  [[ "$output" == "Usage: pf-fec"* ]]
  run -0 --separate-stderr pf-fec -h
  [[ "$output" == "Usage: pf-fec"* ]]
  run -0 pf-fec encode -V
  [ "$output" = "pf-fec (punktfunk) $PF_VERSION" ]
}

@test "pf-fec exits 2 naming the value for malformed or out-of-range numbers" {
  run -2 --separate-stderr pf-fec encode -k 0
  [ "${stderr_lines[0]}" = "pf-fec: invalid data shard count '0': expected an integer in 1..65534" ]
  run -2 --separate-stderr pf-fec encode -k 4x
  [[ "$stderr" == "pf-fec: invalid data shard count '4x'"* ]]
  run -2 --separate-stderr pf-fec encode -m -1
  [[ "$stderr" == "pf-fec: invalid parity shard count '-1'"* ]]
  run -2 --separate-stderr pf-fec encode --shard-size 0
  [[ "$stderr" == "pf-fec: invalid shard size '0': expected a size in 1..65536"* ]]
  run -2 --separate-stderr pf-fec encode --shard-size 65537
  [[ "$stderr" == "pf-fec: invalid shard size '65537'"* ]]
  run -2 --separate-stderr pf-fec bench --seconds 0
  [ "$stderr" = "pf-fec: invalid seconds '0': expected seconds in 0.001..60" ]
  run -2 --separate-stderr pf-fec bench --seconds 1.
  [[ "$stderr" == "pf-fec: invalid seconds '1.'"* ]]
  run -2 --separate-stderr pf-fec decode --format raw --lost 1,,2
  [[ "$stderr" == "pf-fec: invalid lost shard list '1,,2'"* ]]
}

@test "pf-fec exits 2 for parameters the code cannot take" {
  run -2 --separate-stderr pf-fec encode -k 200 -m 56
  [ "$stderr" = "pf-fec: k + m = 256 is too large: gf8 allows at most 255 shards" ]
  run -2 --separate-stderr pf-fec encode --code gf16 --shard-size 1401
  [ "$stderr" = "pf-fec: invalid shard size 1401: gf16 needs an even shard size" ]
  run -2 --separate-stderr pf-fec encode --code gf16 -k 2000 -m 100 --shard-size 64K
  [[ "$stderr" == "pf-fec: a block of (k + m) x shard size = "*" bytes is too large"* ]]
  run -2 --separate-stderr pf-fec encode --code gf32
  [ "$stderr" = "pf-fec: invalid code 'gf32': expected gf8 or gf16" ]
  run -2 --separate-stderr pf-fec encode --format zip
  [ "$stderr" = "pf-fec: invalid format 'zip': expected stream or raw" ]
  run -2 --separate-stderr pf-fec decode --format raw -k 4 -m 2 --lost 6
  [ "$stderr" = "pf-fec: lost shard 6 is out of range: k + m = 6 shards are numbered 0..5" ]
}

@test "pf-fec exits 2 for options that do not fit the command" {
  run -2 --separate-stderr pf-fec info -k 4
  [ "${stderr_lines[0]}" = "pf-fec: option '--data-shards' does not apply to 'info'" ]
  [[ "$stderr" == *"Usage: pf-fec info"* ]]
  run -2 --separate-stderr pf-fec encode --json
  [ "${stderr_lines[0]}" = "pf-fec: option '--json' does not apply to 'encode'" ]
  run -2 --separate-stderr pf-fec decode --lost 1
  [[ "$stderr" == "pf-fec: --lost needs --format raw"* ]]
  run -2 --separate-stderr pf-fec decode -k 4
  [[ "$stderr" == "pf-fec: decode reads the code, k, m and shard size from the stream"* ]]
  run -2 --separate-stderr pf-fec decode --format raw --strict
  [[ "$stderr" == "pf-fec: --strict applies to shard streams"* ]]
  run -2 --separate-stderr pf-fec encode extra
  [ "${stderr_lines[0]}" = "pf-fec: unexpected argument 'extra'" ]
  run -2 --separate-stderr pf-fec encode -k
  [ "${stderr_lines[0]}" = "pf-fec: option '-k' needs a value" ]
  run -2 --separate-stderr pf-fec encode --bogus
  [ "${stderr_lines[0]}" = "pf-fec: unknown option '--bogus'" ]
}

@test "pf-fec bench prints a table row per available implementation" {
  run -0 --separate-stderr pf-fec bench --code gf8 -k 4 -m 2 --shard-size 64 --seconds 0.01
  [ -z "$stderr" ]
  [[ "${lines[0]}" == "code  impl"*"encode MB/s  decode MB/s" ]]
  [ "${#lines[@]}" -ge 2 ]
  [[ "${lines[1]}" == "gf8 "* ]]
}

@test "pf-fec bench --json lists results with both speeds" {
  run -0 --separate-stderr pf-fec bench --json --code gf8 -k 4 -m 2 --shard-size 64 --seconds 0.01
  [ -z "$stderr" ]
  [[ "$output" == *'"results": ['* ]]
  [[ "$output" == *'"code": "gf8"'*'"encode_mbps": '*'"decode_mbps": '* ]]
  if command -v python3 >/dev/null; then
    printf '%s\n' "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["results"] and all(r["encode_mbps"] > 0 for r in d["results"])'
  fi
}

@test "pf-fec bench runs the default parameter sets within the time bound" {
  SECONDS=0
  run -0 --separate-stderr pf-fec bench --seconds 0.005
  [ -z "$stderr" ]
  [ "$SECONDS" -lt 30 ]
  [[ "$output" == *"gf8 "*"   10      4   1400"* ]]
}
