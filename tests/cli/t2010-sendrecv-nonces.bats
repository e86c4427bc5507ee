#!/usr/bin/env bats
# Nonces across runs: two pf-send runs with one key file must not seal
# under the same seqs (doc/internals/nonces.md).  Before the first seq was
# random every run started at seq 0, so two runs with different inputs
# gave C1 xor C2 = P1 xor P2 and the GCM authentication key away.

bats_require_minimum_version 1.5.0
load test_helper
load sendrecv_helper
load pf_loss_helper

teardown() { bg_teardown; }

# capture_run N INPUT: one pf-send run of INPUT with the test key into a
# udp-probe sink that records every datagram's clear seq in seqN.
capture_run() {
  local n=$1 in=$2 key
  key=$(sr_key)
  start_sink -i 500 -m 20 -o "$BATS_TEST_TMPDIR/seq$n"
  pf-send -q --key-file "$key" "$(sr_io)" -i "$in" "127.0.0.1:$SINK_PORT"
  wait_pid "$SINK_PID" 20
  [ "$WAIT_STATUS" -eq 0 ]
  sort -u "$BATS_TEST_TMPDIR/seq$n" >"$BATS_TEST_TMPDIR/seq$n.sorted"
  [ -s "$BATS_TEST_TMPDIR/seq$n.sorted" ]
}

@test "two pf-send runs with one key file use disjoint seqs" {
  make_records "$BATS_TEST_TMPDIR/in1" 100 5000 70000
  make_records "$BATS_TEST_TMPDIR/in2" 200 6000 80000 3
  capture_run 1 "$BATS_TEST_TMPDIR/in1"
  capture_run 2 "$BATS_TEST_TMPDIR/in2"
  n1=$(wc -l <"$BATS_TEST_TMPDIR/seq1.sorted")
  n2=$(wc -l <"$BATS_TEST_TMPDIR/seq2.sorted")
  [ "$n1" -ge 60 ] && [ "$n2" -ge 60 ] # every datagram of both runs
  run comm -12 "$BATS_TEST_TMPDIR/seq1.sorted" "$BATS_TEST_TMPDIR/seq2.sorted"
  [ "$status" -eq 0 ]
  [ -z "$output" ] || {
    echo "seqs sealed in both runs: $(echo "$output" | head -n 5 | tr '\n' ' ')" >&2
    false
  }
  # Within a run the seqs are consecutive: no datagram reuses one.
  [ "$(wc -l <"$BATS_TEST_TMPDIR/seq1")" -eq "$n1" ]
}
