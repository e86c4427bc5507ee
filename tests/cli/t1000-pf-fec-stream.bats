#!/usr/bin/env bats
# pf-fec encode/decode/info on shard streams: round trips of every input
# size class, recovery from lost records, and clear failure when a block
# cannot be recovered (issues #4, #5).

bats_require_minimum_version 1.5.0
load test_helper
load pf_fec_helper

# round_trip IN [encode options...]: encode, decode, compare.
round_trip() {
  local in=$1
  shift
  pf-fec encode "$@" <"$in" >"$BATS_TEST_TMPDIR/s" &&
    pf-fec decode <"$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/out" &&
    cmp "$in" "$BATS_TEST_TMPDIR/out"
}

@test "pf-fec encode | decode round-trips 0 bytes, 1 byte and block edges with the defaults (gf8)" {
  for len in 0 1 1399 1400 13999 14000 14001 30000; do
    make_input "$BATS_TEST_TMPDIR/in" "$len"
    round_trip "$BATS_TEST_TMPDIR/in" || { echo "length $len"; return 1; }
  done
}

@test "pf-fec encode | decode round-trips multi-block inputs with small blocks (gf8 4+2x64)" {
  for len in 0 1 63 64 255 256 257 1000 4096 10001; do
    make_input "$BATS_TEST_TMPDIR/in" "$len" "$len"
    round_trip "$BATS_TEST_TMPDIR/in" -k 4 -m 2 --shard-size 64 ||
      { echo "length $len"; return 1; }
  done
}

@test "pf-fec streams a 3 MiB input through blocks of 20+5x1400" {
  make_input "$BATS_TEST_TMPDIR/in" 3145728
  round_trip "$BATS_TEST_TMPDIR/in" --code gf8 -k 20 -m 5 --shard-size 1400
}

@test "pf-fec encode writes k+m records of 40+S bytes per block, the last one zero-padded" {
  make_input "$BATS_TEST_TMPDIR/in" 1000
  pf-fec encode -k 4 -m 2 --shard-size 64 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  # 1000 bytes = 3 full blocks of 256 + 232 bytes: 4 blocks x 6 records x 104.
  [ "$(stat -c %s "$BATS_TEST_TMPDIR/s")" -eq $((4 * 6 * 104)) ]
  run -0 record_table "$BATS_TEST_TMPDIR/s"
  [ "${#lines[@]}" -eq 24 ]
  [ "${lines[0]}" = $'0\t104\t0\t0\tok' ]
  [ "${lines[23]}" = $'2392\t104\t3\t5\tok' ]
  # Data shard 3 of the last block holds bytes 768+192..999, then zeros.
  copy_range "$BATS_TEST_TMPDIR/s" $((21 * 104 + 40)) 64 >"$BATS_TEST_TMPDIR/shard"
  copy_range "$BATS_TEST_TMPDIR/in" 960 40 >"$BATS_TEST_TMPDIR/want"
  head -c 24 /dev/zero >>"$BATS_TEST_TMPDIR/want"
  cmp "$BATS_TEST_TMPDIR/shard" "$BATS_TEST_TMPDIR/want"
}

@test "pf-fec decode recovers 2 lost records in every block of 4+2 (gf8)" {
  make_input "$BATS_TEST_TMPDIR/in" 1000
  pf-fec encode -k 4 -m 2 --shard-size 64 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  drop_records "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/lossy" 0:0 0:3 1:1 1:5 2:4 2:5 3:0 3:1
  run -0 --separate-stderr pf-fec decode <"$BATS_TEST_TMPDIR/lossy"
  [ -z "$stderr" ]
  pf-fec decode <"$BATS_TEST_TMPDIR/lossy" | cmp - "$BATS_TEST_TMPDIR/in"
}

@test "pf-fec decode recovers 4 lost shards of 10+4 with the default parameters" {
  make_input "$BATS_TEST_TMPDIR/in" 20000
  pf-fec encode <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  drop_records "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/lossy" 0:0 0:2 0:4 0:9 1:10 1:11 1:12 1:13
  pf-fec decode <"$BATS_TEST_TMPDIR/lossy" | cmp - "$BATS_TEST_TMPDIR/in"
}

@test "pf-fec decode exits 1 naming the block and the shard counts when too few remain" {
  make_input "$BATS_TEST_TMPDIR/in" 1000
  pf-fec encode -k 4 -m 2 --shard-size 64 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  drop_records "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/lossy" 1:0 1:2 1:4
  run -1 --separate-stderr pf-fec decode <"$BATS_TEST_TMPDIR/lossy"
  [[ "$stderr" == "pf-fec: block 1 (offset 624): unrecoverable: 3 of 6 shards present, 4 needed"* ]]
}

@test "pf-fec decode exits 1 when every record of a middle block is lost" {
  make_input "$BATS_TEST_TMPDIR/in" 1000
  pf-fec encode -k 4 -m 2 --shard-size 64 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  drop_records "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/lossy" '2:*'
  run -1 --separate-stderr pf-fec decode <"$BATS_TEST_TMPDIR/lossy"
  [[ "$stderr" == *"block 2: unrecoverable: no record of it arrived"* ]]
}

@test "pf-fec decode exits 1 when the final block is lost entirely (truncated stream)" {
  make_input "$BATS_TEST_TMPDIR/in" 1000
  pf-fec encode -k 4 -m 2 --shard-size 64 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  drop_records "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/lossy" '3:*'
  run -1 --separate-stderr pf-fec decode <"$BATS_TEST_TMPDIR/lossy"
  [[ "$stderr" == *"ends after block 2, which is not the final block"* ]]
}

@test "pf-fec info describes a stream, in words and as JSON" {
  make_input "$BATS_TEST_TMPDIR/in" 1000
  pf-fec encode -k 4 -m 2 --shard-size 64 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  drop_records "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/lossy" 0:1 2:0 2:1 2:2
  run -0 --separate-stderr pf-fec info <"$BATS_TEST_TMPDIR/lossy"
  [ -z "$stderr" ]
  [[ "$output" == *"code:            gf8"* ]]
  [[ "$output" == *"data shards:     4"* ]]
  [[ "$output" == *"original bytes:  1000"* ]]
  [[ "$output" == *"lost shards:     4"* ]]
  [[ "$output" == *"unrecoverable:   1 (blocks 2)"* ]]
  [[ "$output" == *"recoverable:     no"* ]]
  run -0 --separate-stderr pf-fec info --json <"$BATS_TEST_TMPDIR/lossy"
  [[ "$output" == *'"code": "gf8"'* ]]
  [[ "$output" == *'"parity_shards": 2'* ]]
  [[ "$output" == *'"shard_size": 64'* ]]
  [[ "$output" == *'"records": 20'* ]]
  [[ "$output" == *'"blocks": 4'* ]]
  [[ "$output" == *'"unrecoverable_list": [2]'* ]]
  [[ "$output" == *'"recoverable": false'* ]]
  if command -v python3 >/dev/null; then
    printf '%s\n' "$output" | python3 -c 'import json,sys; json.load(sys.stdin)'
    pf-fec info --json --records <"$BATS_TEST_TMPDIR/lossy" |
      python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["record_list"]) == 20 and d["summary"]["recoverable"] is False'
  fi
}

@test "pf-fec encode | decode round-trips with gf16 (several sizes, lost records)" {
  skip_unless_code gf16
  for len in 0 1 1399 5000 100000; do
    make_input "$BATS_TEST_TMPDIR/in" "$len"
    round_trip "$BATS_TEST_TMPDIR/in" --code gf16 || { echo "length $len"; return 1; }
  done
  make_input "$BATS_TEST_TMPDIR/in" 5000
  pf-fec encode --code gf16 -k 6 -m 3 --shard-size 128 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  drop_records "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/lossy" 0:0 0:1 0:5 '1:[678]' 3:2
  pf-fec decode <"$BATS_TEST_TMPDIR/lossy" | cmp - "$BATS_TEST_TMPDIR/in"
  run -0 pf-fec info --json <"$BATS_TEST_TMPDIR/s"
  [[ "$output" == *'"code": "gf16"'* ]]
}

@test "the example in doc/shard-stream.md produces the header bytes it shows" {
  want=$(grep -E '^([0-9a-f]{2}  ?)+' "$PF_SRCDIR/doc/shard-stream.md" |
    sed 's/\.\.\.//' | tr -d ' \n')
  [ "${#want}" -eq 64 ]
  printf 'hello' | pf-fec encode -k 2 -m 1 --shard-size 4 >"$BATS_TEST_TMPDIR/s"
  [ "$(stat -c %s "$BATS_TEST_TMPDIR/s")" -eq $((3 * 44)) ]
  copy_range "$BATS_TEST_TMPDIR/s" 0 32 >"$BATS_TEST_TMPDIR/h"
  [ "$(hex "$BATS_TEST_TMPDIR/h")" = "$want" ]
  copy_range "$BATS_TEST_TMPDIR/s" 40 4 >"$BATS_TEST_TMPDIR/d0"
  copy_range "$BATS_TEST_TMPDIR/s" 84 4 >"$BATS_TEST_TMPDIR/d1"
  [ "$(cat "$BATS_TEST_TMPDIR/d0")" = "hell" ]
  [ "$(hex "$BATS_TEST_TMPDIR/d1")" = "6f000000" ]
}

@test "the raw example of pf-fec(1) works as written" {
  cd "$BATS_TEST_TMPDIR"
  make_input in 256
  pf-fec encode --format raw -k 4 -m 2 --shard-size 64 < in > shards
  pf-fec decode --format raw -k 4 -m 2 --shard-size 64 \
    --lost 0,2 < shards > out
  cmp in out
}
