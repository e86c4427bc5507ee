#!/usr/bin/env bats
# pf-send | pf-recv round trips in every framing mode over loopback:
# length records, fixed-size records, raw reads, H.264 / H.265 Annex B
# access units and IVF files (issue #7).

bats_require_minimum_version 1.5.0
load test_helper
load sendrecv_helper

teardown() { bg_teardown; }

# annexb_h264 FILE: 5 access units: [AUD SPS PPS IDR] [slice slice(mb>0)]
# [SEI slice] [slice] [AUD slice], with 3- and 4-byte start codes.
annexb_h264() {
  printf '\x00\x00\x00\x01\x09\xf0'                 # AUD: AU 1
  printf '\x00\x00\x00\x01\x67\x42\x00\x1f\xaa'     # SPS
  printf '\x00\x00\x01\x68\xce\x3c\x80'             # PPS
  printf '\x00\x00\x01\x65\x88\x84\x00\x33\xff'     # IDR, first_mb 0
  printf '\x00\x00\x00\x01\x41\x9a\x22\x11'         # slice, first_mb 0: AU 2
  printf '\x00\x00\x01\x41\x40\x05\x06'             # slice, first_mb > 0
  printf '\x00\x00\x01\x06\x05\x10\x80'             # SEI after VCL: AU 3
  printf '\x00\x00\x01\x41\x9a\x01\x02\x00\x00\x03\x01' # slice
  printf '\x00\x00\x01\x01\xe0\x07'                 # slice, first_mb 0: AU 4
  printf '\x00\x00\x00\x01\x09\x10'                 # AUD: AU 5
  printf '\x00\x00\x01\x41\x9b\x00\x00\x00'         # slice + trailing zeros
}

# annexb_h265 FILE: 4 access units: [VPS SPS PPS IDR IDR-segment]
# [TRAIL] [prefix SEI, TRAIL] [AUD TRAIL].
annexb_h265() {
  printf '\x00\x00\x00\x01\x40\x01\x0c\x01'         # VPS: AU 1
  printf '\x00\x00\x00\x01\x42\x01\x01\x60'         # SPS
  printf '\x00\x00\x00\x01\x44\x01\xc1\x72'         # PPS
  printf '\x00\x00\x01\x26\x01\xaf\x05'             # IDR_W_RADL, first seg
  printf '\x00\x00\x01\x26\x01\x40\x06'             # IDR, dependent seg
  printf '\x00\x00\x01\x02\x01\xd0\x09'             # TRAIL_R first: AU 2
  printf '\x00\x00\x01\x4e\x01\x05\x01'             # prefix SEI: AU 3
  printf '\x00\x00\x01\x02\x01\xd0\x0a'             # TRAIL_R first
  printf '\x00\x00\x01\x46\x01\x50'                 # AUD: AU 4
  printf '\x00\x00\x01\x02\x01\xd0\x0b'             # TRAIL_R first
}

# le32 N / le64 N: little-endian bytes.
le32() {
  # shellcheck disable=SC2059
  printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) \
    $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"
}
le64() { le32 "$1"; le32 0; }

# make_ivf FILE N: an IVF (VP90, 1/30) of N frames of varying size.
make_ivf() {
  local out=$1 n=$2 i len
  {
    printf 'DKIF\x00\x00\x20\x00VP90'
    printf '\x40\x01\xf0\x00' # 320x240
    le32 30; le32 1; le32 "$n"; le32 0
    for i in $(seq 0 $((n - 1))); do
      len=$(((i * 997) % 5000 + 1))
      le32 "$len"; le64 "$((i * 2))"
      "$SPLITMIX" "$i" "$len"
    done
  } >"$out"
}

@test "pf-send | pf-recv round-trips --framing length records of mixed sizes" {
  make_records "$BATS_TEST_TMPDIR/in" 5 0 1 1388 70000 3 0 200000
  round_trip "$BATS_TEST_TMPDIR/in" length
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 8 ]
}

@test "pf-send | pf-recv round-trips --framing fixed:1000 with a short last record" {
  make_input "$BATS_TEST_TMPDIR/in" 10500
  round_trip "$BATS_TEST_TMPDIR/in" fixed:1000
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 11 ]
}

@test "pf-send | pf-recv round-trips --framing raw (every read is a frame)" {
  make_input "$BATS_TEST_TMPDIR/in" 1000000
  round_trip "$BATS_TEST_TMPDIR/in" raw
}

@test "pf-send | pf-recv round-trips --framing raw from a pipe" {
  make_input "$BATS_TEST_TMPDIR/in" 300000
  key=$(sr_key)
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --framing raw --idle-timeout 5 "$(sr_io)"
  # shellcheck disable=SC2002 # a pipe on purpose (reads are short)
  cat "$BATS_TEST_TMPDIR/in" | pf-send -q --key-file "$key" --framing raw \
    "$(sr_io)" "127.0.0.1:$RECV_PORT"
  wait_recv
  [ "$RECV_STATUS" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "pf-send --framing annexb cuts H.264 at AUD, SEI/SPS after a slice and first_mb_in_slice 0" {
  annexb_h264 >"$BATS_TEST_TMPDIR/in"
  round_trip "$BATS_TEST_TMPDIR/in" annexb --codec h264
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 5 ]
}

@test "pf-send --framing annexb --codec h265 cuts at VPS, prefix SEI, AUD and first_slice_segment_in_pic_flag" {
  annexb_h265 >"$BATS_TEST_TMPDIR/in"
  round_trip "$BATS_TEST_TMPDIR/in" annexb --codec h265
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 4 ]
}

@test "pf-send | pf-recv round-trips an IVF file byte for byte (header, pts, frame count)" {
  make_ivf "$BATS_TEST_TMPDIR/in" 40
  round_trip "$BATS_TEST_TMPDIR/in" ivf
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 40 ]
}

@test "pf-recv --framing ivf appending (>>) to a file patches nothing: output = old content + the stream, exit 0" {
  local key
  key=$(sr_key)
  make_ivf "$BATS_TEST_TMPDIR/in" 10
  printf 'PREFIX' >"$BATS_TEST_TMPDIR/out"
  SR_APPEND=1 start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 \
    --key-file "$key" --framing ivf --idle-timeout 5 "$(sr_io)"
  pf-send --key-file "$key" --framing ivf "$(sr_io)" -q \
    -i "$BATS_TEST_TMPDIR/in" "127.0.0.1:$RECV_PORT"
  wait_recv 20
  [ "$RECV_STATUS" -eq 0 ]
  { printf 'PREFIX'; cat "$BATS_TEST_TMPDIR/in"; } >"$BATS_TEST_TMPDIR/want"
  cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/out"
}

@test "pf-recv --framing ivf into a pipe writes the header count as sent" {
  local key
  key=$(sr_key)
  make_ivf "$BATS_TEST_TMPDIR/in" 10
  mkfifo "$BATS_TEST_TMPDIR/fifo"
  cat "$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/out" 3>&- &
  BG_PIDS+=("$!")
  start_recv "$BATS_TEST_TMPDIR/fifo" 127.0.0.1:0 \
    --key-file "$key" --framing ivf --idle-timeout 5 "$(sr_io)"
  pf-send --key-file "$key" --framing ivf "$(sr_io)" -q \
    -i "$BATS_TEST_TMPDIR/in" "127.0.0.1:$RECV_PORT"
  wait_recv 20
  [ "$RECV_STATUS" -eq 0 ]
  wait_pid "${BG_PIDS[-1]}" 10
  cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "pf-send --framing ivf rejects input without a DKIF header" {
  make_input "$BATS_TEST_TMPDIR/in" 100
  run -1 --separate-stderr pf-send --no-encrypt --framing ivf -i "$BATS_TEST_TMPDIR/in" 127.0.0.1:9
  [[ "$stderr" == *"not an IVF file"* ]]
}

@test "pf-send --framing length rejects a truncated record" {
  make_records "$BATS_TEST_TMPDIR/in" 100
  head -c 50 "$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/cut"
  run -1 --separate-stderr pf-send --no-encrypt -q "$(sr_io)" \
    -i "$BATS_TEST_TMPDIR/cut" 127.0.0.1:9
  [[ "$stderr" == *"input ends inside a 100-byte record"* ]]
}

@test "pf-send and pf-recv reject an unknown framing with exit 2" {
  run -2 --separate-stderr pf-send --no-encrypt --framing bogus 127.0.0.1:9
  [[ "$stderr" == *"invalid framing 'bogus'"* ]]
  run -2 --separate-stderr pf-recv --no-encrypt --framing fixed:0 0
  [[ "$stderr" == *"invalid fixed record size"* ]]
}
