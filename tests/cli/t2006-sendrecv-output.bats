#!/usr/bin/env bats
# pf-recv's output side: a consumer that pauses or is too slow never makes
# the network side lose frames silently (output queue, --buffer, output
# overrun, exit 3), and pf-recv waits for the last frame when END
# overtakes it on the way.

bats_require_minimum_version 1.5.0
load test_helper
load sendrecv_helper

teardown() { bg_teardown; }

# start_loss_relay TARGET_PORT [pf-loss relay options...]: pf-loss relay
# in the background; sets RELAY_PORT (at most 5 s).
start_loss_relay() {
  local target=$1 i
  shift
  : >"$BATS_TEST_TMPDIR/relay.err"
  pf-loss relay --listen 127.0.0.1:0 --to "127.0.0.1:$target" "$@" \
    >/dev/null 2>"$BATS_TEST_TMPDIR/relay.err" 3>&- &
  BG_PIDS+=("$!")
  RELAY_PORT=
  for i in $(seq 1 100); do
    RELAY_PORT=$(sed -n 's/^pf-loss: listening on port \([0-9]*\)$/\1/p' \
      "$BATS_TEST_TMPDIR/relay.err")
    [ -n "$RELAY_PORT" ] && return 0
    sleep 0.05
  done
  cat "$BATS_TEST_TMPDIR/relay.err" >&2
  return 1
}

@test "a consumer that stops reading for 2.5 s in a 400 Mb/s stream loses nothing (output queue)" {
  local key t=$BATS_TEST_TMPDIR
  key=$(sr_key)
  make_input "$t/in" 120000000
  mkfifo "$t/fifo"
  # Reads 20 MB, pauses 2.5 s (longer than any socket buffer covers at
  # this rate), then reads the rest.
  { dd bs=1M count=20 iflag=fullblock status=none; sleep 2.5; cat; } \
    <"$t/fifo" >"$t/out" 3>&- &
  BG_PIDS+=("$!")
  start_recv "$t/fifo" 127.0.0.1:0 --key-file "$key" --framing fixed:100000 \
    --idle-timeout 5 "$(sr_io)" --stats-json "$t/stats"
  pf-send -q --key-file "$key" --framing fixed:100000 "$(sr_io)" --rate 400M \
    -i "$t/in" "127.0.0.1:$RECV_PORT"
  wait_recv 30
  [ "$RECV_STATUS" -eq 0 ] || { cat "$t/recv.err" >&2; false; }
  wait_pid "${BG_PIDS[0]}" 10
  cmp "$t/in" "$t/out"
  [ "$(json_field "$t/stats" frames_overrun)" -eq 0 ]
  [ "$(json_field "$t/stats" frames_lost)" -eq 0 ]
  # The queue really carried the pause.
  [ "$(json_field "$t/stats" queue_peak_bytes)" -gt 50000000 ]
  [ "$(json_field "$t/stats" output_stalls)" -ge 1 ]
}

@test "a consumer slower than the stream: output overrun counted and named, exit 3, no hang" {
  local key t=$BATS_TEST_TMPDIR
  key=$(sr_key)
  make_input "$t/in" 30000000
  mkfifo "$t/fifo"
  # ~3 MB/s against a 200 Mb/s stream; ends at EOF (or after 60 s).
  # shellcheck disable=SC2016 # the inner script expands its own variables
  timeout 60 bash -c 'while :; do
      n=$(dd bs=65536 count=1 iflag=fullblock status=none | wc -c)
      [ "$n" -gt 0 ] || break
      sleep 0.02
    done' <"$t/fifo" 3>&- &
  BG_PIDS+=("$!")
  start_recv "$t/fifo" 127.0.0.1:0 --key-file "$key" --framing fixed:65536 \
    --idle-timeout 5 --buffer 1M --max-frame-size 65536 "$(sr_io)" \
    --stats-json "$t/stats"
  pf-send -q --key-file "$key" --framing fixed:65536 "$(sr_io)" --rate 200M \
    -i "$t/in" "127.0.0.1:$RECV_PORT"
  wait_recv 30
  [ "$RECV_STATUS" -eq 3 ]
  grep -q 'dropped by output overrun' "$t/recv.err"
  grep -q -- '--buffer' "$t/recv.err"
  grep -q -- '--rate' "$t/recv.err"
  [ "$(json_field "$t/stats" frames_overrun)" -gt 0 ]
  [ "$(json_field "$t/stats" frames_lost)" -eq 0 ] # none on the network
  [ "$(json_field "$t/stats" buffer_bytes)" -eq 1048576 ]
}

@test "--buffer smaller than one frame of --max-frame-size is a usage error" {
  run -2 --separate-stderr pf-recv --no-encrypt --buffer 64K \
    --max-frame-size 1M 127.0.0.1:0
  [[ "$stderr" == *"--buffer"* ]]
}

@test "END overtaking the last frame's datagrams (relay holds 30% back 30-60 ms): every frame written, exit 0" {
  local key t=$BATS_TEST_TMPDIR i
  key=$(sr_key)
  # Small frames, then a last frame of ~180 datagrams, sent in well
  # under a millisecond; without parity every datagram of it is needed.
  # The relay holds 30% of the datagrams back by 30-60 ms, far longer
  # than the rest of the stream takes, so the last frame's held
  # datagrams certainly arrive after END (sent right after them; its 3
  # copies are not all held with these seeds).  A pf-recv that stops at
  # END loses the last frame.
  make_records "$t/in" 100 2000 300 0 5000 250000
  for i in 1 2 3; do
    start_recv "$t/out" 127.0.0.1:0 --key-file "$key" --fec none \
      --framing length --idle-timeout 5 "$(sr_io)" --stats-json "$t/stats"
    start_loss_relay "$RECV_PORT" --reorder 0.3 --reorder-delay 30ms \
      --seed "$i"
    pf-send -q --key-file "$key" --fec none --framing length "$(sr_io)" \
      -i "$t/in" "127.0.0.1:$RELAY_PORT"
    wait_recv 20
    [ "$RECV_STATUS" -eq 0 ] || { cat "$t/recv.err" >&2; false; }
    cmp "$t/in" "$t/out"
    [ "$(json_field "$t/stats" frames)" -eq 6 ]
  done
}
