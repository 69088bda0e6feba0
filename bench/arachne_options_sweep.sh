#!/usr/bin/env bash
# arachne-de options outside the suite: `mutagen mutate` on two cached instances x two clusters of
# each target class, a quarter of each cluster and of the rest of the class held out. One row per
# option set: mean seconds, weights changed, held-out I_neg / I_pos misprediction and the other
# classes' (pooled training) accuracy change.
#   [MUTAGEN_SWEEP_DATA=digits|fashion] bench/arachne_options_sweep.sh <build dir> "<options>" ...
#   e.g. bench/arachne_options_sweep.sh build "" "count=40 keep_weight=2"
# digits: the demo's instances and PCA + KMeans clusters of classes 0, 5, 7 (needs a finished demo
# run, build/demo/mutagen-cache). fashion: compare_operators' Fashion-MNIST instances and UMAP +
# HDBSCAN clusters of classes 0, 6 (needs a finished `bench/compare_operators.sh fashion`).
set -euo pipefail
build="$(cd "${1:?build dir}" && pwd)"
shift
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
if [ "${MUTAGEN_SWEEP_DATA:-digits}" = fashion ]; then
  cache="$build/bench-compare/fashion/compare-cache"
  clusters="$cache/clusters.json"
  classes=(0 6)
  # The suite's data: the first 12,000 Fashion-MNIST training images, as plain IDX files.
  /usr/bin/python3 - "${MUTAGEN_FASHION_DIR:-/usr/share/datasets/fashion-mnist}" "$out" <<'PY'
import gzip, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], 12000
def read(name):
    for path in (f"{src}/{name}.gz", f"{src}/{name}"):
        try:
            data = open(path, "rb").read()
            return gzip.decompress(data) if path.endswith(".gz") else data
        except FileNotFoundError:
            pass
    sys.exit(f"{src}/{name}(.gz) not found")
images, labels = read("train-images-idx3-ubyte"), read("train-labels-idx1-ubyte")
open(f"{dst}/images", "wb").write(images[:4] + struct.pack(">I", n) + images[8:16] + images[16:16 + n * 784])
open(f"{dst}/labels", "wb").write(labels[:4] + struct.pack(">I", n) + labels[8:8 + n])
PY
  images="$out/images" labels="$out/labels"
else
  cache="$build/demo/mutagen-cache"
  clusters="$cache/clusters-pca-kmeans.json"
  classes=(0 5 7)
  images="$build/data/digits/train-images-idx3-ubyte" labels="$build/data/digits/train-labels-idx1-ubyte"
fi
mapfile -t instances < <(ls "$cache"/instances/*.pt | sort | head -2)
[ "${#instances[@]}" -eq 2 ] || { echo "no cached instances in $cache/instances" >&2; exit 1; }
echo "| options | mutants | seconds | weights changed | held-out I_neg | held-out I_pos | other classes |"
echo "|---|---|---|---|---|---|---|"
for options in "$@"; do
  opts=(--option layer=auto)
  for o in $options; do opts+=(--option "$o"); done
  : >"$out/rows.jsonl"
  for model in "${instances[@]}"; do
    for cls in "${classes[@]}"; do
      for cluster in 0 1; do
        "$build/bin/mutagen" mutate --operator arachne-de "${opts[@]}" --model "$model" \
          --images "$images" --labels "$labels" \
          --clusters "$clusters" --class "$cls" --cluster "$cluster" \
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
