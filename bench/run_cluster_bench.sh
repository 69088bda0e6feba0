#!/usr/bin/env bash
# UMAP + HDBSCAN on Fashion-MNIST train class 0 (6000 x 784): mutagen against its peers, in one run.
#   peers: /work/shared/peers/bench_cluster.py (umap-learn, its 2-d embedding -> umap2.csv) and
#          hdbscan_bench.R (R dbscan::hdbscan(minPts = 200)), run on umap-learn's embedding and on ours.
# usage: bench/run_cluster_bench.sh [BUILD_DIR]
#   BUILD_DIR configured with -DMUTAGEN_BUILD_BENCH=ON (default: build); needs python3-sklearn umap-learn
#   python3-scipy python3-pynndescent r-cran-dbscan dataset-fashion-mnist.
# Prints both sides' times (median of 3), trustworthiness (k = 5, on the same normalised data) and the
# ratios ours / theirs. Run it on an otherwise idle machine: both sides use the same 2 cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
peers=${MUTAGEN_PEERS_DIR:-$(cd "$here/../../shared/peers" && pwd)}
bench=$build/bin/bench_umap_hdbscan
[ -x "$bench" ] || { echo "no $bench: configure with -DMUTAGEN_BUILD_BENCH=ON and build bench_umap_hdbscan" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "== peer: umap-learn ($peers/bench_cluster.py)"
/usr/bin/python3 "$peers/bench_cluster.py" 2>&1 | grep -v -i "warn" | tee peer.txt
echo
echo "== mutagen ($bench)"
"$bench" --out ours_umap2.csv --peer umap2.csv | tee ours.txt
echo
echo "== peer: R dbscan ($peers/hdbscan_bench.R) on umap-learn's and on mutagen's embedding"
Rscript "$peers/hdbscan_bench.R" umap2.csv ours_umap2.csv | tee r.txt
echo

val() { grep -o "$1=[0-9.e+-]*" "$2" | head -1 | cut -d= -f2; }
peer_umap=$(grep "UMAP nc=2" peer.txt | sed -E 's/.*warm median=([0-9.]+)s.*/\1/')
peer_umap_first=$(grep "UMAP nc=2" peer.txt | sed -E 's/.*first[^=]*=([0-9.]+)s.*/\1/')
ours_umap=$(val umap_median_s ours.txt)
ours_trust=$(val umap_trustworthiness ours.txt)
peer_trust=$(val peer_umap_trustworthiness ours.txt)
ours_hdb=$(val hdbscan_median_s ours.txt)
ours_hdb_peer=$(val hdbscan_on_peer_median_s ours.txt)
r_hdb_peer=$(grep "^umap2.csv" r.txt | sed -E 's/.*median=([0-9.]+)s.*/\1/')
r_hdb_ours=$(grep "^ours_umap2.csv" r.txt | sed -E 's/.*median=([0-9.]+)s.*/\1/')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "== summary (seconds, median of 3; ratio = mutagen / peer, lower is better)"
printf "UMAP 2-d            mutagen %6.3f   umap-learn %6.3f warm (%s first call)   ratio %s\n" \
  "$ours_umap" "$peer_umap" "$peer_umap_first" "$(ratio "$ours_umap" "$peer_umap")"
printf "trustworthiness k=5 mutagen %6.4f   umap-learn %6.4f\n" "$ours_trust" "$peer_trust"
printf "HDBSCAN(200) ours   mutagen %6.3f   R dbscan   %6.3f   ratio %s\n" \
  "$ours_hdb" "$r_hdb_ours" "$(ratio "$ours_hdb" "$r_hdb_ours")"
printf "HDBSCAN(200) peer's mutagen %6.3f   R dbscan   %6.3f   ratio %s\n" \
  "$ours_hdb_peer" "$r_hdb_peer" "$(ratio "$ours_hdb_peer" "$r_hdb_peer")"
