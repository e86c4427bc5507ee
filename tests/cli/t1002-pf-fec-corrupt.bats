#!/usr/bin/env bats
# pf-fec on damaged and hostile shard streams: every failure is a clear
# message naming the record and offset, exit 1, never a crash.  A record
# with a bad checksum counts as lost (warning) unless --strict.

bats_require_minimum_version 1.5.0
load test_helper
load pf_fec_helper

# 1000 bytes as 4 blocks of 4+2 x 64: records of 104 bytes, block b
# starts at offset 624*b.
setup() {
  IN="$BATS_TEST_TMPDIR/in"
  S="$BATS_TEST_TMPDIR/s"
  make_input "$IN" 1000
  pf-fec encode -k 4 -m 2 --shard-size 64 <"$IN" >"$S"
}

@test "pf-fec decode and info reject input that is not a shard stream" {
  make_input "$BATS_TEST_TMPDIR/junk" 500 99
  run -1 --separate-stderr pf-fec decode <"$BATS_TEST_TMPDIR/junk"
  [ -z "$output" ]
  [ "$stderr" = "pf-fec: not a shard stream: no 'PFSH' magic at offset 0" ]
  run -1 --separate-stderr pf-fec info <"$BATS_TEST_TMPDIR/junk"
  [ "$stderr" = "pf-fec: not a shard stream: no 'PFSH' magic at offset 0" ]
}

@test "pf-fec decode exits 1 on an empty stream" {
  run -1 --separate-stderr pf-fec decode </dev/null
  [[ "$stderr" == "pf-fec: no intact shard record in the input"* ]]
}

@test "pf-fec decode names the record and offset of a truncated record" {
  head -c $((2496 - 30)) "$S" >"$BATS_TEST_TMPDIR/t"
  run -1 --separate-stderr pf-fec decode <"$BATS_TEST_TMPDIR/t"
  [ "$stderr" = "pf-fec: record 23 at offset 2392: truncated: the stream ends after 74 of its 104 bytes" ]
  head -c $((2392 + 10)) "$S" >"$BATS_TEST_TMPDIR/t"
  run -1 --separate-stderr pf-fec decode <"$BATS_TEST_TMPDIR/t"
  [ "$stderr" = "pf-fec: record 23 at offset 2392: truncated: the stream ends after 10 of the 40 header bytes" ]
}

@test "pf-fec decode treats a record with a damaged payload as lost, with a warning" {
  flip_byte "$S" $((7 * 104 + 40 + 5))
  run -0 --separate-stderr pf-fec decode <"$S"
  [ "$stderr" = "pf-fec: warning: record 7 at offset 728: payload checksum mismatch; treating as lost: shard 1 of block 1" ]
  pf-fec decode <"$S" 2>/dev/null | cmp - "$IN"
  run -0 pf-fec info --json <"$S"
  [[ "$output" == *'"damaged_payloads": 1'* ]]
  [[ "$output" == *'"recoverable": true'* ]]
}

@test "pf-fec decode --strict makes a damaged record fatal" {
  flip_byte "$S" $((7 * 104 + 40 + 5))
  run -1 --separate-stderr pf-fec decode --strict <"$S"
  [[ "$stderr" == "pf-fec: error: record 7 at offset 728: payload checksum mismatch"* ]]
}

@test "pf-fec decode skips a record with a damaged header to the next record" {
  flip_byte "$S" $((13 * 104 + 17)) # shard size field of record 13
  run -0 --separate-stderr pf-fec decode <"$S"
  [ "$stderr" = "pf-fec: warning: record 13 at offset 1352: header checksum mismatch; skipped 104 bytes to the next record" ]
  pf-fec decode <"$S" 2>/dev/null | cmp - "$IN"
  run -0 record_table "$S"
  [ "${lines[13]}" = $'1352\t104\t-\t-\tdamaged-header' ]
}

@test "pf-fec decode resynchronises after a bad magic and after trailing garbage" {
  flip_byte "$S" $((20 * 104 + 1))
  make_input "$BATS_TEST_TMPDIR/junk" 77 5
  cat "$BATS_TEST_TMPDIR/junk" >>"$S"
  run -0 --separate-stderr pf-fec decode <"$S"
  [ "${#stderr_lines[@]}" -eq 2 ]
  [[ "${stderr_lines[0]}" == *"record 20 at offset 2080: bad magic; skipped 104 bytes"* ]]
  [[ "${stderr_lines[1]}" == *"record 24 at offset 2496: bad magic; skipped 77 bytes"* ]]
  pf-fec decode <"$S" 2>/dev/null | cmp - "$IN"
}

@test "pf-fec decode exits 1 when too many records of a block are damaged" {
  for r in 0 2 4; do flip_byte "$S" $((r * 104 + 50)); done
  run -1 --separate-stderr pf-fec decode <"$S"
  [[ "$stderr" == *"block 0 (offset 0): unrecoverable: 3 of 6 shards present, 4 needed (0 lost, 3 damaged)"* ]]
}

@test "pf-fec decode rejects a block whose records disagree on k" {
  make_input "$BATS_TEST_TMPDIR/in3" 500
  pf-fec encode -k 3 -m 2 --shard-size 64 <"$BATS_TEST_TMPDIR/in3" >"$BATS_TEST_TMPDIR/s3"
  { copy_range "$S" 0 104; copy_range "$BATS_TEST_TMPDIR/s3" 104 104; } >"$BATS_TEST_TMPDIR/mixed"
  run -1 --separate-stderr pf-fec decode <"$BATS_TEST_TMPDIR/mixed"
  [ "$stderr" = "pf-fec: record 1 at offset 104: shard 1 of block 0 disagrees with the block's first record at offset 0: gf8 k=3 m=2 size=64 length=192 vs gf8 k=4 m=2 size=64 length=256" ]
}

@test "pf-fec decode rejects blocks out of order and records after the final block" {
  { copy_range "$S" 624 624; copy_range "$S" 0 624; } >"$BATS_TEST_TMPDIR/swapped"
  run -1 --separate-stderr pf-fec decode <"$BATS_TEST_TMPDIR/swapped"
  [[ "$stderr" == *"blocks 0..0"* || "$stderr" == *"block 0: unrecoverable: no record of it arrived"* ]]
  run -1 --separate-stderr pf-fec info <"$BATS_TEST_TMPDIR/swapped"
  [ "$stderr" = "pf-fec: record 6 at offset 624: block 0 after block 1: records are out of order" ]
  cat "$S" "$S" >"$BATS_TEST_TMPDIR/twice"
  run -1 --separate-stderr pf-fec decode <"$BATS_TEST_TMPDIR/twice"
  [[ "$stderr" == *"record 24 at offset 2496: block 0 follows the final block 3" ]]
}

@test "pf-fec decode names an unsupported format version" {
  set_byte "$S" 4 2
  run -1 --separate-stderr pf-fec decode <"$S"
  [ "$stderr" = "pf-fec: record 0 at offset 0: unsupported shard-stream version 2 (this pf-fec reads version 1)" ]
}

@test "pf-fec decode ignores a duplicated record with a warning" {
  { copy_range "$S" 0 208; copy_range "$S" 104 2392; } >"$BATS_TEST_TMPDIR/dup"
  run -0 --separate-stderr pf-fec decode <"$BATS_TEST_TMPDIR/dup"
  [[ "$stderr" == *"record 2 at offset 208: duplicate of shard 1 of block 0; ignored" ]]
  pf-fec decode <"$BATS_TEST_TMPDIR/dup" 2>/dev/null | cmp - "$IN"
}

@test "pf-fec survives every single-byte corruption of a small stream" {
  make_input "$BATS_TEST_TMPDIR/small" 100
  pf-fec encode -k 2 -m 1 --shard-size 64 <"$BATS_TEST_TMPDIR/small" >"$BATS_TEST_TMPDIR/s1"
  size=$(stat -c %s "$BATS_TEST_TMPDIR/s1")
  for ((off = 0; off < size; off += 7)); do
    cp "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/c"
    flip_byte "$BATS_TEST_TMPDIR/c" "$off"
    run pf-fec decode <"$BATS_TEST_TMPDIR/c"
    [ "$status" -le 1 ] || { echo "offset $off: exit $status"; return 1; }
    run pf-fec info --json <"$BATS_TEST_TMPDIR/c"
    [ "$status" -le 1 ] || { echo "info offset $off: exit $status"; return 1; }
  done
}
