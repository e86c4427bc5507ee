# pf_fec_helper.bash -- shell helpers for the pf-fec tests (t1xxx), loaded
# after test_helper.  Plain bash, dd and od: no python or awk needed to
# drop, damage or splice shard records.

# skip_unless_code gf8|gf16: skips the test when the library cannot
# create that coder (e.g. a build without the GF(2^16) kernels yet).
skip_unless_code() {
  local err
  err=$(pf-fec encode --code "$1" -k 2 -m 2 --shard-size 64 </dev/null 2>&1 >/dev/null) ||
    skip "pf-fec cannot create the $1 coder here: $err"
}

# record_table STREAM: "offset length block index status" lines, no
# header, from `pf-fec info --records`.
record_table() {
  pf-fec info --records <"$1" | grep -v '^#'
}

# drop_records IN OUT PATTERN...: copies the records of IN to OUT except
# those whose "block:index" matches one of the glob PATTERNs ("1:3",
# "2:*").  Uses the offsets `pf-fec info --records` reports.
drop_records() {
  local in=$1 out=$2 off len blk idx _status pat keep table
  shift 2
  table="$BATS_TEST_TMPDIR/records.$$.tsv"
  record_table "$in" >"$table" || return 1
  : >"$out"
  while IFS=$'\t' read -r off len blk idx _status; do
    keep=1
    for pat in "$@"; do
      # shellcheck disable=SC2053 # glob match on purpose
      [[ "$blk:$idx" == $pat ]] && keep=0
    done
    [ "$keep" = 1 ] || continue
    copy_range "$in" "$off" "$len" >>"$out" || return 1
  done <"$table"
}

# copy_range FILE OFFSET LENGTH: those bytes of FILE on stdout.
copy_range() {
  dd if="$1" bs=65536 iflag=skip_bytes,count_bytes skip="$2" count="$3" \
    status=none
}

# flip_byte FILE OFFSET: inverts every bit of one byte in place.
flip_byte() {
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  [ -n "$b" ] || return 1
  # shellcheck disable=SC2059 # the format is the escaped byte
  printf "\\$(printf '%03o' $((b ^ 255)))" |
    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# set_byte FILE OFFSET VALUE: overwrites one byte in place.
set_byte() {
  # shellcheck disable=SC2059
  printf "\\$(printf '%03o' "$3")" |
    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# hex FILE: lowercase hex of the whole file on one line.
hex() {
  od -An -v -tx1 "$1" | tr -d ' \n'
}
