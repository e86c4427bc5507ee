#!/usr/bin/env bats
# Real codec streams made by ffmpeg go through pf-send | pf-recv access
# unit by access unit: the same number of frames arrives and every
# decoded picture is identical (-f framemd5).  Needs ffmpeg (issue #7).

bats_require_minimum_version 1.5.0
load test_helper
load sendrecv_helper

setup() {
  command -v ffmpeg >/dev/null || skip "ffmpeg not installed"
}

teardown() { bg_teardown; }

# encode OUT FORMAT ENCODER-OPTIONS...: 30 frames of the lavfi test source.
encode() {
  local out=$1 fmt=$2
  shift 2
  ffmpeg -nostdin -v error -f lavfi -i testsrc=size=320x240:rate=30 \
    -frames:v 30 "$@" -f "$fmt" "$out" ||
    skip "ffmpeg cannot encode with: $*"
}

framemd5() {
  ffmpeg -nostdin -v error -i "$1" -f framemd5 - | grep -v '^#'
}

# check_stream IN FRAMING [options]: round trip, then compare decodes.
check_stream() {
  local in=$1
  shift
  round_trip "$in" "$@"
  framemd5 "$in" >"$BATS_TEST_TMPDIR/a.md5"
  framemd5 "$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/b.md5"
  [ "$(wc -l <"$BATS_TEST_TMPDIR/a.md5")" -eq 30 ]
  cmp "$BATS_TEST_TMPDIR/a.md5" "$BATS_TEST_TMPDIR/b.md5"
}

@test "an H.264 Annex B stream with 4 slices per picture arrives as 30 access units with identical pictures" {
  encode "$BATS_TEST_TMPDIR/in.h264" h264 -c:v libx264 -x264-params slices=4:log-level=error
  check_stream "$BATS_TEST_TMPDIR/in.h264" annexb --codec h264
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 30 ]
}

@test "an H.264 stream with access unit delimiters arrives as 30 access units" {
  encode "$BATS_TEST_TMPDIR/in.h264" h264 -c:v libx264 -x264-params aud=1:log-level=error
  check_stream "$BATS_TEST_TMPDIR/in.h264" annexb
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 30 ]
}

@test "an H.265 Annex B stream with 2 slices per picture arrives as 30 access units with identical pictures" {
  encode "$BATS_TEST_TMPDIR/in.h265" hevc -c:v libx265 -x265-params slices=2:log-level=error
  check_stream "$BATS_TEST_TMPDIR/in.h265" annexb --codec h265
  [ "$(json_field "$BATS_TEST_TMPDIR/stats" frames)" -eq 30 ]
}

@test "a VP9 IVF file arrives frame for frame with identical pictures" {
  encode "$BATS_TEST_TMPDIR/in.ivf" ivf -c:v libvpx-vp9 -deadline realtime -cpu-used 8
  check_stream "$BATS_TEST_TMPDIR/in.ivf" ivf
}

@test "an AV1 IVF file arrives frame for frame with identical pictures" {
  encode "$BATS_TEST_TMPDIR/in.ivf" ivf -c:v libaom-av1 -cpu-used 8
  check_stream "$BATS_TEST_TMPDIR/in.ivf" ivf
}
