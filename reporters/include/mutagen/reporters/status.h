#pragma once
// What reporters derive from verdicts: a mutant's status (Stryker's vocabulary) and score bands.
#include <string>

#include "mutagen/report.h"

namespace mutagen {

enum class MutantStatus {
  kKilled,       // a verdict killed it (statistically, or per input)
  kSurvived,     // killable, and no verdict killed it
  kNotKillable,  // the training data does not kill it: outside the score (Stryker's NoCoverage)
  kTimeout,      // killed only by verdicts whose evaluations timed out (detected, as in Stryker)
  kError,        // not killed, and some evaluations threw or crashed
};

// Over the verdicts of `test_set` (all verdicts when empty).
MutantStatus mutant_status(const MutantReport& m, const std::string& test_set = "");
// Whether any verdict of `m` is on `test_set` (a set can be skipped for one mutant).
bool has_verdicts(const MutantReport& m, const std::string& test_set);
// "killed", "survived", "not killable", "timeout", "error".
std::string status_name(MutantStatus s);

enum class ScoreBand { kHigh, kMedium, kLow, kBelowBreak, kUndefined };
// >= thresholds.high, >= thresholds.low, >= threshold (break), below it, or NaN (nothing killable).
ScoreBand score_band(const Report& r, double score);
std::string band_name(ScoreBand b);  // "high", "medium", "low", "below break", "n/a"

// What the run's gate says, as the exit codes do: errors (some mutants could not be made or
// evaluated; exit 2) first, then undecided (nothing killable; exit 2), then passed or failed.
// Errors win over a passing score: the score then counts only the mutants that ran.
enum class RunResult { kPassed, kFailed, kUndecided, kErrors };
RunResult run_result(const Report& r);
std::string result_name(RunResult r);  // "PASSED", "FAILED", "UNDECIDED", "ERRORS"
// One line saying why, for all but kPassed and kFailed: the undecided reason, or how many errors.
std::string result_reason(const Report& r);

}  // namespace mutagen
