#!/usr/bin/env bats
# Loss through `pf-loss relay` (periodic loss is deterministic): output
# stays byte-identical while the loss per block stays within its parity,
# and pf-recv exits 3 when frames are lost beyond FEC (issue #7).

bats_require_minimum_version 1.5.0
load test_helper
load sendrecv_helper
load pf_loss_helper

teardown() { bg_teardown; }

# relay_send IN RELAY_OPTIONS... -- PF_OPTIONS...: pf-recv <- relay <- pf-send.
# The relay's JSON counters end up in $BATS_TEST_TMPDIR/relay.json.
relay_send() {
  local in=$1 ropts=() popts=() key
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do ropts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  popts=("$@")
  key=$(sr_key) || return 1
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --idle-timeout 2 "$(sr_io)" --stats-json "$BATS_TEST_TMPDIR/stats" \
    "${popts[@]}" || return 1
  start_relay "$RECV_PORT" --seed 1 "${ropts[@]}" || return 1
  [ -n "$RELAY_PORT" ] || return 1
  pf-send -q --key-file "$key" "$(sr_io)" "${popts[@]}" -i "$in" \
    "127.0.0.1:$RELAY_PORT" || return 1
  wait_recv
  kill -TERM "$RELAY_PID" 2>/dev/null
  wait_pid "$RELAY_PID" 5
}

# relay_to FIELD: the relay's count FIELD towards pf-recv.
relay_to() {
  grep -o "\"to\":{[^}]*}" "$BATS_TEST_TMPDIR/relay.json" |
    grep -o "\"$1\":[0-9]*" | cut -d: -f2
}

@test "1 lost datagram in 20 (5%, below the 15% parity) leaves the output byte-identical" {
  make_records "$BATS_TEST_TMPDIR/in" 100000 1 50000 300000 0 20000 2000000 7
  relay_send "$BATS_TEST_TMPDIR/in" --period 20
  cat "$BATS_TEST_TMPDIR/relay.json"
  [ "$RECV_STATUS" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" fec_recovered)" -gt 0 ]
  [ "$(relay_to lost)" -gt 0 ]
}

@test "1 of every 10 datagrams lost with 2 parity per 8 data shards still round-trips (gf16)" {
  make_records "$BATS_TEST_TMPDIR/in" 40000 40000 1 100000
  # Data shards go first, then parity: a block's 8 data shards lose at
  # most 1, its 2 adjacent parity shards at most 1: 8 of 10 remain.
  relay_send "$BATS_TEST_TMPDIR/in" --period 10 -- --fec gf16 \
    --fec-percent 25 --shard-size 512 --max-data-per-block 8
  [ "$RECV_STATUS" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "loss beyond the parity makes pf-recv exit 3 and name the lost frames" {
  make_records "$BATS_TEST_TMPDIR/in" 100000 100000 100000 100000
  # Every other datagram (the second START copy gets through): no block
  # of ~72 data + 11 parity shards survives.
  relay_send "$BATS_TEST_TMPDIR/in" --period 2
  [ "$RECV_STATUS" -eq 3 ]
  grep -Eq 'frames lost beyond FEC repair|end of the stream was not seen' \
    "$BATS_TEST_TMPDIR/recv.err"
  run ! cmp -s "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames_lost)" -gt 0 ]
}

@test "--fec none loses frames at the first lost datagram (exit 3)" {
  make_records "$BATS_TEST_TMPDIR/in" 50000 50000 50000
  relay_send "$BATS_TEST_TMPDIR/in" --period 30 -- --fec none
  [ "$RECV_STATUS" -eq 3 ]
}

@test "frames that complete out of order are written in order (relay holds 30% of the datagrams back 20-40 ms)" {
  local sizes=() i
  for i in $(seq 1 40); do sizes+=($((1000 + i))); done
  make_records "$BATS_TEST_TMPDIR/in" "${sizes[@]}"
  # 4 data + 2 parity datagrams per frame: a frame with 3 or more of its
  # datagrams held back completes 20-40 ms late, after the frames sent
  # behind it (the whole stream takes a few ms), and END overtakes it
  # too.  Without in-order delivery the output comes out permuted.
  relay_send "$BATS_TEST_TMPDIR/in" --reorder 30% --reorder-delay 20ms \
    --seed 1 -- --shard-size 256 --max-data-per-block 4 --fec-percent 50
  [ "$(relay_to reordered)" -gt 0 ]
  [ "$(relay_to forwarded)" -eq "$(relay_to received)" ]
  [ "$RECV_STATUS" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/recv.err" >&2; false; }
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 40 ]
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" skipped_frames)" -eq 0 ]
}

@test "20% reordering through pf-loss relay loses no frame (seeds 1..5): the in-order hold covers the reassembler's window" {
  local sizes=() i s
  # Mostly small frames (a few datagrams each) and a few of 100 KB: a
  # datagram held back 1-2 ms is overtaken by well over 16 whole frames,
  # which a hold of 16 frames gave up (~3 of 40 frames lost per run).
  for i in $(seq 1 40); do
    if [ $((i % 10)) -eq 5 ]; then sizes+=(100000); else sizes+=($((2000 + i * 1543 % 4000))); fi
  done
  make_records "$BATS_TEST_TMPDIR/in" "${sizes[@]}"
  for s in 1 2 3 4 5; do
    relay_send "$BATS_TEST_TMPDIR/in" --reorder 20% --seed "$s" -- \
      --framing length
    [ "$(relay_to reordered)" -gt 0 ]
    [ "$(relay_to forwarded)" -eq "$(relay_to received)" ]
    [ "$RECV_STATUS" -eq 0 ] || {
      echo "seed $s: pf-recv exit $RECV_STATUS" >&2
      cat "$BATS_TEST_TMPDIR/recv.err" >&2
      false
    }
    cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
    [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 40 ]
    [ "$(json_field "$BATS_TEST_TMPDIR/stats" skipped_frames)" -eq 0 ]
  done
}
