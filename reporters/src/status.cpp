// Mutant status from verdicts, and score bands from the thresholds.
#include "mutagen/reporters/status.h"

#include <cmath>

namespace mutagen {

MutantStatus mutant_status(const MutantReport& m, const std::string& test_set) {
  if (!m.killable) return MutantStatus::kNotKillable;
  bool killed = false, timed_out = false;
  int64_t errors = 0;
  for (const auto& v : m.verdicts) {
    if (!test_set.empty() && v.test_set != test_set) continue;
    if (v.killed) (v.method == "timeout" ? timed_out : killed) = true;
    errors += v.errors;
  }
  if (killed) return MutantStatus::kKilled;
  if (timed_out) return MutantStatus::kTimeout;
  return errors > 0 ? MutantStatus::kError : MutantStatus::kSurvived;
}

bool has_verdicts(const MutantReport& m, const std::string& test_set) {
  for (const auto& v : m.verdicts)
    if (v.test_set == test_set) return true;
  return false;
}

std::string status_name(MutantStatus s) {
  switch (s) {
    case MutantStatus::kKilled:
      return "killed";
    case MutantStatus::kSurvived:
      return "survived";
    case MutantStatus::kNotKillable:
      return "not killable";
    case MutantStatus::kTimeout:
      return "timeout";
    case MutantStatus::kError:
      return "error";
  }
  return "unknown";
}

ScoreBand score_band(const Report& r, double score) {
  if (!std::isfinite(score)) return ScoreBand::kUndefined;
  if (score < r.threshold) return ScoreBand::kBelowBreak;
  if (score >= r.thresholds.high) return ScoreBand::kHigh;
  if (score >= r.thresholds.low) return ScoreBand::kMedium;
  return ScoreBand::kLow;
}

std::string band_name(ScoreBand b) {
  switch (b) {
    case ScoreBand::kHigh:
      return "high";
    case ScoreBand::kMedium:
      return "medium";
    case ScoreBand::kLow:
      return "low";
    case ScoreBand::kBelowBreak:
      return "below break";
    case ScoreBand::kUndefined:
      return "n/a";
  }
  return "n/a";
}

RunResult run_result(const Report& r) {
  if (!r.errors.empty()) return RunResult::kErrors;
  if (!r.decided) return RunResult::kUndecided;
  return r.passed ? RunResult::kPassed : RunResult::kFailed;
}

std::string result_name(RunResult r) {
  switch (r) {
    case RunResult::kPassed:
      return "PASSED";
    case RunResult::kFailed:
      return "FAILED";
    case RunResult::kUndecided:
      return "UNDECIDED";
    case RunResult::kErrors:
      return "ERRORS";
  }
  return "ERRORS";
}

std::string result_reason(const Report& r) {
  switch (run_result(r)) {
    case RunResult::kErrors:
      return std::to_string(r.errors.size()) + (r.errors.size() == 1 ? " error" : " errors") +
             ": mutants or evaluations that failed are missing from the scores, so the gate "
             "cannot pass";
    case RunResult::kUndecided:
      return r.undecided_reason;
    default:
      return "";
  }
}

}  // namespace mutagen
