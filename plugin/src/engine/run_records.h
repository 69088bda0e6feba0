#pragma once
// What a mutation run measured, apart from how it is summarised: the plan (the report's header, the
// tests, the sets, the kill rule, the mutant configurations) and one record per (configuration,
// instance). The unsharded run and `mutagen merge` both turn plan + records into the report with
// assemble_report(), so n merged shards give the unsharded run's report to the bit. A shard writes
// them as a partial report (to_partial_json), the merge reads them back (partial_from_json).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "evaluation.h"
#include "mutagen/report.h"
#include "mutagen/stats.h"
#include "targeting.h"

namespace mutagen::internal {

// What one instance (original or mutant) did: its test outcomes and, per set, which inputs it
// classifies correctly ('1'/'0' per input; the per-input criterion counts them over instances).
struct InstanceResult {
  Outcomes outcomes;
  std::vector<std::string> correct;
  InstanceTargeting targeting;
  bool cached = false;

  nlohmann::json to_json() const;
  static InstanceResult from_json(const nlohmann::json& j);
};

struct PlannedConfig {
  std::string id;
  std::string operator_name;
  nlohmann::json options = nlohmann::json::object();
  int64_t cls = -1;
  int64_t cluster = -1;
};

struct RunPlan {
  // subject, kill settings, instances, test sets (train first), thresholds, originals'
  // fingerprints, options; no mutants, scores or errors yet.
  Report header;
  std::vector<std::string> tests;  // full names, in evaluation order
  std::vector<std::string> gated;  // Subject::gate_test_sets (empty: all)
  KillOptions kill;
  bool allow_undecided = false;
  std::vector<PlannedConfig> configs;
};

// A configuration that could not be made or evaluated on an instance.
struct Failure {
  int64_t instance = 0;
  bool skipped = false;  // NotApplicable: not an error
  std::string message;
};

struct RunRecords {
  std::map<int64_t, InstanceResult> originals;                    // by instance
  std::map<std::pair<int64_t, int64_t>, InstanceResult> mutants;  // by (config, instance)
  std::map<int64_t, Failure> failures;  // by config: the failure on the lowest instance
  int64_t resumed = 0;
  // Keeps the failure of the lowest instance, as an unsharded run (which stops there) reports it.
  void fail(int64_t config, Failure f);
};

// The report: verdicts, targeting summaries, errors (originals' first, then per configuration),
// skipped configurations and scores. Every original and, for each configuration without a failure,
// every instance must have a record (mutagen::Error otherwise). Timings are left empty.
Report assemble_report(const RunPlan& plan, const RunRecords& records);

// A shard's partial report: format tag, run fingerprint, shard k of n, plan, records, timings.
struct Partial {
  std::string run;  // run fingerprint: the same for every shard of one run
  int64_t shard = 0, shards = 0;
  RunPlan plan;
  RunRecords records;
  nlohmann::json timings = nlohmann::json::object();
};
constexpr const char* kPartialFormat = "mutagen-partial-report-v1";
nlohmann::json to_partial_json(const Partial& p);
// Throws mutagen::Error naming `source` and the field for a foreign or incomplete partial report.
Partial partial_from_json(const nlohmann::json& j, const std::string& source);

}  // namespace mutagen::internal
