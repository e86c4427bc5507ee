# pf_loss_helper.bash -- shell helpers for the pf-loss tests (t3xxx),
# loaded after test_helper.  Everything runs on loopback with ephemeral
# ports; every wait is bounded; background processes are started with
# 3>&- and killed in teardown (bg_teardown).
# shellcheck disable=SC2034 # SINK_PORT, RELAY_PORT, ... are read by the tests

PROBE="$PF_BUILDDIR/tests/helpers/udp-probe"

# wait_for_line FILE SED_EXPR PID: prints the first match of the sed
# expression in FILE, waiting at most 5 s (while PID lives).
wait_for_line() {
  local file=$1 expr=$2 pid=$3 i v
  for i in $(seq 1 100); do
    v=$(sed -n "$expr" "$file" 2>/dev/null | head -n 1)
    if [ -n "$v" ]; then
      echo "$v"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "no '$expr' in $file after $i tries:" >&2
  cat "$file" >&2
  return 1
}

# start_sink [udp-probe sink options...]: a numbered-datagram sink in the
# background; sets SINK_PID and SINK_PORT, output in $BATS_TEST_TMPDIR/sink.
start_sink() {
  "$PROBE" sink "$@" >"$BATS_TEST_TMPDIR/sink" 3>&- &
  SINK_PID=$!
  BG_PIDS+=("$SINK_PID")
  SINK_PORT=$(wait_for_line "$BATS_TEST_TMPDIR/sink" 's/^port //p' "$SINK_PID")
}

# start_relay TARGET_PORT [pf-loss relay options...]: the relay in the
# background, listening on an ephemeral loopback port; sets RELAY_PID
# and RELAY_PORT.  Stats go to $BATS_TEST_TMPDIR/relay.json, messages to
# $BATS_TEST_TMPDIR/relay.err.
start_relay() {
  local target=$1
  shift
  : >"$BATS_TEST_TMPDIR/relay.err"
  pf-loss relay --listen 127.0.0.1:0 --to "127.0.0.1:$target" "$@" \
    >"$BATS_TEST_TMPDIR/relay.json" 2>"$BATS_TEST_TMPDIR/relay.err" 3>&- &
  RELAY_PID=$!
  BG_PIDS+=("$RELAY_PID")
  RELAY_PORT=$(wait_for_line "$BATS_TEST_TMPDIR/relay.err" \
    's/^pf-loss: listening on port \([0-9]*\)$/\1/p' "$RELAY_PID")
}

# field LINE NAME: the value after the word NAME in a "name value ..."
# line (udp-probe output).
field() {
  local -a w
  local i
  read -r -a w <<<"$1"
  for ((i = 0; i < ${#w[@]} - 1; i++)); do
    [ "${w[$i]}" = "$2" ] && { echo "${w[$((i + 1))]}"; return 0; }
  done
  return 1
}

# sink_result: the result line of the sink (after it exited).
sink_result() {
  grep '^received ' "$BATS_TEST_TMPDIR/sink"
}

# relay_count FILE DIR FIELD: a per-direction counter ("to" / "from") of
# the relay's one-line JSON stats.
relay_count() {
  sed -n "s/.*\"$2\":{\\([^}]*\\)}.*/\\1/p" "$1" | tr ',' '\n' |
    sed -n "s/^\"$3\"://p"
}

# between V LO HI: LO <= V <= HI, with a message otherwise.
between() {
  if [ "$1" -lt "$2" ] || [ "$1" -gt "$3" ]; then
    echo "$1 is not in $2..$3" >&2
    return 1
  fi
}
