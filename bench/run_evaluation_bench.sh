#!/bin/bash
# The evaluation part of a mutation run against its floor (issue 17): the demo's run twice in a
# fresh folder (the first makes the instances and mutants, the second finds them all cached, so its
# time is evaluation), then a plain libtorch forward pass of the same data with the same
# architecture (bench_evaluation_floor). Prints mutants per minute and the ratio
#   evaluation seconds (forward passes + test bodies, the report's timings.evaluation)
#   / (models evaluated x the floor's seconds per model).
# Usage: bench/run_evaluation_bench.sh BUILD_DIR [WORK_DIR]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
work=${2:-$build/bench-evaluation}
rm -rf "$work" && mkdir -p "$work"
echo "load before: $(uptime)"
for run in first cached; do
  (cd "$work" && "$build/bin/mnist_digits_demo" --mutagen_run --mutagen_report="$work/$run.json" \
    --mutagen_reporters=json >"$work/$run.out" 2>"$work/$run.err") || true
done
"$build/bin/bench_evaluation_floor" "$build/data/digits" >"$work/floor.json"
echo "load after: $(uptime)"
/usr/bin/python3 - "$work" <<'PY'
import json, sys
d = sys.argv[1]
floor = json.load(open(f"{d}/floor.json"))
print(f"floor: one plain forward pass over train {floor['train']} + strong {floor['strong']} + weak "
      f"{floor['weak']} images = {floor['floor_seconds_per_model']:.3f} s per model "
      f"(batch {floor['batch'] or 'whole set'}, {floor['torch_threads']} torch threads)")
print("| run | mutant instances | total | mutants per minute | evaluation | models evaluated | floor x models | evaluation / floor |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for run in ("first", "cached"):
    r = json.load(open(f"{d}/{run}.json"))
    t = r["timings"]
    made = len(r["mutants"]) * r["instances"]
    models = t["evaluations"] / len(r["test_sets"])
    fl = models * floor["floor_seconds_per_model"]
    print(f"| {run} | {made} | {t['total']:.1f} s | {60 * made / t['total']:.1f} | {t['evaluation']:.1f} s "
          f"| {models:.0f} | {fl:.1f} s | {t['evaluation'] / fl:.2f} |")
PY
