#!/usr/bin/env bash
# TMR, Arachne-style and DeepMutation++ side by side (issues 13 and 16): runs
# compare_operators on the digits and on Fashion-MNIST, each in its own folder under
# build/bench-compare, and prints the per-operator tables (bench/compare_operators.py).
#   bench/compare_operators.sh [digits] [fashion]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MUTAGEN_BUILD_DIR:-$here/build}"
datasets=("$@")
[ ${#datasets[@]} -gt 0 ] || datasets=(digits fashion)
for data in "${datasets[@]}"; do
  out="$build/bench-compare/$data"
  mkdir -p "$out"
  (cd "$out" && MUTAGEN_COMPARE_DATA="$data" "$build/bin/compare_operators" --mutagen_run \
    --mutagen_report="$out/report.json" --mutagen_report_dir="$out" >"$out/run.log" 2>&1) || true
  echo "## $data"
  /usr/bin/python3 "$here/bench/compare_operators.py" "$out/report.json" --per-config
  echo
done
