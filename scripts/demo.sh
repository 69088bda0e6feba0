#!/usr/bin/env bash
# The main job: the whole pipeline on MNIST digits. Trains 5 small CNN instances (cached), clusters
# classes 0, 5 and 7, makes TMR mutants with both schedules (and arachne-de mutants of class 0), runs
# the example test suite on a strong and a weak test set, decides kills, prints the tables and writes
# build/demo/report.json.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MUTAGEN_BUILD_DIR:-$here/build}"
"$here/scripts/setup.sh"
# Only what the demo runs (the CLI converts the digits); the test command builds everything.
MUTAGEN_BUILD_TARGETS="mutagen_cli mnist_digits_demo" "$here/scripts/build.sh"
mkdir -p "$build/demo"
cd "$build/demo"
set +e
"$build/bin/mnist_digits_demo" --mutagen_run --mutagen_report="$build/demo/report.json" "$@"
rc=$?
set -e
echo "demo: report written to $build/demo/report.json (exit code $rc)"
# The shape to expect (README): per schedule, held-out members of the target cluster vs held-out members
# of the other clusters, other classes' accuracy change; and strong vs weak scores.
/usr/bin/python3 - "$build/demo/report.json" <<'PY' || true
import json, sys
r = json.load(open(sys.argv[1]))
groups = [("tmr " + s, lambda m, s=s: m["operator"] == "tmr" and m["options"].get("schedule") == s)
          for s in ("mixed", "sequential")] + [("arachne-de", lambda m: m["operator"] == "arachne-de")]
for sched, member in groups:
    ms = [m for m in r["mutants"] if member(m)]
    if not ms:
        continue
    avg = lambda k: sum(m[k] for m in ms) / len(ms)
    hn, hp = avg("heldout_misprediction_neg"), avg("heldout_misprediction_pos")
    worst = min(ms, key=lambda m: m["other_classes_worst_change"])
    print(f"demo: {sched:14s} held-out cluster mispredicted {hn:6.1%}, held-out rest of class {hp:6.1%}"
          f" (ratio {hn / max(hp, 1e-9):5.1f}x), other classes {100 * avg('other_classes_accuracy_change'):+.2f} points"
          f" (worst: class {worst['other_classes_worst_class']} {100 * worst['other_classes_worst_change']:+.2f})")
for s in r["scores"]:
    score = "n/a" if s["score"] is None else f"{s['score']:.1%}"
    print(f"demo: mutation score on '{s['test_set']}': {s['killed']}/{s['killable']} = {score}")
if not r.get("decided", True):
    print(f"demo: UNDECIDED: {r['undecided_reason']}")
PY
exit $rc
