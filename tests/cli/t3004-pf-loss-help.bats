#!/usr/bin/env bats
# pf-loss: each subcommand's --help and its man-page synopsis list every
# long option of that subcommand's own option table.

bats_require_minimum_version 1.5.0
load test_helper

# cmd_options FILE: the long options of the option table (struct
# cli_opt, which gives both getopt and --help) in bin/FILE, without help
# and version (the man page lists those once).
cmd_options() {
  awk '/struct cli_opt [a-z_]*\[\] =/ { on = 1 } on { print } on && /};/ { on = 0 }' \
    "$PF_SRCDIR/bin/$1" | grep -o '{"[a-z0-9-]*"' | tr -d '{"' |
    grep -v -x -e help -e version
}

# synopsis CMD: the man page's synopsis of "pf-loss CMD".
synopsis() {
  awk -v c="$1" '$0 == ".B pf-loss " c { on = 1; next } on && /^\.br/ { exit } on { print }' \
    "$PF_SRCDIR/doc/man/pf-loss.1"
}

check_cmd() {
  local cmd=$1 file=$2 o opts
  opts=$(cmd_options "$file")
  [ "$(echo "$opts" | wc -l)" -ge 5 ] || { echo "$cmd: options not found"; return 1; }
  run -0 --separate-stderr pf-loss "$cmd" --help
  for o in $opts; do
    [[ "$output" == *"--$o "* ]] || { echo "$cmd --help lacks --$o"; return 1; }
    synopsis "$cmd" | grep -q -e "\\\\-\\\\-$o\\b" ||
      { echo "pf-loss.1: the synopsis of $cmd lacks --$o"; return 1; }
  done
}

@test "pf-loss sweep --help and its synopsis list every sweep option" {
  check_cmd sweep pf-loss-sweep-opts.c
}

@test "pf-loss relay --help and its synopsis list every relay option" {
  check_cmd relay pf-loss-relay-opts.c
}

@test "pf-loss drop --help and its synopsis list every drop option" {
  check_cmd drop pf-loss-drop.c
}

@test "each subcommand refuses the others' options and takes its own" {
  run -2 --separate-stderr pf-loss drop --rate 1% --data-shards 4
  [[ "$stderr" == *"pf-loss: option '--data-shards' does not apply to 'drop'"* ]]
  run -2 --separate-stderr pf-loss sweep -k 4 --stats-json=x.json
  [[ "$stderr" == *"pf-loss: option '--stats-json' does not apply to 'sweep'"* ]]
  run -2 --separate-stderr pf-loss relay --listen 0 --to 127.0.0.1:9 -k 4
  [[ "$stderr" == *"pf-loss: option '--data-shards' does not apply to 'relay'"* ]]
  run -0 pf-loss sweep -q --frames 1 --period 0 --code gf8
}
