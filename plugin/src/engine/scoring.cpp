#include "scoring.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace mutagen::internal {

void score(Report& report, const std::vector<NamedTestSet>& test_sets,
           const std::vector<std::string>& gated) {
  std::vector<std::string> names;
  for (const auto& s : test_sets) names.push_back(s.name);
  score(report, names, gated);
}

void score(Report& report, const std::vector<std::string>& test_sets,
           const std::vector<std::string>& gated) {
  report.scores.clear();
  int64_t killable = 0;
  for (const auto& mr : report.mutants) killable += mr.killable ? 1 : 0;
  for (const auto& s : test_sets) {
    ScoreReport sr;
    sr.test_set = s;
    sr.gated = gated.empty() || std::find(gated.begin(), gated.end(), s) != gated.end();
    for (const auto& mr : report.mutants) {
      if (!mr.killable) continue;
      ++sr.killable;
      for (const auto& v : mr.verdicts)
        if (v.test_set == s && v.killed) {
          ++sr.killed;
          break;
        }
    }
    sr.score = sr.killable ? static_cast<double>(sr.killed) / static_cast<double>(sr.killable)
                           : std::nan("");
    report.scores.push_back(sr);
  }
  report.decided = killable > 0;
  if (report.mutants.empty()) {
    report.undecided_reason = "no mutant could be made or evaluated" +
                              std::string(report.errors.empty() ? "" : " (see the errors)");
  } else if (killable == 0) {
    report.undecided_reason = "none of the " + std::to_string(report.mutants.size()) +
                              " mutants is killable: the tests on the training data kill none of "
                              "them, so no score can be "
                              "computed. Stronger mutants, more instances (" +
                              std::to_string(report.instances) +
                              " now) or tests that measure what the mutants break would decide";
  } else {
    report.undecided_reason.clear();
  }
  // A run with errors does not pass: its scores count only the mutants that were made and run.
  report.passed = report.decided && report.errors.empty();
  for (const auto& sr : report.scores)
    if (sr.gated && sr.killable > 0 && sr.score < report.threshold) report.passed = false;
}

int gate_exit_code(const Report& report, bool allow_undecided) {
  if (!report.errors.empty()) return 2;
  if (!report.decided) return allow_undecided ? 0 : 2;
  return report.passed ? 0 : 1;
}

}  // namespace mutagen::internal
