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

# Long options of a tool, read from the getopt_long table in its source:
# every quoted name inside `struct option ... = { ... };`.
tool_long_options() {
  awk '/struct option/ { on = 1 } on { print } on && /};/ { exit }' \
    "$PF_SRCDIR/bin/$1.c" | grep -o '{"[a-z0-9-]*"' | tr -d '{"'
}
