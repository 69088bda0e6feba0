#!/usr/bin/env bash
# arachne-de options on the demo's digits, outside the suite: `mutagen mutate` on two cached demo
# instances x the six clusters of classes 0, 5, 7, a quarter of each cluster and of the rest of the
# class held out. One row per option set: mean seconds, weights changed, held-out I_neg / I_pos
# misprediction and the other classes' (pooled training) accuracy change.
#   bench/arachne_options_sweep.sh <build dir> "<options>" ["<options>" ...]
#   e.g. bench/arachne_options_sweep.sh build "" "count=40 keep_weight=2"
# Needs a finished demo run (build/demo/mutagen-cache: instances and the cluster file).
set -euo pipefail
build="$(cd "${1:?build dir}" && pwd)"
shift
cache="$build/demo/mutagen-cache"
data="$build/data/digits"
mapfile -t instances < <(ls "$cache"/instances/*.pt | sort | head -2)
[ "${#instances[@]}" -eq 2 ] || { echo "no cached demo instances in $cache/instances" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "| options | mutants | seconds | weights changed | held-out I_neg | held-out I_pos | other classes |"
echo "|---|---|---|---|---|---|---|"
for options in "$@"; do
  opts=(--option layer=auto)
  for o in $options; do opts+=(--option "$o"); done
  : >"$out/rows.jsonl"
  for model in "${instances[@]}"; do
    for cls in 0 5 7; do
      for cluster in 0 1; do
        "$build/bin/mutagen" mutate --operator arachne-de "${opts[@]}" --model "$model" \
          --images "$data/train-images-idx3-ubyte" --labels "$data/train-labels-idx1-ubyte" \
          --clusters "$cache/clusters-pca-kmeans.json" --class "$cls" --cluster "$cluster" \
          --heldout 0.25 --seed 1 --out "$out/mutant.pt" >>"$out/rows.jsonl"
      done
    done
  done
  /usr/bin/python3 - "$out/rows.jsonl" "${options:-(default: first Pareto front)}" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
avg = lambda k: sum(r[k] for r in rows) / len(rows)
print(f"| {sys.argv[2]} | {len(rows)} | {avg('seconds'):.1f} | {avg('weights_changed'):.0f} | "
      f"{avg('heldout_misprediction_neg'):.1%} | {avg('heldout_misprediction_pos'):.1%} | "
      f"{100 * avg('other_classes_accuracy_change'):+.2f} pts |")
PY
done
