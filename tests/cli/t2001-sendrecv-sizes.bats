#!/usr/bin/env bats
# Frame sizes at every edge of the shard and block geometry, large
# frames, both FEC codes, both AEADs and unsealed mode: what pf-send
# reads, pf-recv writes byte for byte (issue #7).

bats_require_minimum_version 1.5.0
load test_helper
load sendrecv_helper

teardown() { bg_teardown; }

@test "frames of 0, 1, shard-1, shard and shard+1 bytes round-trip with the default shard size (1388)" {
  make_records "$BATS_TEST_TMPDIR/in" 0 1 1387 1388 1389 0 2775 2776 2777
  round_trip "$BATS_TEST_TMPDIR/in" length
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 9 ]
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames_lost)" -eq 0 ]
}

@test "multi-block frames round-trip at every block edge (gf8, 8 data shards of 256 per block)" {
  # 2048 bytes = one full block; 16385 = 8 blocks + 1 byte.
  make_records "$BATS_TEST_TMPDIR/in" 2047 2048 2049 16383 16384 16385 100000
  round_trip "$BATS_TEST_TMPDIR/in" length --shard-size 256 --max-data-per-block 8
}

@test "multi-block frames round-trip with gf16 and 40% parity" {
  make_records "$BATS_TEST_TMPDIR/in" 1 255 256 257 65536 300001
  round_trip "$BATS_TEST_TMPDIR/in" length --fec gf16 --fec-percent 40 \
    --shard-size 256 --max-data-per-block 16
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 6 ]
}

@test "an 8 MiB frame round-trips (with frames of 1 byte around it)" {
  make_records "$BATS_TEST_TMPDIR/in" 1 8388608 1
  round_trip "$BATS_TEST_TMPDIR/in" length
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 3 ]
}

@test "a 20 MB file copy is byte-identical (sha256sum) with --framing raw" {
  make_input "$BATS_TEST_TMPDIR/in" 20000000 777
  round_trip "$BATS_TEST_TMPDIR/in" raw
  a=$(sha256sum <"$BATS_TEST_TMPDIR/in")
  b=$(sha256sum <"$BATS_TEST_TMPDIR/out")
  [ "$a" = "$b" ]
}

@test "chacha20poly1305 key files work end to end" {
  pf-send --gen-key "$BATS_TEST_TMPDIR/cc.key" --aead chacha20poly1305
  grep -Eq '^pf-key-v1 chacha20poly1305 [0-9a-f]{64} [0-9a-f]{8}$' "$BATS_TEST_TMPDIR/cc.key"
  make_records "$BATS_TEST_TMPDIR/in" 1 5000 0
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$BATS_TEST_TMPDIR/cc.key" \
    --idle-timeout 5 "$(sr_io)"
  pf-send -q --key-file "$BATS_TEST_TMPDIR/cc.key" --aead chacha20poly1305 "$(sr_io)" \
    -i "$BATS_TEST_TMPDIR/in" "127.0.0.1:$RECV_PORT"
  wait_recv
  [ "$RECV_STATUS" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "--no-encrypt on both sides round-trips, with --fec none" {
  make_records "$BATS_TEST_TMPDIR/in" 0 1 3000 70000
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --no-encrypt --idle-timeout 5 "$(sr_io)"
  pf-send -q --no-encrypt --fec none "$(sr_io)" -i "$BATS_TEST_TMPDIR/in" "127.0.0.1:$RECV_PORT"
  wait_recv
  [ "$RECV_STATUS" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "--mtu 1280 on both sides picks the same shard size and round-trips" {
  make_records "$BATS_TEST_TMPDIR/in" 1167 1168 1169 50000
  round_trip "$BATS_TEST_TMPDIR/in" length --mtu 1280
}
