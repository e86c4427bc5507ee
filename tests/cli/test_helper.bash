# test_helper.bash -- loaded by every tests/cli/*.bats file.
#
# make check exports PF_BIN (where the built tools are), PF_SRCDIR,
# PF_BUILDDIR, PF_TOOLS (the list of built tools), PF_VERSION and
# PF_VECTORS.  Running a .bats file by hand from the build directory also
# works: the defaults below assume the current directory is the build tree.

: "${PF_BUILDDIR:=$PWD}"
: "${PF_BIN:=$PF_BUILDDIR}"
: "${PF_SRCDIR:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
: "${PF_VECTORS:=$PF_SRCDIR/tests/vectors}"
export PF_BUILDDIR PF_BIN PF_SRCDIR PF_VECTORS

PATH="$PF_BIN:$PATH"
export PATH

# Long options of a tool, read from the getopt_long tables in its sources
# (bin/TOOL.c and the files of its subcommands, bin/TOOL-*.c): every
# quoted name inside `struct option NAME[] = { ... };`.
tool_long_options() {
  local f
  for f in "$PF_SRCDIR/bin/$1.c" "$PF_SRCDIR/bin/$1"-*.c; do
    [ -f "$f" ] || continue
    awk '/struct option [a-z_]*\[\] =/ { on = 1 } on { print } on && /};/ { on = 0 }' "$f"
  done | grep -o '{"[a-z0-9-]*"' | tr -d '{"' | sort -u
}

# The splitmix test-data generator built by make check (the byte stream of
# tests/vectors/README.txt).
SPLITMIX="$PF_BUILDDIR/tests/helpers/splitmix"

# make_input FILE LEN [SEED]: LEN bytes of deterministic test data.
make_input() {
  "$SPLITMIX" "${3:-12345}" "$2" >"$1"
}

# shellcheck disable=SC2034 # WAIT_STATUS is read by the tests
# wait_pid PID [SECONDS]: waits at most SECONDS (default 20) for PID and
# sets WAIT_STATUS to its exit status (124 on timeout, after killing it).
wait_pid() {
  local pid=$1 limit=$((${2:-20} * 20)) i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt $limit ]; do
    sleep 0.05
    i=$((i + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    WAIT_STATUS=124
    return 0
  fi
  WAIT_STATUS=0
  wait "$pid" || WAIT_STATUS=$?
}

# Background processes a test started: add each pid to BG_PIDS, and call
# bg_teardown from the test file's teardown() to kill and reap them.
BG_PIDS=()
bg_teardown() {
  local p
  for p in "${BG_PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${BG_PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  BG_PIDS=()
}
