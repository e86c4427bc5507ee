#!/usr/bin/env bats
# pf-send / pf-recv: both socket backends, IPv6, statistics, pacing, the
# end of stream, and the man pages' EXAMPLES run as written (issue #7).

bats_require_minimum_version 1.5.0
load test_helper
load sendrecv_helper

teardown() { bg_teardown; }

# io_round_trip BACKEND: a mixed length stream through --io BACKEND.
io_round_trip() {
  local key
  key=$(sr_key)
  make_records "$BATS_TEST_TMPDIR/in" 0 1 1388 100000 3000000
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --idle-timeout 5 --io "$1"
  pf-send -q --key-file "$key" --io "$1" -i "$BATS_TEST_TMPDIR/in" \
    "127.0.0.1:$RECV_PORT"
  wait_recv
  [ "$RECV_STATUS" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "both tools work with --io=mmsg" {
  io_round_trip mmsg
}

@test "both tools work with --io=uring (the default)" {
  uring_available || skip "io_uring is not available here (pf-recv says: try --io=mmsg)"
  io_round_trip uring
}

@test "pf-send --io=mmsg to pf-recv --io=uring and back interoperate" {
  uring_available || skip "io_uring is not available here"
  key=$(sr_key)
  make_records "$BATS_TEST_TMPDIR/in" 5 50000 7
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" --idle-timeout 5 --io uring
  pf-send -q --key-file "$key" --io mmsg -i "$BATS_TEST_TMPDIR/in" "127.0.0.1:$RECV_PORT"
  wait_recv
  [ "$RECV_STATUS" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "pf-send | pf-recv round-trip over IPv6 loopback ([::1])" {
  ipv6_available || skip "::1 is not configured on this host"
  key=$(sr_key)
  make_records "$BATS_TEST_TMPDIR/in" 1 1388 2000000
  start_recv "$BATS_TEST_TMPDIR/out" '[::1]:0' --key-file "$key" --idle-timeout 5 "$(sr_io)"
  pf-send -q --key-file "$key" "$(sr_io)" -i "$BATS_TEST_TMPDIR/in" "[::1]:$RECV_PORT"
  wait_recv
  [ "$RECV_STATUS" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "the key file can come from PF_KEY_FILE, and --peer limits the sender" {
  key=$(sr_key)
  make_records "$BATS_TEST_TMPDIR/in" 10 20000
  PF_KEY_FILE=$key start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 \
    --idle-timeout 5 "$(sr_io)"
  PF_KEY_FILE=$key pf-send -q "$(sr_io)" -i "$BATS_TEST_TMPDIR/in" "127.0.0.1:$RECV_PORT"
  wait_recv
  [ "$RECV_STATUS" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
  # A receiver locked to another peer sees nothing of this sender.
  start_recv "$BATS_TEST_TMPDIR/out2" 127.0.0.1:0 --key-file "$key" \
    --idle-timeout 0.5 "$(sr_io)" --peer 127.0.0.1:9
  pf-send -q --key-file "$key" "$(sr_io)" -i "$BATS_TEST_TMPDIR/in" "127.0.0.1:$RECV_PORT"
  wait_recv
  [ "$RECV_STATUS" -eq 1 ]
  [ ! -s "$BATS_TEST_TMPDIR/out2" ]
}

@test "--stats-json writes timestamped JSON lines and a final summary on both sides" {
  key=$(sr_key)
  make_input "$BATS_TEST_TMPDIR/in" 3000000
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" --framing raw \
    --idle-timeout 5 "$(sr_io)" --stats-json "$BATS_TEST_TMPDIR/rstats" --stats-interval 0.05
  pf-send --key-file "$key" --framing raw --rate 60M "$(sr_io)" \
    --stats-json - --stats-interval 0.05 -i "$BATS_TEST_TMPDIR/in" \
    "127.0.0.1:$RECV_PORT" >"$BATS_TEST_TMPDIR/sstats" 2>"$BATS_TEST_TMPDIR/send.err"
  wait_recv
  [ "$RECV_STATUS" -eq 0 ]
  [ "$(wc -l <"$BATS_TEST_TMPDIR/sstats")" -ge 3 ]
  [ "$(wc -l <"$BATS_TEST_TMPDIR/rstats")" -ge 3 ]
  grep -q '^{"ts":1[0-9]*\.[0-9]*,"tool":"pf-send","final":false' "$BATS_TEST_TMPDIR/sstats"
  tail -n 1 "$BATS_TEST_TMPDIR/sstats" | grep -q '"final":true'
  tail -n 1 "$BATS_TEST_TMPDIR/rstats" | grep -q '"tool":"pf-recv","final":true'
  [ "$(json_field "$BATS_TEST_TMPDIR/rstats" bytes_out)" -eq 3000000 ]
  [ "$(json_field "$BATS_TEST_TMPDIR/rstats" frames_lost)" -eq 0 ]
  [ "$(json_field "$BATS_TEST_TMPDIR/rstats" end_seen)" = true ]
  [ "$(json_field "$BATS_TEST_TMPDIR/sstats" bytes_in)" -eq 3000000 ]
  if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; [json.loads(l) for f in sys.argv[1:] for l in open(f)]' \
      "$BATS_TEST_TMPDIR/sstats" "$BATS_TEST_TMPDIR/rstats"
  fi
  # The summary lines on stderr, always.
  grep -q '^pf-send: sent [0-9]* frames, 3000000 bytes' "$BATS_TEST_TMPDIR/send.err"
  grep -q '^pf-recv: wrote [0-9]* frames, 3000000 bytes.*; 0 lost;' "$BATS_TEST_TMPDIR/recv.err"
}

@test "--rate paces the stream: 3 MB at 80 Mbit/s take at least 0.3 s" {
  key=$(sr_key)
  make_input "$BATS_TEST_TMPDIR/in" 3000000
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" --framing raw \
    --idle-timeout 5 "$(sr_io)"
  t0=$(date +%s%N)
  pf-send -q --key-file "$key" --framing raw --rate 80M "$(sr_io)" \
    -i "$BATS_TEST_TMPDIR/in" "127.0.0.1:$RECV_PORT"
  t1=$(date +%s%N)
  wait_recv
  [ "$RECV_STATUS" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
  echo "took $(((t1 - t0) / 1000000)) ms"
  [ $(((t1 - t0) / 1000000)) -ge 300 ]
}

@test "pf-recv exits 3 when the sender dies before the end of stream" {
  key=$(sr_key)
  # Three records, then a truncated one: pf-send fails without END.
  make_records "$BATS_TEST_TMPDIR/in" 10 20 30 4000
  head -c 100 "$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/cut"
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --idle-timeout 1.5 "$(sr_io)"
  run -1 pf-send -q --key-file "$key" "$(sr_io)" -i "$BATS_TEST_TMPDIR/cut" \
    "127.0.0.1:$RECV_PORT"
  wait_recv
  [ "$RECV_STATUS" -eq 3 ]
  grep -q 'end of the stream was not seen (idle timeout); 3 frames written' \
    "$BATS_TEST_TMPDIR/recv.err"
}

@test "pf-recv stops on SIGTERM with a summary" {
  key=$(sr_key)
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --idle-timeout 0 "$(sr_io)"
  kill -TERM "$RECV_PID"
  wait_recv 5
  [ "$RECV_STATUS" -eq 1 ]
  grep -q '^pf-recv: wrote 0 frames' "$BATS_TEST_TMPDIR/recv.err"
}

# man_examples PAGE: the .nf/.fi blocks of the EXAMPLES section of
# doc/man/PAGE.1 as shell text, blocks separated by a line "#--".
man_examples() {
  awk '/^\.SH EXAMPLES/ { on = 1; next } /^\.SH/ { on = 0 }
       on && /^\.nf/ { blk = 1; next }
       on && /^\.fi/ { blk = 0; print "#--"; next }
       on && blk { print }' "$PF_SRCDIR/doc/man/$1.1" |
    sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e "s/\\\\(aq/'/g"
}

# free_port: a UDP port that was free a moment ago.
free_port() {
  pf-loss relay -q --listen 127.0.0.1:0 --to 127.0.0.1:9 --duration 0.001 \
    2>&1 >/dev/null | sed -n 's/^pf-loss: listening on port \([0-9]*\)$/\1/p'
}

# run_examples PAGE: runs every example block of PAGE in one scratch
# directory with port 5004 replaced by a free port.
run_examples() {
  local page=$1 block="" line n=0 port
  cd "$BATS_TEST_TMPDIR" || return 1
  make_input movie.bin 2000000
  make_records records.in 1 2 3 40000
  # A small H.264 stream and an IVF file for the examples.
  printf '\x00\x00\x00\x01\x09\xf0\x00\x00\x01\x65\x88\x01\x00\x00\x01\x41\x9a\x02' >movie.h264
  { printf 'DKIF\x00\x00\x20\x00VP90\x40\x01\xf0\x00\x1e\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00'
    printf '\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00hello'; } >clip.ivf
  while IFS= read -r line; do
    if [ "$line" != "#--" ]; then
      block+="$line"$'\n'
      continue
    fi
    n=$((n + 1))
    if [[ "$block" == *"[::"* ]] && ! ipv6_available; then
      echo "# skipping IPv6 example $n of $page: ::1 not configured" >&3
      block=""
      continue
    fi
    port=$(free_port)
    block=${block//5004/$port}
    [ -f stream.key ] && [[ "$block" == *"--gen-key stream.key"* ]] && rm -f stream.key
    run timeout 30 bash -e -o pipefail -c "$block" 3>&-
    [ "$status" -eq 0 ] || { echo "$page example $n failed ($status):"; echo "$block"; echo "$output"; return 1; }
    block=""
  done < <(man_examples "$page")
  [ "$n" -ge 2 ]
}

@test "the EXAMPLES of pf-send(1) run as written" {
  uring_available || skip "the examples use the default io_uring backend, unavailable here"
  run_examples pf-send
}

@test "the EXAMPLES of pf-recv(1) run as written" {
  uring_available || skip "the examples use the default io_uring backend, unavailable here"
  run_examples pf-recv
}

@test "scripts/demo runs clean: byte-identical, nothing on stderr" {
  # Three short runs: before the demo created recv.err and relay.err
  # itself, about one run in ten printed "sed: can't read recv.err".
  for i in 1 2 3; do
    run -0 --separate-stderr env PF_DEMO_FRAMES=20 PF_DEMO_SEED=$i \
      "$PF_SRCDIR/scripts/demo" "$PF_BIN"
    [ -z "$stderr" ] || { echo "run $i, stderr: $stderr"; return 1; }
    [[ "$output" == *"byte-identical"* && "$output" == *"demo: ok"* ]]
  done
}
