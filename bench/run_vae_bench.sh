#!/usr/bin/env bash
# The VAE reduction (thesis Table 5.1) against the same network in PyTorch (bench/vae_peer.py), on
# Fashion-MNIST train class 0, in one run with the same thread count (default 2; THREADS=1 on a busy
# machine: OpenMP's spinning threads make both sides erratic under load).
# usage: bench/run_vae_bench.sh [BUILD_DIR] [EPOCHS]   (BUILD_DIR configured with -DMUTAGEN_BUILD_BENCH=ON)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
epochs=${2:-5}
export OMP_NUM_THREADS=${THREADS:-2}
bench=$build/bin/bench_vae
[ -x "$bench" ] || { echo "no $bench: configure with -DMUTAGEN_BUILD_BENCH=ON and build bench_vae" >&2; exit 1; }
echo "== peer: PyTorch ($here/vae_peer.py), $OMP_NUM_THREADS thread(s)"
/usr/bin/python3 "$here/vae_peer.py" "$epochs" | tee /tmp/vae_peer.$$.txt
echo "== mutagen ($bench)"
"$bench" --epochs "$epochs" | tee /tmp/vae_ours.$$.txt
val() { grep -o "$1=[0-9.e+-]*" "$2" | head -1 | cut -d= -f2; }
ours=$(val vae_epoch_s /tmp/vae_ours.$$.txt)
peer=$(val peer_vae_epoch_s /tmp/vae_peer.$$.txt)
rm -f /tmp/vae_peer.$$.txt /tmp/vae_ours.$$.txt
awk -v a="$ours" -v b="$peer" 'BEGIN { printf "VAE epoch (6000 images): mutagen %.3f s, PyTorch %.3f s, ratio %.2f\n", a, b, a / b }'
