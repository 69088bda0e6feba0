#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, integration, the installed-package
# example) through ctest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MUTAGEN_BUILD_DIR:-$here/build}"
"$here/scripts/setup.sh"
"$here/scripts/build.sh"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
cd "$build"
ctest --output-on-failure --parallel "${MUTAGEN_JOBS:-$(nproc)}" --timeout 900 "$@"
