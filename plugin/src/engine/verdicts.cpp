#include "verdicts.h"

#include <cmath>
#include <limits>
#include <set>

namespace mutagen::internal {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Verdict measured_verdict(const std::string& test, const std::string& metric, const std::string& set,
                         const std::vector<const Outcome*>& original,
                         const std::vector<const Outcome*>& mutant, const KillOptions& options) {
  Verdict v;
  v.test = test;
  v.metric = metric;
  v.test_set = set;
  std::vector<double> a, b;  // oriented so that larger is better
  for (size_t i = 0; i < original.size(); ++i) {
    auto o = original[i]->measures.find(metric);
    auto m = mutant[i]->measures.find(metric);
    const double ov = o == original[i]->measures.end() ? kNaN : o->second.value;
    const double mv = (m == mutant[i]->measures.end() || mutant[i]->error) ? kNaN : m->second.value;
    if (mutant[i]->error) ++v.errors;
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
    return v;
  }
  const KillDecision d = decide_kill(a, b, options);
  v.p_value = d.p_value;
  v.cohens_d = d.cohens_d;
  v.power = d.power;
  v.method = d.method;
  v.killed = d.killed;
  v.underpowered = d.underpowered;
  return v;
}

// Tests that measure nothing: pass counts of originals vs mutants, Fisher's exact test; killed when
// significantly fewer mutants pass.
Verdict pass_fail_verdict(const std::string& test, const std::string& set,
                          const std::vector<const Outcome*>& original,
                          const std::vector<const Outcome*>& mutant, const KillOptions& options) {
  Verdict v;
  v.test = test;
  v.metric = "passed";
  v.test_set = set;
  int64_t op = 0, of = 0, mp = 0, mf = 0;
  for (size_t i = 0; i < original.size(); ++i) {
    v.original.push_back(original[i]->passed ? 1.0 : 0.0);
    v.mutant.push_back(mutant[i]->error ? kNaN : (mutant[i]->passed ? 1.0 : 0.0));
    if (mutant[i]->error) ++v.errors;
    (original[i]->passed ? op : of)++;
    (mutant[i]->passed ? mp : mf)++;
  }
  v.method = "fisher";
  v.p_value = fisher_exact(op, of, mp, mf);
  v.killed = v.p_value < options.alpha() && mp < op;
  return v;
}
}  // namespace

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
    for (const auto& m : metrics) out.push_back(measured_verdict(test, m, set, original, mutant, options));
  }
  return out;
}

}  // namespace mutagen::internal
