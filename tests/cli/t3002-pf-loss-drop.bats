#!/usr/bin/env bats
# pf-loss drop: records of a pf-fec shard stream dropped by a model; the
# result still decodes while each block keeps K shards (issue #8).

bats_require_minimum_version 1.5.0
load test_helper
load pf_loss_helper

# drop_file IN OUT [pf-loss drop options...]: for `run`, which would
# otherwise capture the binary output.
drop_file() {
  local in=$1 out=$2
  shift 2
  pf-loss drop "$@" <"$in" >"$out"
}

@test "pf-fec encode | pf-loss drop --rate 0.1 --seed 3 | pf-fec decode round-trips and counts on stderr" {
  make_input "$BATS_TEST_TMPDIR/in" 200000
  pf-fec encode -k 10 -m 5 --shard-size 512 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  run -0 --separate-stderr drop_file "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/lossy" \
    --rate 0.1 --seed 3
  # 200000 B = 40 blocks of 10 x 512 (the last short): 600 records.
  [[ "$stderr" =~ records\ 600\ kept\ ([0-9]+)\ dropped\ ([0-9]+) ]]
  between "${BASH_REMATCH[2]}" 35 90
  [[ "$stderr" == *"seed 3"* ]]
  [ "$(stat -c %s "$BATS_TEST_TMPDIR/lossy")" -eq $((BASH_REMATCH[1] * (40 + 512))) ]
  pf-fec decode <"$BATS_TEST_TMPDIR/lossy" >"$BATS_TEST_TMPDIR/out"
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
  # And as one pipeline.
  pf-fec encode -k 10 -m 5 --shard-size 512 <"$BATS_TEST_TMPDIR/in" |
    pf-loss drop -q --rate 10% --seed 3 | pf-fec decode >"$BATS_TEST_TMPDIR/out2"
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out2"
}

@test "pf-loss drop --per-block M keeps every block decodable; M+1 makes pf-fec decode fail" {
  make_input "$BATS_TEST_TMPDIR/in" 50000
  pf-fec encode --code gf16 -k 8 -m 4 --shard-size 256 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  # 50000 B = 25 blocks of 8 x 256 (the last short): 300 records.
  run -0 --separate-stderr drop_file "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/lossy" \
    --per-block 4 --seed 1
  [[ "$stderr" == *"records 300 kept 200 dropped 100 (33.3%) in 25 blocks"* ]]
  pf-fec decode <"$BATS_TEST_TMPDIR/lossy" >"$BATS_TEST_TMPDIR/out"
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
  pf-loss drop -q --per-block 5 --seed 1 <"$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/lossy"
  run -1 pf-fec decode <"$BATS_TEST_TMPDIR/lossy"
}

@test "pf-loss drop --period 3 drops records 0, 3, 6, ... exactly" {
  make_input "$BATS_TEST_TMPDIR/in" 1000
  pf-fec encode -k 4 -m 2 --shard-size 64 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  run -0 --separate-stderr drop_file "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/lossy" \
    --period 3
  [[ "$stderr" == *"records 24 kept 16 dropped 8 "* ]]
  # The first record left is record 1 of the original: block 0, index 1.
  pf-fec info --records <"$BATS_TEST_TMPDIR/lossy" | grep -v '^#' | head -n 1 |
    awk -F'\t' '{ exit !($3 == 0 && $4 == 1) }'
  # 2 of 6 records per block are gone: still decodable.
  pf-fec decode <"$BATS_TEST_TMPDIR/lossy" | cmp - "$BATS_TEST_TMPDIR/in"
}

@test "pf-loss drop replays by seed, and another seed drops other records" {
  make_input "$BATS_TEST_TMPDIR/in" 20000
  pf-fec encode <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/s"
  pf-loss drop -q --rate 0.2 --seed 8 <"$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/a"
  pf-loss drop -q --rate 0.2 --seed 8 <"$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/b"
  pf-loss drop -q --rate 0.2 --seed 9 <"$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/c"
  cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
  run ! cmp -s "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/c"
  # Gilbert-Elliott bursts work the same way.
  run -0 --separate-stderr drop_file "$BATS_TEST_TMPDIR/s" /dev/null \
    --rate 0.2 --burst 5 --seed 8
  [[ "$stderr" == *"gilbert model, seed 8"* ]]
}

@test "pf-loss drop passes an empty stream and refuses input that is not a shard stream" {
  run -0 --separate-stderr pf-loss drop --rate 0.5 --seed 1 </dev/null
  [ -z "$output" ]
  [[ "$stderr" == *"records 0 kept 0 dropped 0"* ]]
  make_input "$BATS_TEST_TMPDIR/junk" 500
  run -1 --separate-stderr pf-loss drop --rate 0.5 <"$BATS_TEST_TMPDIR/junk"
  [[ "$stderr" == *"pf-loss: drop: bad record header at offset 0"*"is this a pf-fec shard stream?"* ]]
  # A truncated last record is an error too, after the records before it.
  pf-fec encode -k 2 -m 1 --shard-size 100 <"$BATS_TEST_TMPDIR/junk" >"$BATS_TEST_TMPDIR/s"
  head -c $(( $(stat -c %s "$BATS_TEST_TMPDIR/s") - 7 )) "$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/t"
  run -1 --separate-stderr drop_file "$BATS_TEST_TMPDIR/t" /dev/null --period 1000
  [[ "$stderr" == *"truncated record"* ]]
}
