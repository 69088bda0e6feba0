#!/usr/bin/env bash
# The thesis CNN in mutagen against the same CNN in PyTorch, same machine, same run (issue 17):
# ours (bench_cnn_vs_pytorch) and the peer (../shared/peers/bench_cnn.py adam, with Debian's
# /usr/bin/python3 and python3-torch) one after the other, alternating, twice; then a table of
# the timings and the ratios ours / PyTorch. The load average is printed before and after: the
# machine may be shared.
#
#   bench/run_cnn_bench.sh BUILD_DIR [TRAIN_IMAGES=60000] [OUR_TORCH_THREADS=library default]
# TRAIN_IMAGES only narrows our epoch; the peer always trains over all 60,000 images (its
# per-image rate is what the table compares when they differ).
set -euo pipefail
build=${1:?usage: run_cnn_bench.sh BUILD_DIR [TRAIN_IMAGES]}
images=${2:-60000}
threads=${3:-0}
here=$(cd "$(dirname "$0")" && pwd)
peers=${PEERS_DIR:-$here/../../shared/peers}
python=${PYTHON:-/usr/bin/python3}
bin=$build/bin/bench_cnn_vs_pytorch
out=$(mktemp -d)
echo "load before: $(uptime)"
echo "cores: $(nproc); OMP_NUM_THREADS=${OMP_NUM_THREADS-<unset>} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS-<unset>}"
for round in 1 2; do
  echo "round $round: mutagen" >&2
  "$bin" /usr/share/datasets/fashion-mnist "$images" "$threads" >"$out/ours$round.json"
  echo "round $round: PyTorch" >&2
  mkdir -p "$out/peer$round"
  (cd "$out/peer$round" && PYTHONPATH="$peers" "$python" "$peers/bench_cnn.py" adam >log.txt 2>&1)
  cp "$out/peer$round/res_cnn_adam.json" "$out/peer$round.json"
done
echo "load after: $(uptime)"
"$python" - "$out" <<'EOF'
import json, sys
d = sys.argv[1]
print("| round | step | mutagen | PyTorch | ours / PyTorch |")
print("| --- | --- | --- | --- | --- |")
for r in (1, 2):
    o = json.load(open(f"{d}/ours{r}.json")); p = json.load(open(f"{d}/peer{r}.json"))
    n = o["train_images"]; pe = p["epoch"]
    # The peer's epoch over n images: measured when it trained n (all 60,000), else its rate.
    peer_epoch = pe["epoch_s"] * n / 60000 if n != 60000 else pe["epoch_s"]
    rows = [
        (f"epoch, {n} images, batch 128, Adam", o["epoch_s"], peer_epoch),
        ("inference 10k, batch 128, median of 3", o["infer"]["bs128"]["median_s"], p["infer_bs128"]["median_s"]),
        ("inference 10k, batch 1000, median of 3", o["infer"]["bs1000"]["median_s"], p["infer_bs1000"]["median_s"]),
        ("one TMR mutant (5 x 500 + 1 x 1000), median of 3", o["tmr"]["median_s"], p["tmr"]["median_s"]),
    ]
    for name, a, b in rows:
        print(f"| {r} | {name} | {a:.2f} s | {b:.2f} s | {a / b:.2f} |")
    print(f"| {r} | test accuracy after the epoch (batch 128) | {o['infer']['bs128']['test_acc']:.4f} | "
          f"{p['infer_bs128']['test_acc']:.4f} | |")
o = json.load(open(f"{d}/ours1.json")); p = json.load(open(f"{d}/peer1.json"))
print(f"threads: mutagen torch {o['threads']['torch']}, BLAS {o['threads']['blas']} "
      f"(runtime tuning {o['threads']['runtime_tuning']}, {o['threads']['cores']} cores); "
      f"PyTorch torch.set_num_threads({p['threads']}), mkldnn {p['mkldnn']}; versions {p['versions']}")
print(f"raw results: {d}")
EOF
