#!/usr/bin/env bash
# Runs the fuzz targets, one after another (one fuzzing process at a time).
#   tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS [READER...]    READER: idx csv clusters model report (default all)
# BUILD_DIR holds the fuzz_<reader> binaries (tests/fuzz/CMakeLists.txt). Each target runs over the
# corpus in tests/fuzz/corpus/<reader> plus SECONDS of fuzzing, starting again after a crash inside
# libtorch; new inputs go to BUILD_DIR/work/<reader>, findings to
# BUILD_DIR/findings/<reader>. Each finding is replayed and sorted by where it happened: in our code
# (mutagen::, plugin/src, or an exception other than mutagen::Error: exit status 1) or inside libtorch
# (reported, not fixable here; see tests/fuzz/README.md). Keep new coverage in the repository with
#   BUILD_DIR/fuzz_<reader> -merge=1 tests/fuzz/corpus/<reader> BUILD_DIR/work/<reader>
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:?usage: run_fuzz.sh BUILD_DIR SECONDS [READER...]}"
seconds="${2:?usage: run_fuzz.sh BUILD_DIR SECONDS [READER...]}"
shift 2
readers=("$@")
((${#readers[@]})) || readers=(idx csv clusters model report)

# Replays finding $1 of target $2 and sorts it: prints "ours", "torch" or "gone" (no longer reproduces)
# and the report's key lines after it.
classify() {
  local report where
  report=$(TMPDIR="$build" timeout 120 "$2" -timeout=20 -rss_limit_mb=3072 "$1" 2>&1)
  # The first stack frame that is ours or libtorch's says whose bug it is.
  where=$(grep -E "^ +#[0-9]+ " <<<"$report" |
    grep -m1 -oE "libtorch[a-z_]*\.so|libc10\.so|mutagen::|plugin/src")
  if ! grep -qE "fuzz finding|ERROR: |ALARM: " <<<"$report"; then
    echo gone
  elif grep -q "fuzz finding" <<<"$report" || ! grep -qE "libtorch|libc10" <<<"$where"; then
    echo ours
    grep -E "fuzz finding|ERROR: |^ +#[0-9]+ .*(mutagen::|plugin/src)" <<<"$report" | head -n 6
  else
    echo torch
    echo "$(grep -m1 -oE "ERROR: [A-Za-z]+: [A-Za-z-]+" <<<"$report") at" \
      "$(grep -E "^ +#[0-9]+ " <<<"$report" | grep -m1 -oE " in [^(]*\(" | sed 's/ in //; s/($//')"
  fi
}

status=0
for r in "${readers[@]}"; do
  bin="$build/fuzz_$r"
  [ -x "$bin" ] || { echo "run_fuzz: $bin missing (build tests/fuzz first)" >&2; exit 2; }
  work="$build/work/$r" findings="$build/findings/$r" log="$build/fuzz_$r.log"
  mkdir -p "$work" "$findings"
  : >"$log"
  dict=()
  [ -f "$here/$r.dict" ] && dict=("-dict=$here/$r.dict")
  # One process; after a crash inside libtorch (which libFuzzer stops at) it starts again on the
  # remaining time, keeping what it learnt in $work. A finding in our code ends the run.
  ours=0 torch=0 execs=0 start=$SECONDS last=""
  while :; do
    left=$((seconds - (SECONDS - start)))
    ((left > 0)) || break
    before=$(ls "$findings")
    # TMPDIR: the targets' scratch files (one per process) stay in the build tree.
    TMPDIR="$build" "$bin" -max_total_time="$left" -timeout=20 -rss_limit_mb=3072 -max_len=65536 \
      -print_final_stats=1 "${dict[@]}" -artifact_prefix="$findings/" "$work" "$here/corpus/$r" \
      >>"$log" 2>&1
    rc=$?
    runs=$(grep -oE "stat::number_of_executed_units: [0-9]+" "$log" | tail -n1 | grep -oE "[0-9]+$")
    execs=$((execs + ${runs:-0}))
    last=$(grep -E "^#[0-9]+.*cov: [0-9]+" "$log" | tail -n1)
    ((rc == 0)) && break
    new=$(comm -13 <(echo "$before") <(ls "$findings"))
    [ -n "$new" ] || { echo "  fuzz_$r stopped (exit $rc) without a finding, see $log"; status=1; break; }
    for name in $new; do
      result=$(classify "$findings/$name" "$bin")
      case "$(head -n1 <<<"$result")" in
        torch) torch=$((torch + 1)); echo "  inside libtorch (not ours): $findings/$name: $(tail -n1 <<<"$result")" ;;
        gone) echo "  did not reproduce (flaky): $findings/$name" ;;
        *) ours=$((ours + 1)); echo "  FINDING in our code: $findings/$name"
           tail -n +2 <<<"$result" | sed 's/^/    /' ;;
      esac
    done
    ((ours == 0)) || break
  done
  echo "fuzz_$r: $execs execs in $((SECONDS - start)) s; last status: $(sed -E "s/.*(cov: )/\1/" <<<"$last")"
  echo "fuzz_$r: $ours finding(s) in our code, $torch crash(es) inside libtorch (log $log)"
  ((ours == 0)) || status=1
done
exit $status
