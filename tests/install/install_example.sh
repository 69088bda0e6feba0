#!/usr/bin/env bash
# Proves find_package(Mutagen) works for a user: installs this build into a temp prefix, builds
# examples/custom_mutator as a separate CMake project against it, and runs its ctest (plain tests + the
# mutation gate from mutagen_add_tests), then checks the report it wrote.
# Usage: install_example.sh <source dir> <build dir> <work dir>
set -euo pipefail
src="$1"; build="$2"; work="$3"
rm -rf "$work/prefix" "$work/example"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# The installed CLI starts on its own (its RUNPATH finds the installed libmutagen).
env -u LD_LIBRARY_PATH "$work/prefix/bin/mutagen" --help >/dev/null
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src/examples/custom_mutator" -B "$work/example" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DMNIST_DIGITS_DIR="$build/data/digits" "${launcher[@]}" >/dev/null
cmake --build "$work/example" >/dev/null
cd "$work/example"
ctest --output-on-failure
# The gate wrote its report; it must list the custom mutator next to TMR, and scores.
/usr/bin/python3 - "$work/example/custom-mutator-report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ops = {m["operator"] for m in r["mutants"]}
assert ops == {"tmr", "last_layer_noise"}, ops
assert r["subject"] == "TinyDigits" and r["instances"] == 5, (r["subject"], r["instances"])
assert r["scores"] and all(s["killable"] > 0 for s in r["scores"]), r["scores"]
assert r["passed"] is True
print("install example: report ok,", len(r["mutants"]), "mutant configurations")
PY
