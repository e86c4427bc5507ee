# sendrecv_helper.bash -- shell helpers for the pf-send / pf-recv tests
# (t2xxx), loaded after test_helper.  Everything runs on loopback with
# ephemeral ports; every wait is bounded; background processes are
# started with 3>&- and killed in teardown (bg_teardown).

RECV_EXTRA=()

# be32 N: N as 4 big-endian bytes on stdout.
be32() {
  local n=$1
  # shellcheck disable=SC2059 # the format is built on purpose
  printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(((n >> 24) & 255)) \
    $(((n >> 16) & 255)) $(((n >> 8) & 255)) $((n & 255)))"
}

# make_records FILE SIZE...: a --framing length stream of records of the
# given sizes, each filled with deterministic data (seed = its position).
make_records() {
  local out=$1 i=0 n
  shift
  : >"$out"
  for n in "$@"; do
    i=$((i + 1))
    be32 "$n" >>"$out"
    "$SPLITMIX" "$i" "$n" >>"$out"
  done
}

# sr_key: writes a fresh key file to $BATS_TEST_TMPDIR/key once; prints
# its path.
sr_key() {
  local k="$BATS_TEST_TMPDIR/key"
  [ -f "$k" ] || pf-send --gen-key "$k" >/dev/null || return 1
  echo "$k"
}

# sr_io: the --io option the generic tests use: io_uring when this
# kernel allows it, else mmsg (the backend tests check both explicitly).
sr_io() {
  if [ -z "${SR_IO_CACHE:-}" ]; then
    if uring_available; then SR_IO_CACHE=uring; else SR_IO_CACHE=mmsg; fi
  fi
  echo "--io=$SR_IO_CACHE"
}

# uring_available: 0 when pf-recv can open an io_uring socket here.
uring_available() {
  local err
  err=$(pf-recv --no-encrypt --io=uring --idle-timeout 0.05 -q \
    -o /dev/null 127.0.0.1:0 2>&1)
  [[ "$err" != *io_uring* && "$err" != *"try --io=mmsg"* ]]
}

# ipv6_available: 0 when ::1 is configured.
ipv6_available() {
  grep -q '^00000000000000000000000000000001' /proc/net/if_inet6 2>/dev/null
}

# start_recv OUT ADDR [pf-recv options...]: starts pf-recv in the
# background writing OUT, stderr to $BATS_TEST_TMPDIR/recv.err, and sets
# RECV_PID and RECV_PORT once it listens (at most 5 s).  With
# SR_APPEND=1 the frames go to standard output, appended to OUT (>>).
start_recv() {
  local out=$1 addr=$2 i
  shift 2
  : >"$BATS_TEST_TMPDIR/recv.err"
  if [ "${SR_APPEND:-0}" = 1 ]; then
    pf-recv "$@" "$addr" >>"$out" 2>"$BATS_TEST_TMPDIR/recv.err" 3>&- &
  else
    pf-recv "$@" -o "$out" "$addr" 2>"$BATS_TEST_TMPDIR/recv.err" 3>&- &
  fi
  RECV_PID=$!
  BG_PIDS+=("$RECV_PID")
  RECV_PORT=
  for i in $(seq 1 100); do
    RECV_PORT=$(sed -n 's/^pf-recv: listening on port \([0-9]*\)$/\1/p' \
      "$BATS_TEST_TMPDIR/recv.err")
    [ -n "$RECV_PORT" ] && return 0
    kill -0 "$RECV_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "pf-recv did not start (try $i):" >&2
  cat "$BATS_TEST_TMPDIR/recv.err" >&2
  return 1
}

# wait_recv [SECONDS]: wait_pid for pf-recv; RECV_STATUS = its status.
wait_recv() {
  wait_pid "$RECV_PID" "${1:-20}"
  RECV_STATUS=$WAIT_STATUS
}

# round_trip IN FRAMING [common options...]: pf-send IN to pf-recv with
# the same --framing and options (and the test key), then compares.
# pf-recv also gets the options in the array RECV_EXTRA (if set) and
# writes JSON statistics to $BATS_TEST_TMPDIR/stats.
round_trip() {
  local in=$1 framing=$2 key
  shift 2
  key=$(sr_key) || return 1
  start_recv "$BATS_TEST_TMPDIR/out" 127.0.0.1:0 --key-file "$key" \
    --framing "$framing" --idle-timeout 5 "$(sr_io)" \
    --stats-json "$BATS_TEST_TMPDIR/stats" "${RECV_EXTRA[@]}" "$@" || return 1
  pf-send --key-file "$key" --framing "$framing" "$(sr_io)" "$@" -q \
    -i "$in" "127.0.0.1:$RECV_PORT" || { echo "pf-send failed" >&2; return 1; }
  wait_recv 20
  [ "$RECV_STATUS" -eq 0 ] || {
    echo "pf-recv exit $RECV_STATUS" >&2
    cat "$BATS_TEST_TMPDIR/recv.err" >&2
    return 1
  }
  cmp "$in" "$BATS_TEST_TMPDIR/out"
}

# json_field FILE FIELD: the numeric FIELD of the last line of FILE.
json_field() {
  tail -n 1 "$1" | grep -o "\"$2\":[-0-9.a-z]*" | head -n 1 | cut -d: -f2
}
