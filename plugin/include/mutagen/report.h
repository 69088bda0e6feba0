#pragma once
// The result of a mutation run: built by the engine, rendered by reporters/. One MutantReport per
// mutant configuration (operator x class x cluster), aggregating its N mutant instances.
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mutagen {

struct Verdict {
  std::string test;    // "Suite.Test"
  std::string metric;  // measured value name, or "passed" for pass/fail-only tests
  std::string test_set;
  std::vector<double> original;   // per instance
  std::vector<double> mutant;     // per instance (NaN where the evaluation errored)
  std::string better = "higher";  // which direction of the metric is good ("higher" | "lower")
  double p_value = 1;
  double cohens_d = 0;
  double correlation = 0;  // of the pairs (original i, mutant i)
  double power = 0;        // of the rule that decides, for a clearly worse mutant (KillOptions)
  std::string method;   // "exact" | "approx" | "fisher" | "per-input" | "timeout" | "insufficient"
  bool killed = false;  // a timeout counts as killed (detected), as in Stryker
  bool underpowered = false;
  int64_t errors = 0;           // mutant evaluations that threw or crashed
  int64_t timeouts = 0;         // mutant evaluations stopped by the per-test timeout
  int64_t killing_inputs = -1;  // per-input criterion: inputs on which the mutant is worse
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
  // For an untargeted mutant (class -1) the two above are, on the subject's cluster it hits hardest
  // relative to the rest of its class, the misprediction on the cluster's members and on that rest
  // (mean over instances): close values say that even by chance the operator does not target. The
  // held-out fields are NaN then.
  double heldout_misprediction_neg = 0;
  double heldout_misprediction_pos = 0;
  double other_classes_accuracy_change = 0;  // mutant minus original, fraction, mean over classes
  // The other class that lost most (mutant minus original accuracy on the first test set; the
  // average above can hide one class that collapsed).
  double other_classes_worst_change = 0;
  int64_t other_classes_worst_class = -1;
  // What the mutator changed, when it says (Mutator::describe_change): e.g. "conv2" and 37 weights.
  std::string layer;
  int64_t weights_changed = -1;  // -1: not reported by the mutator
  // Mean wall time to make one mutant instance (mutate() alone), measured when it was made and kept
  // in the mutant cache, so a cached run reports what the mutants cost; NaN when unknown.
  double seconds_per_mutant = std::numeric_limits<double>::quiet_NaN();
  bool killable = false;  // killed by the training data
  bool trivial = false;   // killed by >= 90% of the training inputs (DeepCrime)
  std::vector<Verdict> verdicts;
};

struct ScoreReport {
  std::string test_set;
  int64_t killed = 0;
  int64_t killable = 0;
  double score = 0;
  bool gated = true;  // whether this set's score gates the run (Subject::gate_test_sets)
};

// Score bands as in Stryker: a score >= high is good (green), >= low is a warning (yellow), below
// low is bad (red). The gate ("break" in Stryker) is Report::threshold: below it the run fails.
struct Thresholds {
  double high = 0.8;
  double low = 0.6;
};

struct Report {
  std::string subject;
  double alpha = 0.05;
  double effect_size = 0.5;
  int64_t instances = 0;
  std::vector<std::string> test_sets;
  std::vector<MutantReport> mutants;
  std::vector<ScoreReport> scores;
  std::string alternative = "greater";            // of the signed-rank / Fisher tests
  std::string kill_criterion = "wilcoxon-cohen";  // or "per-input" (monotone)
  double power_effect_size = 1.0;
  double threshold = 0;  // the break threshold (the gate), written as thresholds.break too
  Thresholds thresholds;
  // False when the run cannot decide (no mutant is killable): the gate then fails with exit code 2
  // unless the subject allows it, and `undecided_reason` says why.
  bool decided = true;
  std::string undecided_reason;
  bool passed = true;
  int64_t resumed = 0;  // (configuration, instance) results taken from an interrupted run's journal
  std::vector<std::string> errors;
  // Mutants an operator could not make for these models, with the reason (Mutator's NotApplicable):
  // not errors, so they do not fail the run.
  std::vector<std::string> skipped;
  // The originals' fingerprints (what the mutants were made from) and the run's options (flags and
  // subject settings) and wall-clock seconds per phase ("mutants", "evaluation", "total").
  std::vector<std::string> original_fingerprints;
  nlohmann::json options = nlohmann::json::object();
  nlohmann::json timings = nlohmann::json::object();

  // report.json's "format" field: what from_json reads. A report without it (written before it
  // existed) is read as this format.
  static constexpr const char* kFormat = "mutagen-report-v1";

  nlohmann::json to_json() const;
  // Reads what to_json() writes. Throws mutagen::Error naming `source` (a file name), the field
  // (e.g. "mutants[1].verdicts[0].p_value") and what was expected, for foreign or incomplete JSON.
  // Fields that older reports lack (thresholds, timeouts, ...) take their defaults.
  static Report from_json(const nlohmann::json& j, const std::string& source);
};

// Reads and parses a saved report.json: a mutagen::Error names the file for a missing file, text
// that is not JSON (e.g. truncated: "unexpected end of input") and everything Report::from_json
// rejects.
Report read_report(const std::string& path);

}  // namespace mutagen
