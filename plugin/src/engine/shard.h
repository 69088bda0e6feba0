#pragma once
// Shards of a mutation run: which shard this process is (--mutagen_shard=k/n or the job array's
// environment) and which (configuration, instance) work items it owns. The partition is a pure
// function of the work items' order and expected costs, so every shard of one run computes the
// same partition without talking to the others; `mutagen merge` puts the partial reports together.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mutagen::internal {

struct ShardSpec {
  int64_t index = 0;   // 1..count
  int64_t count = 0;   // 0: not sharded
  std::string source;  // where it came from, for messages ("--mutagen_shard", "SLURM_ARRAY_...")
  bool active() const { return count > 0; }
};

// "k/n" with 1 <= k <= n. Throws mutagen::Error naming `source` and the expected form.
ShardSpec parse_shard(const std::string& text, const std::string& source);

// Looks up an environment variable (nullptr when unset); std::getenv in production.
using EnvLookup = std::function<const char*(const char*)>;
EnvLookup process_environment();

// The shard of this process: `flag` (k/n) when given; otherwise the first scheduler whose variables
// are present: Slurm job arrays (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or
// SLURM_ARRAY_TASK_MIN/MAX[/STEP]), Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX, 0-based, with
// the count in MUTAGEN_SHARD_COUNT), GitLab `parallel:` (CI_NODE_INDEX / CI_NODE_TOTAL). None of
// them: not sharded. A malformed or out-of-range value is a mutagen::Error naming the variable.
ShardSpec resolve_shard(const std::string& flag, const EnvLookup& env);

// One unit of work: an original's evaluation (config = -1) or a mutant (config >= 0) of instance.
struct WorkItem {
  int64_t config = -1;
  int64_t instance = 0;
  double cost = 1;  // expected cost, relative
};

// Expected costs: evaluating a model's tests is the unit; making a mutant adds to it. Measured on
// the example run (examples/custom_mutator): an original's evaluation 1.2 s, a TMR mutant made and
// evaluated 3.9 s, a weight-noise mutant 2.5 s.
constexpr double kEvaluationCost = 1.0;
constexpr double kTargetedMutantCost = 2.0;    // fine-tuning on the cluster's inputs
constexpr double kUntargetedMutantCost = 1.0;  // weight noise, structural edits

// The shard (1..count) of each item: the items, in the given order, cut into `count` contiguous
// runs of about equal expected cost (an item goes to the run its cost's midpoint falls in). Given
// instance by instance, a shard touches few instances, so it predicts with few originals: n
// instances over k shards cost at most n + k - 1 originals' predictions instead of n x k.
// Deterministic; every item gets exactly one shard; a shard's cost is within the largest item's
// cost of total / count.
std::vector<int64_t> assign_shards(const std::vector<WorkItem>& items, int64_t count);

}  // namespace mutagen::internal
