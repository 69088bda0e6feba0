#pragma once
// Mutation scores and the CI gate. A mutant is killable when the tests on the training data kill it
// (DeepCrime); a test set's score is killed / killable. A run where nothing is killable cannot
// decide anything: it is "undecided" and fails the gate (exit 2) unless the subject allows it.
#include <string>
#include <vector>

#include "mutagen/report.h"
#include "mutagen/subject.h"

namespace mutagen::internal {

// Fills report.scores, report.decided / undecided_reason and report.passed from report.mutants.
// `gated`: the test sets whose score gates the run (empty: all).
void score(Report& report, const std::vector<NamedTestSet>& test_sets,
           const std::vector<std::string>& gated = {});
// The same from the test sets' names (what a merge of partial reports knows).
void score(Report& report, const std::vector<std::string>& test_sets,
           const std::vector<std::string>& gated = {});

// 2 on errors or an undecided run (unless allowed), 1 below the threshold, else 0.
int gate_exit_code(const Report& report, bool allow_undecided);

}  // namespace mutagen::internal
