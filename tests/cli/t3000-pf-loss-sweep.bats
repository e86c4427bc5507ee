#!/usr/bin/env bats
# pf-loss sweep: the loss-harness table, the MDS assertion (and that a
# broken decoder fails it), the loss models, CSV/JSON/SVG output, seeds
# (issue #8).

bats_require_minimum_version 1.5.0
load test_helper
load pf_loss_helper

@test "pf-loss sweep with no options prints the loss-harness table: header, 8 drop periods, GF8 and GF16 columns, footer" {
  run -0 --separate-stderr pf-loss sweep --seed 5
  [ -z "$stderr" ]
  [ "${lines[0]}" = "punktfunk loss-harness — 25% FEC, 50 frames of 100000 bytes" ]
  [ "${lines[1]}" = "(GF8 = GameStream-sized blocks, GF16 = native)" ]
  [[ "${lines[2]}" == "model: periodic drop"* ]]
  [ "${lines[3]}" = "drop 1/N | ~loss % | GF8 recovered | GF16 recovered" ]
  [[ "${lines[4]}" =~ ^-+\+-+\+-+\+-+$ ]]
  # One row per period, in the original order, with a cell per code.
  local want=(none 32 16 8 6 4 3 2) i row
  for i in 0 1 2 3 4 5 6 7; do
    row=${lines[$((5 + i))]}
    [[ "$row" =~ ^${want[$i]}\ +\|\ +[0-9.]+\ \|\ +[0-9]+/50\ \|\ +[0-9]+/50$ ]] ||
      { echo "row $i: '$row'"; return 1; }
  done
  [[ "${lines[5]}" =~ \|\ +0\.0\ \|\ +50/50\ \|\ +50/50$ ]]
  [[ "${lines[6]}" =~ \|\ +3\.1\ \| ]]
  [[ "${lines[12]}" =~ \|\ +50\.0\ \|\ +0/50\ \|\ +0/50$ ]]
  [ "${lines[13]}" = "Note: recovery drops off once per-block loss exceeds the 25% recovery budget." ]
  [ "${lines[14]}" = "seed: 5 (replay with --seed 5)" ]
  [ "${#lines[@]}" -eq 15 ]
}

@test "below the 25% budget (drop 1 in 32..6) every frame arrives; at 1 in 4 and worse none does" {
  run -0 pf-loss sweep --seed 1 --format csv
  # series,model,x,nominal,code,...,frames,delivered (columns 10, 11)
  for p in none 32 16 8 6; do
    [ "$(awk -F, -v p="$p" '$3 == p { print $11 }' <<<"$output" | sort -u)" = 50 ] ||
      { echo "period $p"; return 1; }
  done
  for p in 4 3 2; do
    [ "$(awk -F, -v p="$p" '$3 == p { print $11 }' <<<"$output" | sort -u)" = 0 ] ||
      { echo "period $p"; return 1; }
  done
}

@test "pf-loss sweep --expect-mds passes for the whole default sweep" {
  run -0 --separate-stderr pf-loss sweep --expect-mds --seed 11
  [[ "$stderr" == *"MDS property holds"* ]]
}

@test "a broken decoder (PF_LOSS_TEST_BREAK=1) makes --expect-mds fail and names the point" {
  PF_LOSS_TEST_BREAK=1 run -1 --separate-stderr pf-loss sweep --expect-mds --seed 11
  [[ "$stderr" == *"MDS property violated: GF8 at drop 1/N none"* ]]
  [[ "$output" == *"49/50"* ]]
  # Without --expect-mds the damage only shows in the table.
  PF_LOSS_TEST_BREAK=1 run -0 pf-loss sweep --seed 11 --period 0 --code gf8
  grep -Eq '^none +\| +0\.0 \| +49/50$' <<<"$output"
}

@test "--expect-mds holds under Bernoulli and Gilbert-Elliott loss with reordering and duplicates (gf8, gf16)" {
  run -0 pf-loss sweep -q --expect-mds --seed 21 --loss 2%,10%,20% --burst 1,6 \
    --reorder 10% --duplicate 10% --frames 30
  run -0 pf-loss sweep -q --expect-mds --seed 22 --loss 5%,15% --aead none \
    --frame-size 1,1500,300000 --frames 20
}

@test "per-block loss: a block losing M shards is always rebuilt, M+1 never (64+16 and the 34+9 tail)" {
  # 100000 B = 98 shards: blocks of 64+16 and 34+9.
  run -0 pf-loss sweep --expect-mds --seed 4 --per-block 9,10,16,17 --format csv
  [ "$(awk -F, '$3 == 9 { print $11 }' <<<"$output" | sort -u)" = 50 ]
  [ "$(awk -F, '$3 == 10 { print $11 }' <<<"$output" | sort -u)" = 0 ]
  [ "$(awk -F, '$3 == 17 { print $13 }' <<<"$output" | sort -u)" = 0 ]
  # bound_frames (column 13) matches delivered (11) everywhere.
  [ -z "$(awk -F, 'NR > 1 && $11 != $13' <<<"$output")" ]
}

@test "pf-loss sweep --format csv has one row per series and point, all with the header's columns" {
  run -0 pf-loss sweep --seed 2 --format csv --fec-percent 10,25 --period 0,8,4
  [ "${#lines[@]}" -eq $((1 + 2 * 2 * 3)) ]
  [[ "${lines[0]}" == series,model,x,* ]]
  [ "$(awk -F, '{ print NF }' <<<"$output" | sort -u)" = \
    "$(head -n 1 <<<"$output" | awk -F, '{ print NF }')" ]
  grep -q '^"GF16 fec 10%",periodic,8,12.5000,gf16,10,' <<<"$output"
}

@test "pf-loss sweep --format json is valid JSON with every series and point" {
  run -0 pf-loss sweep --seed 2 --format json --loss 1%,5% --code gf16
  if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["seed"] == 2; assert len(d["series"]) == 1; assert len(d["series"][0]["points"]) == 2; assert d["mds_violations"] == 0' <<<"$output"
  else
    [[ "$output" == "{\"tool\":\"pf-loss sweep\""* ]]
    [ "$(grep -o '"x":' <<<"$output" | wc -l)" -eq 2 ]
    [ "$(tr -cd '{' <<<"$output" | wc -c)" -eq "$(tr -cd '}' <<<"$output" | wc -c)" ]
  fi
}

@test "pf-loss sweep --plot writes well-formed SVG: a curve per series, the dashed bound, axes labels and a legend" {
  command -v xmllint >/dev/null || skip "xmllint (libxml2-utils) is not installed"
  run -0 pf-loss sweep -q --seed 3 --plot "$BATS_TEST_TMPDIR/p.svg"
  xmllint --noout "$BATS_TEST_TMPDIR/p.svg"
  # GF8 and GF16 share one loss pattern and one bound.
  [ "$(xmllint --xpath 'count(//*[local-name()="polyline"][@class="series"])' "$BATS_TEST_TMPDIR/p.svg")" -eq 2 ]
  [ "$(xmllint --xpath 'count(//*[local-name()="polyline"][@class="bound"])' "$BATS_TEST_TMPDIR/p.svg")" -eq 1 ]
  xmllint --xpath '//*[local-name()="polyline"][@class="bound"]/@stroke-dasharray' "$BATS_TEST_TMPDIR/p.svg"
  grep -q '>frames delivered (%)</text>' "$BATS_TEST_TMPDIR/p.svg"
  grep -q '>datagrams lost (%, drop 1 of N)</text>' "$BATS_TEST_TMPDIR/p.svg"
  grep -q '>GF16 delivered</text>' "$BATS_TEST_TMPDIR/p.svg"
  grep -q 'RS bound' "$BATS_TEST_TMPDIR/p.svg"
  # 8 points per curve.
  xmllint --xpath 'string(//*[local-name()="polyline"][@class="series"][1]/@points)' \
    "$BATS_TEST_TMPDIR/p.svg" | awk '{ exit NF != 8 }'
}

@test "pf-loss sweep --plot draws one bound per distinct loss pattern (2 bursts x 2 codes)" {
  command -v xmllint >/dev/null || skip "xmllint (libxml2-utils) is not installed"
  run -0 pf-loss sweep -q --seed 3 --loss 5%,10%,20% --burst 1,8 --frames 20 \
    --plot "$BATS_TEST_TMPDIR/p.svg"
  xmllint --noout "$BATS_TEST_TMPDIR/p.svg"
  [ "$(xmllint --xpath 'count(//*[local-name()="polyline"][@class="series"])' "$BATS_TEST_TMPDIR/p.svg")" -eq 4 ]
  [ "$(xmllint --xpath 'count(//*[local-name()="polyline"][@class="bound"])' "$BATS_TEST_TMPDIR/p.svg")" -eq 2 ]
  grep -q '>burst 8 RS bound</text>' "$BATS_TEST_TMPDIR/p.svg"
}

@test "the seed is printed and replays the sweep exactly; another seed gives another sample" {
  run -0 pf-loss sweep --loss 10%,20% --format csv --seed 99 --frames 20
  local first=$output
  run -0 pf-loss sweep --loss 10%,20% --format csv --seed 99 --frames 20
  [ "$output" = "$first" ]
  [[ "$(tail -n 1 <<<"$output")" == *,99 ]]
  run -0 pf-loss sweep --loss 10%,20% --format csv --seed 100 --frames 20
  [ "$output" != "$first" ]
  # Without --seed a random one is chosen and printed.
  run -0 pf-loss sweep --period 0 --frames 1
  [[ "${lines[-1]}" =~ ^seed:\ [0-9]+\ \(replay\ with\ --seed\ [0-9]+\)$ ]]
}

@test "pf-loss sweep writes no progress bar when stderr is not a terminal" {
  run -0 --separate-stderr pf-loss sweep --frames 3 --seed 1
  [ -z "$stderr" ]
}
