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

# help_long_options TOOL: every long option named in `TOOL --help` and,
# for a tool with commands, in `TOOL CMD --help` of each command listed
# under "Commands:" -- what the binary itself says it takes.
help_long_options() {
  local t=$1 top cmds c
  top=$("$t" --help) || return 1
  cmds=$(printf '%s\n' "$top" |
    awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
  {
    printf '%s\n' "$top"
    for c in $cmds; do "$t" "$c" --help || return 1; done
  } | grep -o -e '--[a-z0-9][a-z0-9-]*' | sed 's/^--//' | sort -u
}

# man_long_options MANPAGE: the long options its OPTIONS section defines,
# i.e. those in the tag line after each .TP, up to the next .SH.
man_long_options() {
  awk '/^\.SH / { on = ($2 == "OPTIONS") } on && tag { print; tag = 0 }
       on && /^\.TP/ { tag = 1 }' "$1" |
    grep -o -e '\\-\\-[a-z0-9][a-z0-9-]*' -e '--[a-z0-9][a-z0-9-]*' |
    sed 's/^\(\\-\\-\|--\)//' | sort -u
}

# help_matches_man TOOL MANPAGE: 0 when every long option of TOOL's --help
# (TOOL: a name on PATH or a path) is defined in the man page's OPTIONS
# and vice versa; otherwise prints each difference and returns 1.
help_matches_man() {
  local h m o rv=0
  h=$(help_long_options "$1") || { echo "$1 --help failed"; return 1; }
  m=$(man_long_options "$2")
  [ -n "$h" ] || { echo "$1: no long options in --help"; return 1; }
  for o in $h; do
    grep -qx -e "$o" <<<"$m" ||
      { echo "$1: --$o is in --help but not in the OPTIONS of $2"; rv=1; }
  done
  for o in $m; do
    grep -qx -e "$o" <<<"$h" ||
      { echo "$1: --$o is in the OPTIONS of $2 but not in --help"; rv=1; }
  done
  return $rv
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
