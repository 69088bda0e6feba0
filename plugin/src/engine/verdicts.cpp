#include "verdicts.h"

#include <cmath>
#include <limits>
#include <set>

namespace mutagen::internal {

namespace {
constexpr double kNoMeasure = std::numeric_limits<double>::quiet_NaN();

int64_t count_timeouts(const std::vector<const Outcome*>& mutant) {
  int64_t n = 0;
  for (const Outcome* m : mutant) n += m->timeout ? 1 : 0;
  return n;
}

// Timeouts are detected mutants: the verdict is "timeout" and killed, whatever the values say.
void apply_timeouts(Verdict& v) {
  if (v.timeouts == 0) return;
  v.method = "timeout";
  v.killed = true;
}

Verdict measured_verdict(const std::string& test, const std::string& metric, const std::string& set,
                         const std::vector<const Outcome*>& original,
                         const std::vector<const Outcome*>& mutant, const KillOptions& options) {
  Verdict v;
  v.test = test;
  v.metric = metric;
  v.test_set = set;
  v.timeouts = count_timeouts(mutant);
  v.power = kNoMeasure;
  std::vector<double> a, b;  // oriented so that larger is better
  for (size_t i = 0; i < original.size(); ++i) {
    auto o = original[i]->measures.find(metric);
    auto m = mutant[i]->measures.find(metric);
    const bool mutant_failed = mutant[i]->error || mutant[i]->timeout;
    const double ov = o == original[i]->measures.end() ? kNoMeasure : o->second.value;
    const double mv =
        (m == mutant[i]->measures.end() || mutant_failed) ? kNoMeasure : m->second.value;
    if (mutant[i]->error) ++v.errors;
    if (o != original[i]->measures.end() && o->second.better == Better::kLower) v.better = "lower";
    v.original.push_back(ov);
    v.mutant.push_back(mv);
    if (std::isfinite(ov) && std::isfinite(mv)) {
      const double sign = o->second.better == Better::kLower ? -1.0 : 1.0;
      a.push_back(sign * ov);
      b.push_back(sign * mv);
    }
  }
  if (a.size() < 2) {
    v.method = "insufficient";
    apply_timeouts(v);
    return v;
  }
  const KillDecision d = decide_kill(a, b, options);
  v.p_value = d.p_value;
  v.cohens_d = d.cohens_d;
  v.correlation = d.correlation;
  v.power = d.power;
  v.method = d.method;
  v.killed = d.killed;
  v.underpowered = d.underpowered;
  apply_timeouts(v);
  return v;
}

// Tests that measure nothing: pass counts of originals vs mutants, Fisher's exact test (with the
// contract's alternative); killed when significantly fewer mutants pass.
Verdict pass_fail_verdict(const std::string& test, const std::string& set,
                          const std::vector<const Outcome*>& original,
                          const std::vector<const Outcome*>& mutant, const KillOptions& options) {
  Verdict v;
  v.test = test;
  v.metric = "passed";
  v.test_set = set;
  v.timeouts = count_timeouts(mutant);
  int64_t op = 0, of = 0, mp = 0, mf = 0;
  for (size_t i = 0; i < original.size(); ++i) {
    v.original.push_back(original[i]->passed ? 1.0 : 0.0);
    v.mutant.push_back(mutant[i]->error ? kNoMeasure : (mutant[i]->passed ? 1.0 : 0.0));
    if (mutant[i]->error) ++v.errors;
    (original[i]->passed ? op : of)++;
    (mutant[i]->passed ? mp : mf)++;
  }
  const Alternative alt = options.wilcoxon().alternative();
  v.method = "fisher";
  v.p_value = fisher_exact(op, of, mp, mf, alt);
  v.killed = v.p_value < options.alpha() * (1 - 1e-9) && mp * (op + of) < op * (mp + mf);
  // Power for mutants that pass half as often as the originals did.
  const double pass_rate = op + of > 0 ? static_cast<double>(op) / static_cast<double>(op + of) : 0;
  v.power = fisher_rule_power(op + of, mp + mf, pass_rate, pass_rate / 2, options.alpha(), alt);
  v.underpowered = v.power < options.min_power();
  apply_timeouts(v);
  return v;
}
}  // namespace

std::string alternative_name(Alternative a) {
  switch (a) {
    case Alternative::kTwoSided:
      return "two-sided";
    case Alternative::kGreater:
      return "greater";
    case Alternative::kLess:
      return "less";
  }
  return "?";
}

std::vector<Verdict> decide(const std::string& test, const std::string& set,
                            const std::vector<const Outcome*>& original,
                            const std::vector<const Outcome*>& mutant, const KillOptions& options) {
  std::set<std::string> metrics;
  for (const Outcome* o : original)
    for (const auto& [name, _] : o->measures) metrics.insert(name);
  std::vector<Verdict> out;
  if (metrics.empty()) {
    out.push_back(pass_fail_verdict(test, set, original, mutant, options));
  } else {
    for (const auto& m : metrics)
      out.push_back(measured_verdict(test, m, set, original, mutant, options));
  }
  return out;
}

Verdict decide_per_input(const std::string& set, const std::vector<int64_t>& original_correct,
                         const std::vector<int64_t>& mutant_correct, int64_t instances,
                         const KillOptions& options) {
  Verdict v;
  v.test = "(inputs)";
  v.metric = "correct";
  v.test_set = set;
  v.method = "per-input";
  v.power = kNoMeasure;
  const PerInputKill k = per_input_kill(original_correct, mutant_correct, instances, instances,
                                        options.alpha(), options.wilcoxon().alternative());
  v.p_value = k.min_p;
  v.killed = k.killed;
  v.killing_inputs = k.killing_inputs;
  return v;
}

}  // namespace mutagen::internal
