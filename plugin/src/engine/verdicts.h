#pragma once
// From per-instance outcomes of originals and mutants to verdicts (SPEC 2.6, and the statistical
// contract in mutagen/stats.h).
#include <string>
#include <vector>

#include "evaluation.h"
#include "mutagen/report.h"
#include "mutagen/stats.h"

namespace mutagen::internal {

// original[i] / mutant[i]: the outcomes of one test on one set for instance i. A mutant instance
// whose body timed out makes the verdict "timeout", which counts as killed (detected, as in Stryker).
std::vector<Verdict> decide(const std::string& test, const std::string& set,
                            const std::vector<const Outcome*>& original,
                            const std::vector<const Outcome*>& mutant, const KillOptions& options);

// The monotone criterion on one test set: original_correct[j] / mutant_correct[j] = how many
// instances classify input j correctly (KillCriterion::kPerInput).
Verdict decide_per_input(const std::string& set, const std::vector<int64_t>& original_correct,
                         const std::vector<int64_t>& mutant_correct, int64_t instances,
                         const KillOptions& options);

std::string alternative_name(Alternative a);

}  // namespace mutagen::internal
