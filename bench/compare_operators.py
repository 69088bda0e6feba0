#!/usr/bin/python3
"""Summarises a compare_operators report (bench/compare/compare_operators.cpp) per operator.

  compare_operators.py REPORT.json [--per-config]

Table 1 (issue 16): per operator, the share of mutants that are killable (killed by the training
data), trivial (DeepCrime: break >= 90% of the inputs the original gets right), killed by the strong
and by the weak test set, the scores MS_strong / MS_weak over killable mutants, the sensitivity
(MS_strong - MS_weak) / MS_strong, the misprediction inside vs outside the target cluster
(untargeted operators: on the subject's cluster each mutant hits hardest relative to the rest of its
class), and the accuracy drop on the strong test set. Table 2 (issue 13, the thesis's Tables 5.7-5.9): per operator and configuration, seconds
per mutant, held-out I_neg / I_pos mispredicted, other classes' test accuracy change.
"""
import json
import math
import statistics
import sys


def label(m):
    o = m["options"]
    if m["operator"] == "tmr":
        return "tmr " + o.get("schedule", "")
    if m["operator"] == "arachne-noise":
        t = o.get("target_misprediction", 0) or 0
        return f"arachne-noise target {t:g}" if t > 0 else f"arachne-noise sigma {o.get('sigma', 1):g}"
    if m["operator"] == "arachne-de" and o.get("count", 0):
        keep = o.get("keep_weight", 1) or 1
        return (f"arachne-de count {o['count']}" + (f" keep_weight {keep:g}" if keep != 1 else "")
                + (" balanced" if o.get("balance") else "")
                + (f" {o['generations']} generations" if o.get("generations", 25) != 25 else "")
                + (f" patience {o['patience']}" if o.get("patience", 10) != 10 else "")
                + (f" keep_margin {o['keep_margin']:g}" if o.get("keep_margin") else "")
                + (f" neg_score {o['neg_score']}" if o.get("neg_score", "loss") != "loss" else ""))
    return m["operator"]


def mean(xs):
    xs = [x for x in xs if x is not None and not (isinstance(x, float) and math.isnan(x))]
    return statistics.fmean(xs) if xs else float("nan")


def pct(x):
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def killed_on(m, test_set):
    vs = [v for v in m["verdicts"] if v["test_set"] == test_set]
    return any(v["killed"] for v in vs) if vs else None


def accuracy_drop(m, test_set):
    for v in m["verdicts"]:
        if v["test_set"] == test_set and v["metric"] == "accuracy":
            return mean(v["original"]) - mean(v["mutant"])
    return float("nan")


def main():
    report = json.load(open(sys.argv[1]))
    per_config = "--per-config" in sys.argv
    groups = {}
    for m in report["mutants"]:
        groups.setdefault(label(m), []).append(m)
    skipped = report.get("skipped", [])
    print(f"{len(report['mutants'])} mutant configurations x {report['instances']} instances; "
          f"run {report['timings']['total'] / 60:.1f} min")
    print()
    print("| operator | mutants | killable | trivial | killed by strong | killed by weak | MS strong "
          "| MS weak | sensitivity | mispredicted in cluster | outside (rest of class) | accuracy "
          "drop (strong) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, ms in groups.items():
        n = len(ms)
        killable = [m for m in ms if m["killable"]]
        strong = [m for m in killable if killed_on(m, "strong")]
        weak = [m for m in killable if killed_on(m, "weak")]
        ms_strong = len(strong) / len(killable) if killable else float("nan")
        ms_weak = len(weak) / len(killable) if killable else float("nan")
        sens = (ms_strong - ms_weak) / ms_strong if killable and ms_strong > 0 else float("nan")
        print(f"| {name} | {n} | {pct(len(killable) / n)} | {pct(sum(m['trivial'] for m in ms) / n)} "
              f"| {sum(1 for m in ms if killed_on(m, 'strong'))}/{n} "
              f"| {sum(1 for m in ms if killed_on(m, 'weak'))}/{n} | {pct(ms_strong)} | {pct(ms_weak)} "
              f"| {'n/a' if math.isnan(sens) else f'{sens:.2f}'} "
              f"| {pct(mean([m['misprediction_neg'] for m in ms]))} "
              f"| {pct(mean([m['misprediction_pos'] for m in ms]))} "
              f"| {100 * mean([accuracy_drop(m, 'strong') for m in ms]):.2f} pts |")
    print()
    print("| operator | seconds per mutant | held-out I_neg mispredicted | held-out I_pos mispredicted "
          "| other classes' test accuracy change | worst other class |")
    print("|---|---|---|---|---|---|")
    for name, ms in groups.items():
        if ms[0]["class"] < 0:
            hn = hp = "n/a (untargeted)"
        else:
            hn = pct(mean([m["heldout_misprediction_neg"] for m in ms]))
            hp = pct(mean([m["heldout_misprediction_pos"] for m in ms]))
        worst = min(ms, key=lambda m: m["other_classes_worst_change"]
                    if m["other_classes_worst_change"] is not None else 0)
        secs = mean([m.get("seconds_per_mutant") for m in ms])
        print(f"| {name} | {'n/a' if math.isnan(secs) else f'{secs:.1f}'} | {hn} | {hp} "
              f"| {100 * mean([m['other_classes_accuracy_change'] for m in ms]):+.2f} pts "
              f"| class {worst['other_classes_worst_class']}: "
              f"{100 * (worst['other_classes_worst_change'] or 0):+.2f} pts |")
    if per_config:
        print()
        print("| operator | class | cluster | I_neg | I_pos | seconds | held-out I_neg | held-out I_pos "
              "| other classes |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, ms in groups.items():
            for m in ms:
                if m["class"] < 0:
                    continue
                secs = m.get("seconds_per_mutant")
                print(f"| {name} | {m['class']} | {m['cluster']} | {m['i_neg']} | {m['i_pos']} "
                      f"| {'n/a' if secs is None else f'{secs:.1f}'} "
                      f"| {pct(m['heldout_misprediction_neg'])} | {pct(m['heldout_misprediction_pos'])} "
                      f"| {100 * m['other_classes_accuracy_change']:+.2f} pts |")
    if skipped:
        print()
        print("Skipped (not applicable):")
        for s in skipped:
            print(f"- {s}")


if __name__ == "__main__":
    main()
