#!/usr/bin/env bats
# pf-loss: usage errors exit 2 with a message naming the problem
# (issue #8).

bats_require_minimum_version 1.5.0
load test_helper

# usage_error MESSAGE ARGS...: pf-loss ARGS exits 2, nothing on stdout,
# "pf-loss: MESSAGE" on stderr.
usage_error() {
  local msg=$1
  shift
  run -2 --separate-stderr pf-loss "$@"
  [ -z "$output" ] || { echo "stdout: $output"; return 1; }
  [[ "$stderr" == *"pf-loss: $msg"* ]] || { echo "stderr: $stderr"; return 1; }
}

# usage_error_usage MESSAGE ARGS...: as usage_error, and the usage is
# printed on stderr too.
usage_error_usage() {
  usage_error "$@" || return 1
  [[ "$stderr" == *"Usage: pf-loss"* ]] || { echo "no usage: $stderr"; return 1; }
}

@test "pf-loss without a command, or with an unknown one, exits 2" {
  run -2 --separate-stderr pf-loss
  [[ "$stderr" == "Usage: pf-loss"* ]]
  usage_error_usage "unknown command 'bogus'" bogus
  usage_error_usage "unknown option '-q' (options follow the command)" -q
}

@test "pf-loss <command> --help prints that command's usage on stdout" {
  for c in sweep relay drop; do
    run -0 --separate-stderr pf-loss "$c" --help
    [[ "$output" == "Usage: pf-loss $c "* ]]
    [ -z "$stderr" ]
  done
  run -0 pf-loss help
  [[ "$output" == *"sweep"*"relay"*"drop"* ]]
}

@test "an option of another command is refused, naming it" {
  usage_error_usage "option '--plot' does not apply to 'drop'" drop --plot x.svg --rate 1%
  usage_error_usage "option '--listen' does not apply to 'sweep'" sweep --listen 1
  usage_error_usage "option '--expect-mds' does not apply to 'relay'" relay --expect-mds
  usage_error_usage "unknown option '--netem'" relay --netem
}

@test "pf-loss sweep rejects bad values and mixed models" {
  usage_error "invalid loss '150%'" sweep --loss 150%
  usage_error "invalid loss '5'" sweep --loss 5
  usage_error "invalid loss '1%,,2%'" sweep --loss 1%,,2%
  usage_error "the bernoulli model does not use the other models' options" sweep --period 4 --loss 5%
  usage_error "the per-block model does not use" sweep --model per-block --loss 5%
  usage_error "invalid model 'netem'" sweep --model netem
  usage_error "invalid code 'gf7'" sweep --code gf7
  usage_error "invalid FEC percent '91'" sweep --fec-percent 91
  usage_error "invalid shard size '1023'" sweep --shard-size 1023
  usage_error "invalid format 'xml'" sweep --format xml
  usage_error "invalid seed '-1'" sweep --seed -1
  usage_error "invalid frame count '0'" sweep --frames 0
  usage_error_usage "unexpected argument 'extra'" sweep extra
  usage_error_usage "option '--period' needs a value" sweep --period
}

@test "pf-loss sweep refuses a block the code cannot carry" {
  run -2 --separate-stderr pf-loss sweep -k 250 --code gf8
  [[ "$stderr" == *"pf-loss: sweep: 250 data shards per block with 25% FEC need 313 shards, more than gf8 allows (255)"* ]]
  run -0 pf-loss sweep -k 250 --code gf16 --frames 2 --period 0
}

@test "pf-loss relay rejects missing addresses, bad durations and block-based loss" {
  usage_error "relay needs --listen" relay --to 127.0.0.1:9
  usage_error "relay needs --listen" relay --listen 0
  usage_error "invalid delay '5parsecs'" relay --listen 0 --to 127.0.0.1:9 --delay 5parsecs
  usage_error "invalid rate '1T'" relay --listen 0 --to 127.0.0.1:9 --rate 1T
  usage_error "a blackout needs both --blackout-after" relay --listen 0 --to 127.0.0.1:9 --blackout-after 1s
  usage_error_usage "option '--per-block' does not apply to 'relay'" relay --listen 0 --to 127.0.0.1:9 --per-block 2
  usage_error "choose one loss model" relay --listen 0 --to 127.0.0.1:9 --loss 1% --period 4
  usage_error "--loss takes one value here" relay --listen 0 --to 127.0.0.1:9 --loss 1%,2%
  usage_error "invalid direction 'up'" relay --listen 0 --to 127.0.0.1:9 --dir up
  usage_error "invalid I/O backend 'epoll'" relay --listen 0 --to 127.0.0.1:9 --io epoll
  usage_error "invalid wake-early time '1s'" relay --listen 0 --to 127.0.0.1:9 --wake-early 1s
  usage_error "invalid wake-early time 'soon'" relay --listen 0 --to 127.0.0.1:9 --wake-early soon
  usage_error_usage "option '--wake-early' does not apply to 'drop'" drop --rate 0.1 --wake-early 1ms
}

@test "pf-loss relay reports a target it cannot use with exit 1" {
  run -1 --separate-stderr pf-loss relay --listen 127.0.0.1:0 --to example.com:9 --duration 1
  [[ "$stderr" == *"pf-loss: relay: cannot open a socket to example.com:9:"* ]]
}

@test "pf-loss drop needs exactly one model" {
  usage_error "drop needs a model" drop
  usage_error "choose one loss model" drop --rate 0.1 --period 3
  usage_error "--burst needs --rate" drop --burst 4
  usage_error "invalid drop rate '2'" drop --rate 2
}
