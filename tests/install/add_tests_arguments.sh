#!/usr/bin/env bash
# mutagen_add_tests checks its arguments when the user's project is configured, not when ctest
# runs: each case configures a one-target project and expects success or the named error.
# Usage: add_tests_arguments.sh <source dir> <work dir>
set -euo pipefail
src="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
cat > "$work/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(add_tests_arguments CXX)
include($src/cmake/MutagenAddTests.cmake)
enable_testing()
add_executable(my_tests main.cpp)
mutagen_add_tests(my_tests \${CASE})
CMAKE
echo 'int main() { return 0; }' > "$work/main.cpp"
failed=0
check() {  # check "<arguments, ;-separated>" <expected exit: 0 or 1> [message]
  local out rc=0
  out=$(cmake -S "$work" -B "$work/build-$RANDOM" "-DCASE=$1" 2>&1) || rc=1
  out=$(tr -s ' \n' ' ' <<<"$out")  # CMake wraps its messages
  if [[ $rc != "$2" ]] || { [[ -n "${3:-}" ]] && ! grep -qF -- "$3" <<<"$out"; }; then
    echo "FAIL: '$1': exit $rc, expected $2 ${3:+with '$3'}"; echo "$out" | tail -c 600; failed=1
  else
    echo "ok: '$1'"
  fi
}
check "MIN_SCORE;0.8" 0
check "MIN_SCORE;.8" 0
check "MIN_SCORE;1" 0
check "MIN_SCORE;1.5" 1 "MIN_SCORE must be a number in [0, 1], got '1.5'"
check "MIN_SCORE;nan" 1 "MIN_SCORE must be a number in [0, 1]"
check "THRESHOLDS;0.9;0.6;0.5" 0
check "THRESHOLDS;0.6;0.9" 1 "low (0.9) is above high (0.6), expected low <= high"
check "THRESHOLDS;0.9" 1 "THRESHOLDS expects <high> <low> [<break>]"
exit $failed
