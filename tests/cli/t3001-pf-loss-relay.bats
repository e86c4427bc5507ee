#!/usr/bin/env bats
# pf-loss relay: seeded impairments do what they say (loss, direction,
# duplication, reordering, delay, rate, blackout), stats on exit, and
# pf-send -> relay -> pf-recv stays byte-identical within the parity
# (issue #8).  Loopback only; every process and wait is bounded.

bats_require_minimum_version 1.5.0
load test_helper
load pf_loss_helper

teardown() { bg_teardown; }

# probe_through COUNT INTERVAL_US [relay options...]: sink <- relay <-
# udp-probe send; waits for both to finish.  SEND_OUT is the sender's
# output (with -w if the sink echoes).
probe_through() {
  local count=$1 gap=$2
  shift 2
  start_relay "$SINK_PORT" --duration 4 "$@" || return 1
  SEND_OUT=$("$PROBE" send -p "$RELAY_PORT" -n "$count" -i "$gap" ${SEND_WAIT:+-w "$SEND_WAIT"}) ||
    return 1
  wait_pid "$SINK_PID" 10
  kill -TERM "$RELAY_PID" 2>/dev/null || true
  wait_pid "$RELAY_PID" 10
  [ "$WAIT_STATUS" -eq 0 ] || { echo "relay exit $WAIT_STATUS" >&2; cat "$BATS_TEST_TMPDIR/relay.err" >&2; return 1; }
  SINK=$(sink_result)
  STATS="$BATS_TEST_TMPDIR/relay.json"
}

@test "relay --loss 10% --seed 1 loses about 10% of 2000 datagrams, and its counts add up" {
  start_sink -i 400
  probe_through 2000 100 --loss 10% --seed 1
  local got lost
  got=$(field "$SINK" unique)
  lost=$(relay_count "$STATS" to lost)
  [ "$(relay_count "$STATS" to received)" -eq 2000 ]
  [ "$(relay_count "$STATS" to forwarded)" -eq "$got" ]
  [ $((got + lost)) -eq 2000 ]
  between "$lost" 140 260
  [ "$(field "$SINK" duplicates)" -eq 0 ]
  grep -q '"seed":1,' "$STATS"
  grep -q '"model":"bernoulli"' "$STATS"
}

@test "relay loss is replayed exactly by its seed" {
  start_sink -i 300
  probe_through 1000 100 --loss 20% --seed 7
  local first
  first=$(relay_count "$STATS" to lost)
  start_sink -i 300
  probe_through 1000 100 --loss 20% --seed 7
  [ "$(relay_count "$STATS" to lost)" -eq "$first" ]
}

@test "relay --period 10 loses exactly every tenth datagram" {
  start_sink -i 300
  probe_through 1000 100 --period 10
  [ "$(relay_count "$STATS" to lost)" -eq 100 ]
  [ "$(field "$SINK" unique)" -eq 900 ]
}

@test "relay --loss 30% --burst 8 loses in bursts with about the mean loss" {
  start_sink -i 300
  probe_through 2000 100 --loss 30% --burst 8 --seed 5
  between "$(relay_count "$STATS" to lost)" 400 800
  grep -q '"model":"gilbert"' "$STATS"
}

@test "relay --dir from impairs only the replies; the client's datagrams all arrive" {
  start_sink -e -i 500
  SEND_WAIT=400 probe_through 1000 200 --dir from --loss 50% --seed 2
  [ "$(field "$SINK" unique)" -eq 1000 ]
  [ "$(relay_count "$STATS" to lost)" -eq 0 ]
  local lost echoes
  lost=$(relay_count "$STATS" from lost)
  echoes=$(field "$SEND_OUT" echoes)
  [ $((echoes + lost)) -eq 1000 ]
  between "$lost" 400 600
  grep -q '"client":"127.0.0.1:' "$STATS"
}

@test "relay --duplicate and --reorder: the sink sees exactly the copies counted, and datagrams out of order" {
  start_sink -i 400
  probe_through 2000 100 --duplicate 5% --reorder 10% --seed 3
  [ "$(field "$SINK" unique)" -eq 2000 ]
  [ "$(field "$SINK" duplicates)" -eq "$(relay_count "$STATS" to duplicated)" ]
  between "$(relay_count "$STATS" to duplicated)" 50 150
  between "$(relay_count "$STATS" to reordered)" 120 280
  [ "$(field "$SINK" reordered)" -gt 0 ]
}

@test "relay --delay 40ms --dir both adds about 80 ms to every round trip; jitter alone does not reorder" {
  start_sink -e -i 500
  SEND_WAIT=500 probe_through 100 2000 --dir both --delay 40ms --jitter 5ms --seed 1
  [ "$(field "$SEND_OUT" echoes)" -eq 100 ]
  between "$(field "$SEND_OUT" rtt_ms_min)" 68 200
  [ "$(field "$SINK" reordered)" -eq 0 ]
  [ "$(relay_count "$STATS" to delayed)" -eq 100 ]
  # Its own timer lateness: every queued datagram (100 each way), in us.
  grep -q '"wake_early_us":150,' "$STATS"
  [ "$(relay_count "$STATS" late_us forwarded)" -eq 200 ]
  between "$(relay_count "$STATS" late_us p50)" 1 20000
  p99=$(relay_count "$STATS" late_us p99)
  p999=$(relay_count "$STATS" late_us p999)
  between "$p99" "$(relay_count "$STATS" late_us p50)" "$p999"
  [ -n "$(relay_count "$STATS" late_us max)" ]
}

@test "relay --reorder-delay 40ms holds every reordered datagram 40-80 ms; 0 and more than 10s are usage errors" {
  start_sink -e -i 500
  SEND_WAIT=800 probe_through 50 2000 --dir both --reorder 100% \
    --reorder-delay 40ms --seed 1
  [ "$(field "$SEND_OUT" echoes)" -eq 50 ]
  # Held 40-80 ms each way (plus the timer's lateness).
  between "$(field "$SEND_OUT" rtt_ms_min)" 79 400
  [ "$(relay_count "$STATS" to reordered)" -eq 50 ]
  grep -q '"reorder_delay_ms":40,' "$STATS"
  run -2 --separate-stderr pf-loss relay --listen 0 --to 127.0.0.1:9 \
    --reorder 1% --reorder-delay 0
  [[ "$stderr" == *"reorder delay"* ]]
  run -2 --separate-stderr pf-loss relay --listen 0 --to 127.0.0.1:9 \
    --reorder-delay 11s
  [[ "$stderr" == *"reorder delay"* ]]
}

@test "relay --rate 400k shapes 800 kbit/s of datagrams and drops what would queue too long" {
  start_sink -i 500
  probe_through 1000 1000 --rate 400k --seed 1
  # 1 s of sending plus 250 ms of queue at 2 ms per 100-byte datagram.
  between "$(field "$SINK" unique)" 540 800
  [ "$(relay_count "$STATS" to rate_dropped)" -gt 150 ]
}

@test "relay blackout: traffic stops for the window and resumes after" {
  start_sink -i 600
  start_relay "$SINK_PORT" --duration 4 --blackout-after 0.5 --for 0.4 --seed 1 || return 1
  "$PROBE" send -p "$RELAY_PORT" -n 600 -i 2000
  wait_pid "$SINK_PID" 10
  kill -TERM "$RELAY_PID"
  wait_pid "$RELAY_PID" 10
  SINK=$(sink_result)
  local got black gap after
  got=$(field "$SINK" unique)
  black=$(relay_count "$BATS_TEST_TMPDIR/relay.json" to blackout)
  gap=$(field "$SINK" maxgap_ms)
  after=$(field "$SINK" gap_after)
  [ $((got + black)) -eq 600 ]
  between "$black" 120 230
  between "$gap" 350 600
  # Traffic resumed: more arrived after the gap than before it... at all.
  [ "$after" -lt 599 ]
  [ "$got" -gt $((after + 100)) ]
}

@test "relay stops on SIGTERM and prints its JSON stats on standard output" {
  start_sink -i 300
  start_relay "$SINK_PORT" -q --seed 9 || return 1
  "$PROBE" send -p "$RELAY_PORT" -n 10 -i 1000
  wait_pid "$SINK_PID" 5
  kill -TERM "$RELAY_PID"
  wait_pid "$RELAY_PID" 5
  [ "$WAIT_STATUS" -eq 0 ]
  grep -q '"stopped_by":"signal"' "$BATS_TEST_TMPDIR/relay.json"
  [ "$(relay_count "$BATS_TEST_TMPDIR/relay.json" to forwarded)" -eq 10 ]
  if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["seed"] == 9 and d["to"]["received"] == 10' \
      "$BATS_TEST_TMPDIR/relay.json"
  fi
  # -q: only the port line on stderr.
  [ "$(wc -l <"$BATS_TEST_TMPDIR/relay.err")" -eq 1 ]
}

@test "relay --stats-json FILE writes the stats there and nothing on standard output" {
  start_sink -i 300
  start_relay "$SINK_PORT" --duration 0.5 --wake-early 0 \
    --stats-json "$BATS_TEST_TMPDIR/s.json" || return 1
  wait_pid "$RELAY_PID" 5
  [ "$WAIT_STATUS" -eq 0 ]
  [ ! -s "$BATS_TEST_TMPDIR/relay.json" ]
  grep -q '"stopped_by":"duration"' "$BATS_TEST_TMPDIR/s.json"
  grep -q '"wake_early_us":0,' "$BATS_TEST_TMPDIR/s.json"
  # Nothing was held back: nothing to be late.
  [ "$(relay_count "$BATS_TEST_TMPDIR/s.json" late_us forwarded)" -eq 0 ]
}

@test "pf-send -> relay (5% loss) -> pf-recv stays byte-identical within the 15% parity" {
  command -v pf-send >/dev/null && command -v pf-recv >/dev/null ||
    skip "pf-send / pf-recv are not built"
  local key="$BATS_TEST_TMPDIR/key" in="$BATS_TEST_TMPDIR/in" i
  pf-send --gen-key "$key" >/dev/null
  : >"$in"
  for i in 1 2 3 4 5 6; do
    # --framing length: 4-byte big-endian length, then the frame.
    printf '\000\001\206\240' >>"$in" # 100000
    make_input "$BATS_TEST_TMPDIR/f" 100000 "$i"
    cat "$BATS_TEST_TMPDIR/f" >>"$in"
  done
  pf-recv --key-file "$key" --io mmsg --idle-timeout 2 -o "$BATS_TEST_TMPDIR/out" \
    127.0.0.1:0 2>"$BATS_TEST_TMPDIR/recv.err" 3>&- &
  local recv=$! rport
  BG_PIDS+=("$recv")
  rport=$(wait_for_line "$BATS_TEST_TMPDIR/recv.err" \
    's/^pf-recv: listening on port \([0-9]*\)$/\1/p' "$recv")
  start_relay "$rport" --period 20 --duration 10 || return 1
  pf-send -q --key-file "$key" --io mmsg --rate 100M -i "$in" "127.0.0.1:$RELAY_PORT"
  wait_pid "$recv" 20
  [ "$WAIT_STATUS" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/recv.err"; return 1; }
  cmp "$in" "$BATS_TEST_TMPDIR/out"
  kill -TERM "$RELAY_PID"
  wait_pid "$RELAY_PID" 5
  [ "$(relay_count "$BATS_TEST_TMPDIR/relay.json" to lost)" -gt 0 ]
}

@test "a relay blackout longer than pf-recv's idle timeout ends the stream early (drives idle-timeout handling)" {
  command -v pf-send >/dev/null && command -v pf-recv >/dev/null ||
    skip "pf-send / pf-recv are not built"
  local key="$BATS_TEST_TMPDIR/key" in="$BATS_TEST_TMPDIR/in" i recv rport
  pf-send --gen-key "$key" >/dev/null
  : >"$in"
  for i in $(seq 1 30); do
    printf '\000\000\116\040' >>"$in" # 20000
    make_input "$BATS_TEST_TMPDIR/f" 20000 "$i"
    cat "$BATS_TEST_TMPDIR/f" >>"$in"
  done
  pf-recv --key-file "$key" --io mmsg --idle-timeout 0.7 -o "$BATS_TEST_TMPDIR/out" \
    127.0.0.1:0 2>"$BATS_TEST_TMPDIR/recv.err" 3>&- &
  recv=$!
  BG_PIDS+=("$recv")
  rport=$(wait_for_line "$BATS_TEST_TMPDIR/recv.err" \
    's/^pf-recv: listening on port \([0-9]*\)$/\1/p' "$recv")
  start_relay "$rport" --blackout-after 0.6 --for 1.5 --duration 5 || return 1
  # 600 kB at 2 Mbit/s: about 2.4 s, so the blackout cuts the middle.
  pf-send -q --key-file "$key" --io mmsg --rate 2M -i "$in" "127.0.0.1:$RELAY_PORT"
  wait_pid "$recv" 10
  [ "$WAIT_STATUS" -ne 0 ] && [ "$WAIT_STATUS" -ne 124 ]
  grep -q 'end of stream not seen' "$BATS_TEST_TMPDIR/recv.err"
  # Frames before the blackout arrived intact, the rest did not.
  local got
  got=$(stat -c %s "$BATS_TEST_TMPDIR/out")
  [ "$got" -gt 0 ] && [ "$got" -lt "$(stat -c %s "$in")" ]
  cmp -n "$got" "$in" "$BATS_TEST_TMPDIR/out"
  kill -TERM "$RELAY_PID"
  wait_pid "$RELAY_PID" 5
  [ "$(relay_count "$BATS_TEST_TMPDIR/relay.json" to blackout)" -gt 0 ]
}
