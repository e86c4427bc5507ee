#!/usr/bin/env bats
# pf-send / pf-recv fail loudly and clearly: wrong key, mismatched FEC
# or geometry, mismatched framing, a port in use, missing or unsafe key
# files, bad arguments (issue #7).

bats_require_minimum_version 1.5.0
load test_helper
load sendrecv_helper

teardown() { bg_teardown; }

# The input of send_small, made before pf-recv starts: pf-recv's idle
# timeout runs from its start, and on a loaded machine making the input
# can take longer than the short timeouts these tests use.
setup() { make_records "$BATS_TEST_TMPDIR/in" 100 5000 70000; }

# send_small OPTIONS...: pf-send of a small length stream to pf-recv.
send_small() {
  pf-send -q "$(sr_io)" -i "$BATS_TEST_TMPDIR/in" "$@" "127.0.0.1:$RECV_PORT"
}

@test "pf-recv with the wrong key writes nothing, counts auth drops and exits 1" {
  key=$(sr_key)
  pf-send --gen-key "$BATS_TEST_TMPDIR/other.key"
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$BATS_TEST_TMPDIR/other.key" \
    --idle-timeout 1.5 "$(sr_io)" --stats-json "$BATS_TEST_TMPDIR/stats"
  send_small --key-file "$key"
  wait_recv
  [ "$RECV_STATUS" -eq 1 ]
  [ ! -s "$BATS_TEST_TMPDIR/out" ]
  grep -q 'datagrams failed authentication: check --key-file' "$BATS_TEST_TMPDIR/recv.err"
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" auth)" -gt 0 ]
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 0 ]
}

@test "pf-recv expecting sealed datagrams rejects an unencrypted sender" {
  key=$(sr_key)
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --idle-timeout 1.5 "$(sr_io)"
  send_small --no-encrypt
  wait_recv
  [ "$RECV_STATUS" -eq 1 ]
  [ ! -s "$BATS_TEST_TMPDIR/out" ]
  grep -q 'all [0-9]* datagrams' "$BATS_TEST_TMPDIR/recv.err"
}

@test "a --shard-size mismatch is reported as a geometry mismatch, exit 1" {
  key=$(sr_key)
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --idle-timeout 1.5 "$(sr_io)" --shard-size 1000
  send_small --key-file "$key"
  wait_recv
  [ "$RECV_STATUS" -eq 1 ]
  [ ! -s "$BATS_TEST_TMPDIR/out" ]
  grep -q 'dropped for geometry mismatch.*check --shard-size/--mtu/--max-data-per-block/--fec' \
    "$BATS_TEST_TMPDIR/recv.err"
}

@test "a --max-data-per-block mismatch is reported as a geometry mismatch, exit 1" {
  key=$(sr_key)
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --idle-timeout 1.5 "$(sr_io)" --max-data-per-block 50
  send_small --key-file "$key"
  wait_recv
  [ "$RECV_STATUS" -eq 1 ]
  grep -q 'geometry mismatch' "$BATS_TEST_TMPDIR/recv.err"
}

@test "a --fec gf8 / gf16 mismatch is named, nothing is written, exit 1" {
  key=$(sr_key)
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --idle-timeout 2 "$(sr_io)" --fec gf16
  send_small --key-file "$key"
  wait_recv
  [ "$RECV_STATUS" -eq 1 ]
  [ ! -s "$BATS_TEST_TMPDIR/out" ]
  grep -q 'fec mismatch: the sender uses --fec gf8, this side --fec gf16' \
    "$BATS_TEST_TMPDIR/recv.err"
}

@test "a --framing mismatch is named, exit 1" {
  key=$(sr_key)
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --idle-timeout 2 "$(sr_io)" --framing raw
  send_small --key-file "$key"
  wait_recv
  [ "$RECV_STATUS" -eq 1 ]
  grep -q 'framing mismatch: the sender uses --framing length, this side --framing raw' \
    "$BATS_TEST_TMPDIR/recv.err"
}

@test "pf-recv on a port in use fails with 'cannot bind' and exit 1" {
  key=$(sr_key)
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --idle-timeout 5 "$(sr_io)"
  run -1 --separate-stderr pf-recv --key-file "$key" "$(sr_io)" -o "$BATS_TEST_TMPDIR/out2" "127.0.0.1:$RECV_PORT"
  [[ "$stderr" == *"cannot bind 127.0.0.1:$RECV_PORT: "*"in use"* ]]
}

@test "pf-recv exits 1 naming the idle timeout when nothing arrives" {
  key=$(sr_key)
  run -1 --separate-stderr pf-recv --key-file "$key" "$(sr_io)" \
    --idle-timeout 0.2 -o "$BATS_TEST_TMPDIR/out" 127.0.0.1:0
  [[ "$stderr" == *"no datagrams received before the idle timeout"* ]]
}

@test "without a key file or --no-encrypt both tools exit 2" {
  run -2 --separate-stderr env -u PF_KEY_FILE pf-send 127.0.0.1:9
  [[ "$stderr" == *"no key: give --key-file FILE"* ]]
  [[ "$stderr" == *"Usage: pf-send"* ]]
  run -2 --separate-stderr env -u PF_KEY_FILE pf-recv -o /dev/null 0
  [[ "$stderr" == *"no key: give --key-file FILE"* ]]
}

@test "--no-encrypt together with --key-file is a usage error" {
  key=$(sr_key)
  run -2 --separate-stderr pf-send --no-encrypt --key-file "$key" 127.0.0.1:9
  [[ "$stderr" == *"exclude each other"* ]]
}

@test "--no-encrypt beyond loopback is refused with exit 2 unless --insecure" {
  for a in 192.0.2.1:9 '[2001:db8::1]:9' '[::ffff:192.0.2.1]:9' 128.0.0.1:9; do
    run -2 --separate-stderr pf-send --no-encrypt "$a" </dev/null
    [[ "$stderr" == "pf-send: --no-encrypt refused: '$a' is not a loopback address"*"use --key-file, or add --insecure"* ]]
  done
  run -2 --separate-stderr pf-recv --no-encrypt -o /dev/null 0
  [[ "$stderr" == *"pf-recv: --no-encrypt refused: '0' is not a loopback address (a bare port listens on every address)"* ]]
  for a in 0.0.0.0:0 '[::]:0' :0; do
    run -2 --separate-stderr pf-recv --no-encrypt -o /dev/null "$a"
    [[ "$stderr" == *"pf-recv: --no-encrypt refused: '$a' is not a loopback"* ]]
  done
  # A loopback listener with a --peer elsewhere: both ends must be loopback.
  run -2 --separate-stderr pf-recv --no-encrypt --peer 192.0.2.1:9 -o /dev/null 127.0.0.1:0
  [[ "$stderr" == *"'192.0.2.1:9' is not a loopback address"* ]]
  # --insecure lets it through: the listener runs into its idle timeout.
  run -1 --separate-stderr pf-recv --no-encrypt --insecure "$(sr_io)" \
    --idle-timeout 0.05 -o /dev/null 0
  [[ "$stderr" == *"no datagrams received"* ]]
  [[ "$stderr" != *refused* ]]
  # --insecure alone means nothing, and is said so.
  key=$(sr_key)
  run -2 --separate-stderr pf-send --insecure --key-file "$key" 127.0.0.1:9 </dev/null
  [[ "$stderr" == *"--insecure goes only with --no-encrypt"* ]]
}

@test "--no-encrypt on loopback addresses needs no --insecure" {
  for a in 127.0.0.1:0 127.1.2.3:0 localhost:0; do
    run -1 --separate-stderr pf-recv --no-encrypt "$(sr_io)" --idle-timeout 0.05 \
      -o /dev/null --peer 127.0.0.1:9 "$a"
    [[ "$stderr" == *"no datagrams received"* ]] || { echo "$a: $stderr"; return 1; }
  done
  if ipv6_available; then
    run -1 --separate-stderr pf-recv --no-encrypt "$(sr_io)" --idle-timeout 0.05 \
      -o /dev/null '[::1]:0'
    [[ "$stderr" == *"no datagrams received"* ]]
  fi
  run -0 --separate-stderr pf-send --no-encrypt -q localhost:9 </dev/null
  run -0 --separate-stderr pf-send --no-encrypt -q 127.0.0.1:9 </dev/null
}

# send_forged PORT INDEX...: one unsealed punktfunk/1 datagram (40-byte
# header, 64-byte shard, a 4-byte AU of one shard) per frame INDEX to
# 127.0.0.1:PORT, 20 ms apart.
send_forged() {
  python3 - "$@" <<'PY'
import socket, struct, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n, idx in enumerate(sys.argv[2:]):
    # pts, frame_index, stream_seq, frame_bytes, user_flags, block_index,
    # block_count, K, M, shard_index, shard_bytes, magic, version,
    # fec_scheme, flags (PIC|SOF|EOF)
    h = struct.pack("<QIIIIHHHHHHBBBB", int(idx) * 16666667, int(idx), n, 4,
                    0, 0, 1, 1, 0, 0, 64, 0xC9, 1, 0, 7)
    s.sendto(h + b"abcd" + bytes(60), ("127.0.0.1", port))
    time.sleep(0.02)
PY
}

@test "a datagram far ahead of the stream is dropped and named far_ahead in the summary and the JSON stats" {
  command -v python3 >/dev/null || skip "python3 not installed"
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --no-encrypt --shard-size 64 \
    --idle-timeout 1 "$(sr_io)" --stats-json "$BATS_TEST_TMPDIR/stats"
  # Frame 0 opens the window; 5 datagrams of frame 1000 (more than the
  # 64-frame window ahead, fewer than the 16 that move it) are dropped.
  send_forged "$RECV_PORT" 0 1000 1000 1000 1000 1000
  wait_recv
  [ "$RECV_STATUS" -eq 3 ] # no END descriptor
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" far_ahead)" -eq 5 ]
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" other_run)" -eq 0 ]
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" window_resyncs)" -eq 0 ]
  grep -q 'dropped (.*far ahead 5, other 0)' "$BATS_TEST_TMPDIR/recv.err"
}

@test "pf-send --gen-key writes a 0600 pf-key-v1 file and refuses to overwrite it" {
  run -0 pf-send --gen-key "$BATS_TEST_TMPDIR/k"
  [ "$(stat -c %a "$BATS_TEST_TMPDIR/k")" = 600 ]
  grep -Eq '^pf-key-v1 aes128gcm [0-9a-f]{32} [0-9a-f]{8}$' "$BATS_TEST_TMPDIR/k"
  echo keep >"$BATS_TEST_TMPDIR/k"
  run -1 --separate-stderr pf-send --gen-key "$BATS_TEST_TMPDIR/k"
  [[ "$stderr" == *"cannot create key file"*"it exists (a key file is never overwritten"* ]]
  [ "$(cat "$BATS_TEST_TMPDIR/k")" = keep ]
  rm "$BATS_TEST_TMPDIR/k"
  pf-send --gen-key "$BATS_TEST_TMPDIR/k"
  pf-send --gen-key "$BATS_TEST_TMPDIR/k2"
  run ! cmp -s "$BATS_TEST_TMPDIR/k" "$BATS_TEST_TMPDIR/k2"
}

@test "a key file readable or writable by group or others is refused: chmod 600" {
  pf-send --gen-key "$BATS_TEST_TMPDIR/k"
  for mode in 640 604 620 602 660; do
    chmod "$mode" "$BATS_TEST_TMPDIR/k"
    run -1 --separate-stderr pf-recv --key-file "$BATS_TEST_TMPDIR/k" "$(sr_io)" \
      --idle-timeout 0.05 -q -o "$BATS_TEST_TMPDIR/out" 127.0.0.1:0
    [[ "$stderr" == *"pf-recv: key file"*"accessible by group or others (mode $mode): refused; chmod 600 it"* ]]
    [[ "$stderr" != *"no datagrams"* ]]
    run -1 --separate-stderr pf-send --key-file "$BATS_TEST_TMPDIR/k" 127.0.0.1:9 </dev/null
    [[ "$stderr" == *"pf-send: key file"*"(mode $mode): refused; chmod 600 it"* ]]
    run -1 --separate-stderr env PF_KEY_FILE="$BATS_TEST_TMPDIR/k" pf-send 127.0.0.1:9 </dev/null
    [[ "$stderr" == *"chmod 600"* ]]
  done
  # 0600 and 0400 are fine.
  for mode in 600 400; do
    chmod "$mode" "$BATS_TEST_TMPDIR/k"
    run -1 --separate-stderr pf-recv --key-file "$BATS_TEST_TMPDIR/k" "$(sr_io)" \
      --idle-timeout 0.05 -q -o "$BATS_TEST_TMPDIR/out" 127.0.0.1:0
    [[ "$stderr" == *"no datagrams received"* ]]
  done
}

@test "a key file owned by another user is refused" {
  [ "$(id -u)" -eq 0 ] || skip "needs root to give a file to another uid"
  pf-send --gen-key "$BATS_TEST_TMPDIR/k"
  chown 65534 "$BATS_TEST_TMPDIR/k"
  run -1 --separate-stderr pf-send --key-file "$BATS_TEST_TMPDIR/k" 127.0.0.1:9 </dev/null
  [[ "$stderr" == *"pf-send: key file"*"is owned by uid 65534, not by this user (uid 0): refused"*"chmod 600"* ]]
  run -1 --separate-stderr pf-recv --key-file "$BATS_TEST_TMPDIR/k" "$(sr_io)" \
    --idle-timeout 0.05 -q -o "$BATS_TEST_TMPDIR/out" 127.0.0.1:0
  [[ "$stderr" == *"owned by uid 65534"*"refused"* ]]
}

@test "a key file that is not a regular file is refused" {
  run -1 --separate-stderr pf-send --key-file /dev/null 127.0.0.1:9 </dev/null
  [[ "$stderr" == *"key file '/dev/null' is not a regular file"* ]]
}

@test "pf-send --gen-key never follows a symbolic link" {
  # A dangling link: following it would create the target.
  ln -s "$BATS_TEST_TMPDIR/target" "$BATS_TEST_TMPDIR/link"
  run -1 --separate-stderr pf-send --gen-key "$BATS_TEST_TMPDIR/link"
  [[ "$stderr" == *"cannot create key file '$BATS_TEST_TMPDIR/link': it is a symbolic link (not followed"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/target" ]
  # A link to an existing file: that file stays as it was.
  echo precious >"$BATS_TEST_TMPDIR/target"
  run -1 --separate-stderr pf-send --gen-key "$BATS_TEST_TMPDIR/link"
  [[ "$stderr" == *"it is a symbolic link"* ]]
  [ "$(cat "$BATS_TEST_TMPDIR/target")" = precious ]
  [ -L "$BATS_TEST_TMPDIR/link" ]
}

@test "a malformed key file is refused with exit 1" {
  echo "pf-key-v1 aes128gcm 00112233 0011" >"$BATS_TEST_TMPDIR/bad"
  chmod 600 "$BATS_TEST_TMPDIR/bad"
  run -1 --separate-stderr pf-send --key-file "$BATS_TEST_TMPDIR/bad" 127.0.0.1:9
  [[ "$stderr" == *"bad key or salt"* ]]
  echo "hello" >"$BATS_TEST_TMPDIR/bad"
  run -1 --separate-stderr pf-send --key-file "$BATS_TEST_TMPDIR/bad" 127.0.0.1:9
  [[ "$stderr" == *"is not a pf-key-v1 key file"* ]]
}

@test "--aead that contradicts the key file is a usage error" {
  key=$(sr_key)
  run -2 --separate-stderr pf-send --key-file "$key" --aead chacha20poly1305 127.0.0.1:9
  [[ "$stderr" == *"does not match the key file"* ]]
}

@test "bad numbers, addresses and missing operands exit 2 with a message" {
  run -2 --separate-stderr pf-send --no-encrypt --shard-size 1001 127.0.0.1:9
  [[ "$stderr" == *"must be even"* ]]
  run -2 --separate-stderr pf-send --no-encrypt --rate 10X 127.0.0.1:9
  [[ "$stderr" == *"invalid rate '10X'"* ]]
  run -2 --separate-stderr pf-send --no-encrypt
  [[ "$stderr" == *"no HOST:PORT given"* ]]
  run -2 --separate-stderr pf-send --no-encrypt --insecure nohost:9
  [[ "$stderr" == *"cannot open a UDP socket to 'nohost:9'"* ]]
  run -2 --separate-stderr pf-recv --no-encrypt --idle-timeout x 0
  [[ "$stderr" == *"invalid idle timeout 'x'"* ]]
  run -2 --separate-stderr pf-recv --no-encrypt --insecure -o /dev/null 1.2.3:0
  [[ "$stderr" == *"invalid address"* ]]
  run -2 --separate-stderr pf-recv --no-encrypt --stats-json - 0
  [[ "$stderr" == *"--stats-json - needs --output"* ]]
  run -2 --separate-stderr pf-send --no-encrypt --io bogus 127.0.0.1:9
  [[ "$stderr" == *"invalid io backend 'bogus'"* ]]
}

@test "pf-send --fec-percent too large for the block size is refused clearly" {
  run -2 --separate-stderr pf-send --no-encrypt --fec-percent 90 127.0.0.1:9 </dev/null
  [[ "$stderr" == *"cannot set up the sender (fec gf8, 90% parity, 200 data shards"* ]]
}

@test "an input frame over --max-frame-size is a clear error in every framing" {
  # One 5000-byte H.264 access unit (found at end of input), and the same
  # as an AU followed by the next one's start.
  { printf '\0\0\0\1\x65\x88'; head -c 4994 /dev/zero | tr '\0' 'x'; } >"$BATS_TEST_TMPDIR/au"
  run -1 --separate-stderr pf-send --no-encrypt -f annexb --max-frame-size 1000 \
    -i "$BATS_TEST_TMPDIR/au" 127.0.0.1:9
  [[ "$stderr" == *"access unit at input offset 0 is larger than 1000 bytes"* ]]
  { cat "$BATS_TEST_TMPDIR/au"; printf '\0\0\0\1\x65\x88\0\0'; } >"$BATS_TEST_TMPDIR/au2"
  run -1 --separate-stderr pf-send --no-encrypt -f annexb --max-frame-size 1000 \
    -i "$BATS_TEST_TMPDIR/au2" 127.0.0.1:9
  [[ "$stderr" == *"access unit at input offset 0 is larger than 1000 bytes"* ]]
  printf '\0\0\x13\x88' >"$BATS_TEST_TMPDIR/rec"
  run -1 --separate-stderr pf-send --no-encrypt --max-frame-size 1000 \
    -i "$BATS_TEST_TMPDIR/rec" 127.0.0.1:9
  [[ "$stderr" == *"record at offset 0 is 5000 bytes, larger than the largest frame 1000"* ]]
}

@test "without io_uring both tools say so, suggest --io=mmsg and exit 1" {
  [ -z "${PF_SANCFLAGS:-}" ] || skip "LD_PRELOAD does not mix with sanitizer runtimes"
  command -v cc >/dev/null || skip "no C compiler to build the io_uring blocker"
  # A shim whose io_uring setup fails as on a kernel without io_uring.
  cat >"$BATS_TEST_TMPDIR/nouring.c" <<'C'
#include <errno.h>
struct io_uring;
struct io_uring_params;
int io_uring_queue_init(unsigned e, struct io_uring *r, unsigned f);
int io_uring_queue_init_params(unsigned e, struct io_uring *r,
                               struct io_uring_params *p);
int io_uring_queue_init(unsigned e, struct io_uring *r, unsigned f) {
  (void)e; (void)r; (void)f; return -ENOSYS;
}
int io_uring_queue_init_params(unsigned e, struct io_uring *r,
                               struct io_uring_params *p) {
  (void)e; (void)r; (void)p; return -ENOSYS;
}
C
  cc -shared -fPIC -o "$BATS_TEST_TMPDIR/nouring.so" "$BATS_TEST_TMPDIR/nouring.c"
  run -1 --separate-stderr env LD_PRELOAD="$BATS_TEST_TMPDIR/nouring.so" pf-recv --no-encrypt --io uring -o /dev/null 127.0.0.1:0
  [[ "$stderr" == *"pf-recv: cannot use io_uring: "*"; try --io=mmsg"* ]]
  run -1 --separate-stderr env LD_PRELOAD="$BATS_TEST_TMPDIR/nouring.so" pf-send --no-encrypt 127.0.0.1:9 </dev/null
  [[ "$stderr" == *"pf-send: cannot use io_uring: "*"; try --io=mmsg"* ]]
  # --io=mmsg does not touch io_uring.
  run -1 --separate-stderr env LD_PRELOAD="$BATS_TEST_TMPDIR/nouring.so" pf-recv --no-encrypt --io mmsg --idle-timeout 0.05 -o /dev/null 127.0.0.1:0
  [[ "$stderr" == *"no datagrams received"* ]]
}
