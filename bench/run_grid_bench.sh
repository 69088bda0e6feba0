#!/usr/bin/env bash
# The per-class clustering grid on Fashion-MNIST train class 0 (6000 x 784): mutagen's "peer" preset
# against the Python tool chain it mirrors, in one run.
#   peer: /work/shared/peers/bench_grid.py (scikit-learn + umap-learn: scalings none, standard,
#         minmax, /255; PCA95 and UMAP-2; KMeans, agglomerative ward/complete/average, GMM
#         full/tied/diag/spherical, k 2..5; silhouette for each), 600 s budget (it extrapolates
#         the scalings it did not reach and says so).
#   ours: bench_grid --grid peer --classes 0 (the same grid; wall, CPU and peak memory), then the
#         same preset on all ten classes.
# usage: bench/run_grid_bench.sh [BUILD_DIR] [--thesis]
#   BUILD_DIR configured with -DMUTAGEN_BUILD_BENCH=ON (default: build); needs python3-sklearn
#   umap-learn dataset-fashion-mnist (Debian). --thesis also times the thesis preset on class 0 and
#   on all ten classes (peak memory included). Run it on an otherwise idle machine: both sides use
#   the same cores, one after the other.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
thesis=${2:-}
peers=${MUTAGEN_PEERS_DIR:-$(cd "$here/../../shared/peers" && pwd)}
bench=$build/bin/bench_grid
[ -x "$bench" ] || { echo "no $bench: configure with -DMUTAGEN_BUILD_BENCH=ON and build bench_grid" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "== peer: scikit-learn + umap-learn ($peers/bench_grid.py 600)"
/usr/bin/time -f "peer_cpu_s=%U+%S peer_wall_s=%e peer_peak_rss_kb=%M" \
  /usr/bin/python3 "$peers/bench_grid.py" 600 2>&1 | grep -v -i "warn" | tee peer.txt
echo
echo "== mutagen: $bench --grid peer --classes 0"
"$bench" --grid peer --classes 0 --table ours_peer.csv | tee ours.txt
echo

peer_total=$(grep -o "full grid estimate [0-9.]*" peer.txt | awk '{print $4}')
peer_measured=$(grep -o "^measured [0-9.]*" peer.txt | awk '{print $2}')
peer_cpu=$(grep -o "peer_cpu_s=[0-9.+]*" peer.txt | cut -d= -f2 | bc)
ours_wall=$(grep -o "grid_wall_s=[0-9.]*" ours.txt | cut -d= -f2)
ours_cpu=$(grep -o "grid_cpu_s=[0-9.]*" ours.txt | cut -d= -f2)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "== summary (one class, ratio = mutagen / peer, lower is better; target <= 0.2)"
printf "peer grid:  wall %7.1f s (measured %s s, full-grid estimate %s s), cpu %7.1f s\n" \
  "$peer_total" "$peer_measured" "$peer_total" "$peer_cpu"
printf "mutagen:    wall %7.1f s, cpu %7.1f s\n" "$ours_wall" "$ours_cpu"
printf "ratio wall (ours / peer full-grid estimate): %s\n" "$(ratio "$ours_wall" "$peer_total")"
printf "ratio wall (ours / SPEC.md's 250 s): %s\n" "$(ratio "$ours_wall" 250)"
echo
echo "== mutagen: $bench --grid peer --classes all (target: under 10 minutes)"
"$bench" --grid peer --classes all | tail -1

if [ "$thesis" = "--thesis" ]; then
  echo
  echo "== mutagen: thesis preset, class 0"
  # Trained VAEs are kept in $VAE_CACHE: the first run includes their training, later runs encode.
  vae_cache=${VAE_CACHE:-$HOME/.cache/mutagen/vae}
  "$bench" --grid thesis --classes 0 --vae-cache "$vae_cache" --table ours_thesis0.csv | tail -25
  echo
  echo "== mutagen: thesis preset, all ten classes"
  "$bench" --grid thesis --classes all --vae-cache "$vae_cache" | tail -3
fi
