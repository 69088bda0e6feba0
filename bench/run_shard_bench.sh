#!/bin/bash
# Sharded mutation runs against the unsharded one, in CPU seconds (user + system of each process and
# the test-body processes it forks and waits for): the example's run (examples/custom_mutator:
# 5 instances, 3 configurations, 2 tests x 3 sets) unsharded, then as 1, 2 and 3 shards one after
# the other, each shard count with a fresh mutant cache shared by its shards, plus the merge.
# Usage: bench/run_shard_bench.sh BUILD_DIR [WORK_DIR]
# MUTAGEN_SHARD_BENCH_EXE=mnist_digits_demo runs the demo instead (about 5 CPU-minutes per run).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
work=${2:-$build/bench-shards}
exe=$build/bin/${MUTAGEN_SHARD_BENCH_EXE:-custom_mutator_example}
cli=$build/bin/mutagen
rm -rf "$work" && mkdir -p "$work"

# cpu LABEL DIR COMMAND...: runs COMMAND in DIR, appends "LABEL cpu_seconds wall_seconds".
cpu() {
  local label=$1 dir=$2
  shift 2
  (cd "$dir" && /usr/bin/time -f "%U %S %e" -o "$work/time.txt" "$@" >"$work/$label.out" 2>"$work/$label.err") || true
  read -r user sys wall <"$work/time.txt"
  echo "$label $(echo "$user + $sys" | bc) $wall" >>"$work/times.txt"
}

mkdir -p "$work/unsharded"
cpu unsharded "$work/unsharded" "$exe" --mutagen_run --mutagen_report=report.json --mutagen_reporters=json
for n in 1 2 3; do
  mkdir -p "$work/n$n"
  for k in $(seq 1 "$n"); do
    cpu "n$n-shard$k" "$work/n$n" "$exe" --mutagen_run --mutagen_shard="$k/$n" \
      --mutagen_report=report.json
  done
  cpu "n$n-merge" "$work/n$n" "$cli" merge $(for k in $(seq 1 "$n"); do echo "report-shard-$k-of-$n.json"; done) --out merged.json
done

awk '
  $1 == "unsharded" { base = $2; printf "%-10s %8.1f s CPU  %7.1f s wall\n", "unsharded", $2, $3 }
  $1 ~ /^n[0-9]/ { split($1, p, "-"); cpu[p[1]] += $2; wall[p[1]] += $3; if (p[2] == "merge") merge[p[1]] = $2 }
  END {
    for (n = 1; n <= 3; ++n) {
      key = "n" n
      printf "%d shard(s) %8.1f s CPU  %7.1f s wall  (merge %.2f s)  ratio %.3f\n", n, cpu[key], wall[key], merge[key], cpu[key] / base
    }
  }' "$work/times.txt"
