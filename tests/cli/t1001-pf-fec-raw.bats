#!/usr/bin/env bats
# pf-fec --format raw: bare shards for interop with other coders, checked
# against the nanors test vectors (tests/vectors/rs8-nanors.txt).

bats_require_minimum_version 1.5.0
load test_helper
load pf_fec_helper

# vector_case FILE "k=4 m=2 size=64": prints the lines of the first case
# whose first line starts with that text.
vector_case() {
  local line on=0
  while IFS= read -r line; do
    if [ "$on" = 1 ]; then
      [ -z "$line" ] && return 0
      printf '%s\n' "$line"
    elif [[ "$line" == "$2 "* ]]; then
      on=1
      printf '%s\n' "$line"
    fi
  done <"$1"
}

# field CASE-TEXT KEY: the value of KEY=... in the case text.
field() {
  local tok toks
  read -ra toks <<<"${1//$'\n'/ }"
  for tok in "${toks[@]}"; do
    [[ "$tok" == "$2="* ]] && { printf '%s\n' "${tok#*=}"; return 0; }
  done
  return 1
}

setup() {
  CASE=$(vector_case "$PF_VECTORS/rs8-nanors.txt" "k=4 m=2 size=64")
  [ -n "$CASE" ]
  SEED=$(field "$CASE" seed)
}

@test "pf-fec encode --format raw of 4x64 bytes equals the first 4+2x64 nanors vector" {
  make_input "$BATS_TEST_TMPDIR/in" 256 "$SEED"
  pf-fec encode --format raw -k 4 -m 2 --shard-size 64 \
    <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
  [ "$(stat -c %s "$BATS_TEST_TMPDIR/out")" -eq 384 ]
  copy_range "$BATS_TEST_TMPDIR/out" 0 256 >"$BATS_TEST_TMPDIR/data"
  cmp "$BATS_TEST_TMPDIR/data" "$BATS_TEST_TMPDIR/in"
  copy_range "$BATS_TEST_TMPDIR/out" 256 64 >"$BATS_TEST_TMPDIR/p0"
  copy_range "$BATS_TEST_TMPDIR/out" 320 64 >"$BATS_TEST_TMPDIR/p1"
  [ "$(hex "$BATS_TEST_TMPDIR/p0")" = "$(field "$CASE" 'parity[0]')" ]
  [ "$(hex "$BATS_TEST_TMPDIR/p1")" = "$(field "$CASE" 'parity[1]')" ]
}

@test "pf-fec decode --format raw --lost rebuilds the nanors vector's lost data shards" {
  lost=$(field "$CASE" lost)
  [ "$lost" = "0,2" ]
  make_input "$BATS_TEST_TMPDIR/in" 256 "$SEED"
  pf-fec encode --format raw -k 4 -m 2 --shard-size 64 \
    <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/shards"
  # Wipe the lost shards: their bytes must be ignored.
  for i in 0 2; do
    dd if=/dev/zero of="$BATS_TEST_TMPDIR/shards" bs=64 seek="$i" count=1 \
      conv=notrunc status=none
  done
  pf-fec decode --format raw -k 4 -m 2 --shard-size 64 --lost "$lost" \
    <"$BATS_TEST_TMPDIR/shards" >"$BATS_TEST_TMPDIR/out"
  cmp "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/in"
  copy_range "$BATS_TEST_TMPDIR/out" 0 64 >"$BATS_TEST_TMPDIR/r0"
  [ "$(hex "$BATS_TEST_TMPDIR/r0")" = "$(field "$CASE" 'recovered[0]')" ]
}

@test "pf-fec raw round trip survives any m lost shards of 5+3 (gf8)" {
  make_input "$BATS_TEST_TMPDIR/in" $((5 * 100))
  pf-fec encode --format raw -k 5 -m 3 --shard-size 100 \
    <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/shards"
  for lost in 0,1,2 2,3,4 0,6,7 5,6,7 4 1,7 3,3; do
    pf-fec decode --format raw -k 5 -m 3 --shard-size 100 --lost "$lost" \
      <"$BATS_TEST_TMPDIR/shards" | cmp - "$BATS_TEST_TMPDIR/in" ||
      { echo "lost $lost"; return 1; }
  done
}

@test "pf-fec raw round trip with gf16" {
  skip_unless_code gf16
  make_input "$BATS_TEST_TMPDIR/in" $((6 * 128))
  pf-fec encode --format raw --code gf16 -k 6 -m 3 --shard-size 128 \
    <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/shards"
  [ "$(stat -c %s "$BATS_TEST_TMPDIR/shards")" -eq $((9 * 128)) ]
  pf-fec decode --format raw --code gf16 -k 6 -m 3 --shard-size 128 --lost 0,4,7 \
    <"$BATS_TEST_TMPDIR/shards" | cmp - "$BATS_TEST_TMPDIR/in"
}

@test "pf-fec raw round trip with gf16 30000+35000 (beyond reed-solomon-simd)" {
  skip_unless_code gf16
  make_input "$BATS_TEST_TMPDIR/in" $((30000 * 2))
  pf-fec encode --format raw --code gf16 -k 30000 -m 35000 --shard-size 2 \
    <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/shards"
  [ "$(stat -c %s "$BATS_TEST_TMPDIR/shards")" -eq $((65000 * 2)) ]
  # every other data shard and the first 100 parity shards
  pf-fec decode --format raw --code gf16 -k 30000 -m 35000 --shard-size 2 \
    --lost "$(seq -s, 0 2 29998),$(seq -s, 30000 30099)" \
    <"$BATS_TEST_TMPDIR/shards" | cmp - "$BATS_TEST_TMPDIR/in"
}

@test "pf-fec decode --format raw exits 1 when more than m shards are lost" {
  make_input "$BATS_TEST_TMPDIR/in" 256
  pf-fec encode --format raw -k 4 -m 2 --shard-size 64 \
    <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/shards"
  run -1 --separate-stderr pf-fec decode --format raw -k 4 -m 2 --shard-size 64 \
    --lost 0,1,5 <"$BATS_TEST_TMPDIR/shards"
  [ -z "$output" ]
  [ "$stderr" = "pf-fec: unrecoverable: 3 of 6 shards present, 4 needed (3 lost, at most m = 2 may be)" ]
}

@test "pf-fec --format raw exits 1 on short or overlong input" {
  make_input "$BATS_TEST_TMPDIR/in" 255
  run -1 --separate-stderr pf-fec encode --format raw -k 4 -m 2 --shard-size 64 \
    <"$BATS_TEST_TMPDIR/in"
  [ "$stderr" = "pf-fec: short input: read 255 of 256 bytes (k=4 shards of 64)" ]
  make_input "$BATS_TEST_TMPDIR/in" 257
  run -1 --separate-stderr pf-fec encode --format raw -k 4 -m 2 --shard-size 64 \
    <"$BATS_TEST_TMPDIR/in"
  [[ "$stderr" == *"input is longer than k x shard size = 256 bytes"* ]]
  make_input "$BATS_TEST_TMPDIR/in" 300
  run -1 --separate-stderr pf-fec decode --format raw -k 4 -m 2 --shard-size 64 \
    <"$BATS_TEST_TMPDIR/in"
  [[ "$stderr" == *"short input: read 300 of 384 bytes"* ]]
  run -1 --separate-stderr pf-fec encode --format raw -k 4 -m 2 --shard-size 64 </dev/null
  [[ "$stderr" == *"short input: read 0 of 256 bytes"* ]]
}
