// Shards (shard.h): "k/n" parsing, the job arrays' environment variables and the partition of the
// work items.
#include "shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <string>

#include "test_support.h"

namespace mutagen::internal {
namespace {

using testing_support::expect_error;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(ParseShard, ReadsKOfN) {
  const ShardSpec s = parse_shard("2/3", "--mutagen_shard");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 3);
  EXPECT_TRUE(s.active());
  EXPECT_EQ(parse_shard("1/1", "x").count, 1);
}

TEST(ParseShard, BadValuesAreNamedErrors) {
  expect_error([] { parse_shard("0/3", "--mutagen_shard"); },
               {"--mutagen_shard", "shard index 0 is outside 1..3"});
  expect_error([] { parse_shard("4/3", "--mutagen_shard"); }, {"shard index 4 is outside 1..3"});
  expect_error([] { parse_shard("1/0", "--mutagen_shard"); },
               {"--mutagen_shard", "count must be at least 1, got 0"});
  expect_error([] { parse_shard("3", "--mutagen_shard"); }, {"expected k/n", "'3'"});
  expect_error([] { parse_shard("a/3", "--mutagen_shard"); }, {"whole numbers", "'a'"});
  expect_error([] { parse_shard("1/3x", "--mutagen_shard"); }, {"'3x'"});
  expect_error([] { parse_shard("/", "--mutagen_shard"); }, {"expected k/n"});
}

TEST(ResolveShard, NoFlagAndNoSchedulerIsUnsharded) {
  EXPECT_FALSE(resolve_shard("", env_of({})).active());
  EXPECT_FALSE(resolve_shard("", env_of({{"CI_NODE_TOTAL", "1"}})).active());
}

TEST(ResolveShard, FlagWinsOverTheEnvironment) {
  const ShardSpec s = resolve_shard("1/2", env_of({{"SLURM_ARRAY_TASK_ID", "3"},
                                                   {"SLURM_ARRAY_TASK_MIN", "1"},
                                                   {"SLURM_ARRAY_TASK_COUNT", "3"},
                                                   {"CI_NODE_INDEX", "2"},
                                                   {"CI_NODE_TOTAL", "2"}}));
  EXPECT_EQ(s.index, 1);
  EXPECT_EQ(s.count, 2);
  EXPECT_EQ(s.source, "--mutagen_shard");
}

TEST(ResolveShard, SlurmArrayFromOneOrZero) {
  // sbatch --array=1-3, task 3; --array=0-3, task 0.
  ShardSpec s = resolve_shard("", env_of({{"SLURM_ARRAY_TASK_ID", "3"},
                                          {"SLURM_ARRAY_TASK_MIN", "1"},
                                          {"SLURM_ARRAY_TASK_MAX", "3"},
                                          {"SLURM_ARRAY_TASK_COUNT", "3"}}));
  EXPECT_EQ(s.index, 3);
  EXPECT_EQ(s.count, 3);
  s = resolve_shard("", env_of({{"SLURM_ARRAY_TASK_ID", "0"},
                                {"SLURM_ARRAY_TASK_MIN", "0"},
                                {"SLURM_ARRAY_TASK_MAX", "3"}}));
  EXPECT_EQ(s.index, 1);
  EXPECT_EQ(s.count, 4);
  // --array=1-7:3 runs tasks 1, 4, 7: task 7 is the third of three.
  s = resolve_shard("", env_of({{"SLURM_ARRAY_TASK_ID", "7"},
                                {"SLURM_ARRAY_TASK_MIN", "1"},
                                {"SLURM_ARRAY_TASK_MAX", "7"},
                                {"SLURM_ARRAY_TASK_STEP", "3"}}));
  EXPECT_EQ(s.index, 3);
  EXPECT_EQ(s.count, 3);
}

TEST(ResolveShard, SlurmBeatsKubernetesBeatsGitLab) {
  const auto all = std::map<std::string, std::string>{
      {"SLURM_ARRAY_TASK_ID", "2"},  {"SLURM_ARRAY_TASK_MIN", "1"}, {"SLURM_ARRAY_TASK_COUNT", "2"},
      {"JOB_COMPLETION_INDEX", "0"}, {"MUTAGEN_SHARD_COUNT", "5"},  {"CI_NODE_INDEX", "3"},
      {"CI_NODE_TOTAL", "4"}};
  ShardSpec s = resolve_shard("", env_of(all));
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 2);
  auto no_slurm = all;
  no_slurm.erase("SLURM_ARRAY_TASK_ID");
  s = resolve_shard("", env_of(no_slurm));
  EXPECT_EQ(s.index, 1);  // JOB_COMPLETION_INDEX is 0-based
  EXPECT_EQ(s.count, 5);
  auto gitlab = no_slurm;
  gitlab.erase("JOB_COMPLETION_INDEX");
  s = resolve_shard("", env_of(gitlab));
  EXPECT_EQ(s.index, 3);
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(s.source, "CI_NODE_INDEX/CI_NODE_TOTAL");
}

TEST(ResolveShard, BadEnvironmentValuesNameTheVariable) {
  expect_error(
      [] {
        resolve_shard("", env_of({{"CI_NODE_INDEX", "6"}, {"CI_NODE_TOTAL", "5"}}));
      },
      {"CI_NODE_INDEX/CI_NODE_TOTAL", "shard index 6 is outside 1..5"});
  expect_error([] { resolve_shard("", env_of({{"CI_NODE_INDEX", "2"}})); }, {"CI_NODE_TOTAL"});
  expect_error(
      [] {
        resolve_shard("", env_of({{"JOB_COMPLETION_INDEX", "1"}}));
      },
      {"MUTAGEN_SHARD_COUNT"});
  expect_error(
      [] {
        resolve_shard("", env_of({{"JOB_COMPLETION_INDEX", "x"}, {"MUTAGEN_SHARD_COUNT", "2"}}));
      },
      {"JOB_COMPLETION_INDEX", "whole number", "'x'"});
  expect_error(
      [] {
        resolve_shard("", env_of({{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_MIN", "1"}}));
      },
      {"SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MAX"});
  expect_error(
      [] {
        resolve_shard("", env_of({{"JOB_COMPLETION_INDEX", "0"}, {"MUTAGEN_SHARD_COUNT", "0"}}));
      },
      {"MUTAGEN_SHARD_COUNT", "at least 1, got 0"});
}

TEST(AssignShards, ContiguousRunsOfAboutEqualCost) {
  // By hand: costs 2 3 2 3 2 (total 12, 6 per shard), midpoints 1, 3.5, 6, 8.5, 11.
  const std::vector<WorkItem> items{{-1, 0, 2}, {0, 0, 3}, {-1, 1, 2}, {0, 1, 3}, {-1, 2, 2}};
  EXPECT_EQ(assign_shards(items, 2), (std::vector<int64_t>{1, 1, 2, 2, 2}));
  // Four of cost 1 over 3 shards: midpoints 0.5, 1.5, 2.5, 3.5 against cuts at 4/3 and 8/3.
  const std::vector<WorkItem> equal{{-1, 0, 1}, {-1, 1, 1}, {0, 0, 1}, {0, 1, 1}};
  EXPECT_EQ(assign_shards(equal, 3), (std::vector<int64_t>{1, 2, 2, 3}));
  EXPECT_EQ(assign_shards(equal, 1), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(assign_shards(equal, 6), (std::vector<int64_t>{1, 3, 4, 6}));  // some shards idle
  expect_error([&] { assign_shards(equal, 0); }, {"at least 1, got 0"});
}

// The example's run, instance by instance: the original (1), two TMR mutants (3), weight noise (2).
std::vector<WorkItem> example_items() {
  std::vector<WorkItem> items;
  for (int64_t i = 0; i < 5; ++i) {
    items.push_back({-1, i, kEvaluationCost});
    for (int64_t c = 0; c < 3; ++c)
      items.push_back(
          {c, i, kEvaluationCost + (c < 2 ? kTargetedMutantCost : kUntargetedMutantCost)});
  }
  return items;
}

TEST(AssignShards, EveryItemOnceBalancedAndFewInstancesPerShard) {
  const std::vector<WorkItem> items = example_items();
  for (int64_t n = 1; n <= 7; ++n) {
    const std::vector<int64_t> a = assign_shards(items, n);
    ASSERT_EQ(a.size(), items.size());
    EXPECT_EQ(a, assign_shards(items, n)) << "deterministic";
    std::vector<double> load(static_cast<size_t>(n), 0);
    std::vector<std::set<int64_t>> instances(static_cast<size_t>(n));
    for (size_t w = 0; w < items.size(); ++w) {
      ASSERT_GE(a[w], 1);
      ASSERT_LE(a[w], n);
      load[a[w] - 1] += items[w].cost;
      instances[a[w] - 1].insert(items[w].instance);
    }
    // Every item in one shard: the loads add up to the whole work (20 items, cost 45).
    EXPECT_DOUBLE_EQ(std::accumulate(load.begin(), load.end(), 0.0), 45.0);
    for (double l : load) EXPECT_LE(std::abs(l - 45.0 / n), 3.0) << n << " shards";
    size_t touched = 0;
    for (const auto& s : instances) touched += s.size();
    EXPECT_LE(touched, static_cast<size_t>(5 + n - 1)) << n << " shards";
  }
  // Three shards (by hand): cuts at 15 and 30. Instance 0 and the original and TMR mutants of
  // instance 1 (16); its noise mutant, instance 2, the original and first TMR of instance 3 (15);
  // the rest (14).
  const std::vector<int64_t> a = assign_shards(items, 3);
  EXPECT_EQ(a, (std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3}));
}

}  // namespace
}  // namespace mutagen::internal
