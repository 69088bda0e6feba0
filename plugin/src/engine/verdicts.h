#pragma once
// From per-instance outcomes of originals and mutants to verdicts (SPEC 2.6).
#include <string>
#include <vector>

#include "evaluation.h"
#include "mutagen/reporters/report.h"
#include "mutagen/stats.h"

namespace mutagen::internal {

// original[i] / mutant[i]: the outcomes of one test on one set for instance i.
std::vector<Verdict> decide(const std::string& test, const std::string& set,
                            const std::vector<const Outcome*>& original,
                            const std::vector<const Outcome*>& mutant, const KillOptions& options);

}  // namespace mutagen::internal
