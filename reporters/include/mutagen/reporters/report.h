#pragma once
// The result of a mutation run: what reporters render. One MutantReport per mutant configuration
// (operator x class x cluster), aggregating its N mutant instances.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mutagen {

struct Verdict {
  std::string test;      // "Suite.Test"
  std::string metric;    // measured value name, or "passed" for pass/fail-only tests
  std::string test_set;
  std::vector<double> original;  // per instance
  std::vector<double> mutant;    // per instance (NaN where the evaluation errored)
  double p_value = 1;
  double cohens_d = 0;
  double power = 0;
  std::string method;   // "exact" | "approx" | "fisher"
  bool killed = false;
  bool underpowered = false;
  int64_t errors = 0;   // evaluations that threw
};

struct MutantReport {
  std::string id;
  std::string operator_name;
  nlohmann::json options = nlohmann::json::object();
  int64_t cls = 0;
  int64_t cluster = 0;
  int64_t i_neg = 0;  // mean size over instances (rounded)
  int64_t i_pos = 0;
  double misprediction_neg = 0;  // fraction of I_neg the mutant mispredicts (mean over instances)
  double misprediction_pos = 0;
  double heldout_misprediction_neg = 0;
  double heldout_misprediction_pos = 0;
  double other_classes_accuracy_change = 0;  // mutant minus original, fraction
  bool killable = false;   // killed by the training data
  bool trivial = false;    // killed by >= 90% of the training inputs (DeepCrime)
  std::vector<Verdict> verdicts;
};

struct ScoreReport {
  std::string test_set;
  int64_t killed = 0;
  int64_t killable = 0;
  double score = 0;
};

struct Report {
  std::string subject;
  double alpha = 0.05;
  double effect_size = 0.5;
  int64_t instances = 0;
  std::vector<std::string> test_sets;
  std::vector<MutantReport> mutants;
  std::vector<ScoreReport> scores;
  double threshold = 0;
  bool passed = true;
  std::vector<std::string> errors;

  nlohmann::json to_json() const;
};

}  // namespace mutagen
