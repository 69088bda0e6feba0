#pragma once
// Running MUTATION_TEST bodies on one model (an original or a mutant) over the test sets, outside
// RUN_ALL_TESTS: assertion results are intercepted, exceptions recorded, measured values collected.
#include <map>
#include <string>
#include <vector>

#include "mutagen/dataset.h"
#include "mutagen/model.h"
#include "registry.h"

namespace mutagen::internal {

struct Outcome {
  std::map<std::string, MeasuredValue> measures;
  bool passed = true;
  bool skipped = false;
  bool error = false;  // the body threw
  std::string message;
};

struct NamedData {
  std::string name;
  const Dataset* data;
};

// outcomes[test][set]
using Outcomes = std::vector<std::vector<Outcome>>;

// `memo`: predictions already known (keyed by the images' data pointer); filled as tests run.
using PredictionMemo = std::map<const void*, torch::Tensor>;
Outcomes evaluate(const Model& model, const std::vector<const RegisteredTest*>& tests,
                  const std::vector<NamedData>& sets, PredictionMemo& memo);

// The same in a forked child process, so that a test body that crashes (a segfault, an abort) on one
// mutant marks that mutant's outcomes as errors and the run goes on. Falls back to evaluate() when the
// process cannot fork.
Outcomes evaluate_isolated(const Model& model, const std::vector<const RegisteredTest*>& tests,
                           const std::vector<NamedData>& sets, PredictionMemo& memo);

}  // namespace mutagen::internal
