#!/usr/bin/env bash
# Regenerates results/baselines/<stem>.json for every shipped scenario (scenarios/*.toml), the
# baselines .ci/run checks each run against with `geosim check`. Run it after any change to
# the model that moves a metric, and commit the baselines with that change.
#
#   scripts/update-baselines.sh            # every shipped scenario
#   scripts/update-baselines.sh three-regions pbs-quorum
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --release
bin=./target/release/geosim
stems=("$@")
if [ ${#stems[@]} -eq 0 ]; then
  for f in scenarios/*.toml; do stems+=("$(basename "$f" .toml)"); done
fi
for stem in "${stems[@]}"; do
  out="target/baselines/$stem"
  # The scenario path as CI types it: it is part of report.json.
  "$bin" run "scenarios/$stem.toml" --out "$out" --no-charts --quiet > /dev/null
  "$bin" check "$out/report.json" --baseline "results/baselines/$stem.json" --update | tail -n 1
done
