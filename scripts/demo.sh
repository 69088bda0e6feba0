#!/usr/bin/env bash
# The main job: the whole pipeline on MNIST digits. Trains 5 small CNN instances (cached), clusters
# classes 0, 5 and 7, makes TMR mutants with both schedules, runs the example test suite on a strong and
# a weak test set, decides kills, prints the tables and writes build/demo/report.json.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MUTAGEN_BUILD_DIR:-$here/build}"
"$here/scripts/setup.sh"
"$here/scripts/build.sh"
mkdir -p "$build/demo"
cd "$build/demo"
set +e
"$build/bin/mnist_digits_demo" --mutagen_run --mutagen_report="$build/demo/report.json" "$@"
rc=$?
set -e
echo "demo: report written to $build/demo/report.json (exit code $rc)"
exit $rc
