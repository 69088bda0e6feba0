#pragma once
// The fixed small report the golden files are rendered from: three test sets (train, strong, weak),
// one mutant of each status (killed, survived, not killable, timeout, error) over two classes.
#include <limits>
#include <string>

#include "mutagen/report.h"

namespace mutagen::testing_support {

inline Verdict fixture_verdict(const std::string& set, double p, double d, double power,
                               bool killed, std::vector<double> mutant) {
  Verdict v;
  v.test = "Digits.Accuracy";
  v.metric = "accuracy";
  v.test_set = set;
  v.original = {0.91, 0.92, 0.9};
  v.mutant = std::move(mutant);
  v.p_value = p;
  v.cohens_d = d;
  v.correlation = 0.25;
  v.power = power;
  v.method = "exact";
  v.killed = killed;
  return v;
}

inline MutantReport fixture_mutant(const std::string& id, int64_t cls, int64_t cluster,
                                   double mis_neg, bool killable) {
  MutantReport m;
  m.id = id;
  m.operator_name = "tmr";
  m.options = {{"schedule", "mixed"}, {"epochs", 5}};
  m.cls = cls;
  m.cluster = cluster;
  m.i_neg = 40 + 10 * cluster;
  m.i_pos = 300;
  m.misprediction_neg = mis_neg;
  m.misprediction_pos = 0.02;
  m.heldout_misprediction_neg = mis_neg / 2;
  m.heldout_misprediction_pos = 0.03;
  m.other_classes_accuracy_change = -0.004;
  m.other_classes_worst_change = -0.012;
  m.other_classes_worst_class = 3;
  m.killable = killable;
  m.layer = "0,2,5,7";  // TMR retrains every layer with weights
  m.weights_changed = 8490 + cluster;
  m.seconds_per_mutant = 2.5 + cluster;
  return m;
}

inline Report fixture_report() {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  Report r;
  r.subject = "digits_cnn";
  r.instances = 3;
  r.test_sets = {"train", "strong", "weak"};
  MutantReport killed = fixture_mutant("tmr-c0-k0-aaaa0001", 0, 0, 0.9, true);
  killed.verdicts = {fixture_verdict("train", 0.0001, 3.1, 0.97, true, {0.5, 0.52, 0.49}),
                     fixture_verdict("strong", 0.002, 2.4, 0.91, true, {0.7, 0.71, 0.69}),
                     fixture_verdict("weak", 0.004, 1.9, 0.88, true, {0.8, 0.81, 0.79})};
  MutantReport survived = fixture_mutant("tmr-c0-k1-bbbb0002", 0, 1, 0.4, true);
  survived.verdicts = {fixture_verdict("train", 0.01, 1.2, 0.8, true, {0.85, 0.86, 0.84}),
                       fixture_verdict("strong", 0.03, 0.9, 0.62, true, {0.88, 0.9, 0.87}),
                       fixture_verdict("weak", 0.4, 0.1, 0.35, false, {0.91, 0.91, 0.9})};
  MutantReport not_killable = fixture_mutant("tmr-c7-k0-cccc0003", 7, 0, 0.05, false);
  not_killable.verdicts = {fixture_verdict("train", 0.6, 0.05, 0.2, false, {0.91, 0.92, 0.9})};
  MutantReport timeout = fixture_mutant("tmr-c7-k1-dddd0004", 7, 1, 0.7, true);
  Verdict t = fixture_verdict("strong", kNaN, kNaN, kNaN, true, {kNaN, kNaN, kNaN});
  t.method = "timeout";
  t.timeouts = 3;
  timeout.verdicts = {t};
  MutantReport error = fixture_mutant("tmr-c7-k2-eeee0005", 7, 2, 0.6, true);
  Verdict e = fixture_verdict("strong", 0.5, 0.0, 0.1, false, {0.9, kNaN, 0.91});
  e.errors = 1;
  error.verdicts = {e};
  r.mutants = {killed, survived, not_killable, timeout, error};
  r.scores = {{"train", 2, 4, 0.5}, {"strong", 3, 4, 0.75}, {"weak", 1, 4, 0.25}};
  r.threshold = 0.5;
  r.thresholds.high = 0.7;
  r.thresholds.low = 0.4;
  r.passed = true;
  r.errors = {"tmr-c7-k2-eeee0005: instance 1: evaluation threw <std::bad_alloc> & stopped"};
  return r;
}

}  // namespace mutagen::testing_support
