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
  bool error = false;    // the body threw, or its process crashed
  bool timeout = false;  // stopped by the per-test timeout
  std::string message;
  double seconds = 0;  // wall time of the body
};

struct NamedData {
  std::string name;
  const Dataset* data;
};

// outcomes[test][set]
using Outcomes = std::vector<std::vector<Outcome>>;

// In this process, one body after the other. `memo`: predictions already known; filled as tests run.
Outcomes evaluate(const Model& model, const std::vector<const RegisteredTest*>& tests,
                  const std::vector<NamedData>& sets, PredictionMemo& memo);

// The same in forked child processes on one torch thread, for originals and mutants alike (the same
// process kind and thread count, so a measured value differs between them only through the model).
// Each (test, set) body is a unit: one that crashes its process (a segfault, an abort) is marked an
// error and one that runs past timeouts[test][set] seconds (<= 0: no limit) is killed and marked a
// timeout; either way a new child goes on with the next unit. Throws mutagen::Error when no process
// can be started (pipe or fork fails): never a silent fallback to running in this process.
Outcomes evaluate_isolated(const Model& model, const std::vector<const RegisteredTest*>& tests,
                           const std::vector<NamedData>& sets, PredictionMemo& memo,
                           const std::vector<std::vector<double>>& timeouts = {});

// Outcomes as JSON and back (the child's messages, the run journal); values round-trip exactly.
nlohmann::json outcome_to_json(const Outcome& o);
Outcome outcome_from_json(const nlohmann::json& j);
nlohmann::json outcomes_to_json(const Outcomes& outcomes);
Outcomes outcomes_from_json(const nlohmann::json& j);

}  // namespace mutagen::internal
