#!/usr/bin/env bats
# pf-loss: the options of all three subcommands come from one joined
# struct cli_opt table (bin/cli.h); a name several subcommands describe
# differently has a row per subcommand, and an abbreviation counts as
# long as it is unique among the subcommand's own options.

bats_require_minimum_version 1.5.0
load test_helper

@test "a shared option's --help line is the subcommand's own row" {
  run -0 --separate-stderr pf-loss sweep --help
  [[ "$output" == *"--loss P,..."*"bernoulli, gilbert: mean loss"* ]]
  [[ "$output" == *"-q, --quiet"*"no progress or informational messages"* ]]
  run -0 --separate-stderr pf-loss relay --help
  [[ "$output" == *"--loss P "*"lose each datagram with probability P"* ]]
  [[ "$output" != *"--loss P,..."* ]]
  run -0 --separate-stderr pf-loss drop --help
  [[ "$output" == *"-q, --quiet"*"no counts on standard error"* ]]
  [[ "$output" != *"--loss"* ]]
  # The dispatcher's common options come from the same table.
  run -0 --separate-stderr pf-loss --help
  [[ "$output" == *"--seed N"*"(printed; default random)"* ]]
}

@test "each subcommand's --help has its text in one column" {
  local c cols
  for c in sweep relay drop; do
    run -0 --separate-stderr pf-loss "$c" --help
    cols=$(grep -E '^  (-[A-Za-z], |    )--' <<<"$output" |
      sed -E 's/^(  (-[A-Za-z], |    )--[^ ]+( [^ ]+)?  +).*/\1/' |
      awk '{ print length($0) }' | sort -u)
    [ -n "$cols" ] && [ "$(wc -l <<<"$cols")" -eq 1 ] ||
      { echo "$c: text starts in columns $cols"; return 1; }
  done
}

@test "an abbreviation unique among the subcommand's options is taken" {
  # --fo is --format for sweep although relay has --for; --b is --burst
  # for drop although relay has --blackout-after.
  run -0 --separate-stderr pf-loss sweep -q --frames 1 --period 0 --code gf8 --fo csv --seed 1
  [[ "${lines[0]}" == *,* ]]
  run -2 --separate-stderr pf-loss drop --b 3
  [ "${stderr_lines[0]}" = "pf-loss: --burst needs --rate (the mean loss of the bursts)" ]
  run -2 --separate-stderr pf-loss drop --b=3
  [ "${stderr_lines[0]}" = "pf-loss: --burst needs --rate (the mean loss of the bursts)" ]
  run -2 --separate-stderr pf-loss drop --rate 1% --b
  [ "${stderr_lines[0]}" = "pf-loss: option '--b' needs a value" ]
  # Ambiguous within the subcommand: both names are given.
  run -2 --separate-stderr pf-loss relay --b 1
  [ "${stderr_lines[0]}" = "pf-loss: option '--b' is ambiguous: --burst --blackout-after" ]
}

@test "a flag given a value, and an option before the command, are named" {
  run -2 --separate-stderr pf-loss sweep --help=1
  [ "${stderr_lines[0]}" = "pf-loss: option '--help' takes no value" ]
  run -2 --separate-stderr pf-loss drop --rate 1% --quiet=yes
  [ "${stderr_lines[0]}" = "pf-loss: option '--quiet' takes no value" ]
  # The option, not the value it took.
  run -2 --separate-stderr pf-loss --seed 3 sweep
  [ "${stderr_lines[0]}" = "pf-loss: unknown option '--seed' (options follow the command)" ]
  run -2 --separate-stderr pf-fec --code gf8 encode
  [ "${stderr_lines[0]}" = "pf-fec: unknown option '--code' (options follow the command)" ]
}
