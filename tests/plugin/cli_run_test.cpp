// `mutagen run`'s gate and the CLI's exit codes: a binary that runs no mutation analysis, a NaN
// threshold and command-line errors must each fail with exit code 2, never pass or leave CLI11's
// own codes (100-114).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"

namespace mutagen {
namespace {

using testing_support::run_command;

struct Result {
  int code = 0;
  std::string output;
};

Result cli(const std::string& args) {
  Result r;
  r.code = run_command(std::string("'") + MUTAGEN_CLI + "' " + args, &r.output, true);
  return r;
}

class CliRun : public testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(MUTAGEN_CLI)) GTEST_SKIP() << MUTAGEN_CLI << " is not built";
  }
};

TEST_F(CliRun, ABinaryThatRunsNoMutationAnalysisFailsTheGate) {
  // A plain program exiting 0 (or 1, "below the threshold") ignored --mutagen_run.
  for (const char* binary : {"/bin/true", "/bin/false"}) {
    const Result r = cli(std::string("run ") + binary + " --min-score 0.5");
    EXPECT_EQ(r.code, 2) << binary << ": " << r.output;
    EXPECT_NE(r.output.find("without running a mutation analysis"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(binary), std::string::npos) << r.output;
  }
}

TEST_F(CliRun, NanThresholdIsRejectedNotIgnored) {
  // NaN fails every comparison, so it used to fall back to the subject's threshold (0).
  for (const char* value : {"nan", "NaN", "1.5", "-0.1", "abc"}) {
    const Result r = cli(std::string("run /bin/true --min-score ") + value);
    EXPECT_EQ(r.code, 2) << value << ": " << r.output;
    EXPECT_NE(r.output.find("--min-score"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("[0, 1]"), std::string::npos) << r.output;
  }
  const Result merge = cli("merge a.json --out b.json --min-score nan");
  EXPECT_EQ(merge.code, 2) << merge.output;
  EXPECT_NE(merge.output.find("--min-score"), std::string::npos) << merge.output;
}

TEST_F(CliRun, CommandLineErrorsExitWithTwoAndHelpWithZero) {
  for (const char* args : {"", "bogus", "cluster --bogus", "stats --mode foo x.csv",
                           "run /bin/true --timeout -1", "mutate --cluster 1 --cluster 2"}) {
    const Result r = cli(args);
    EXPECT_EQ(r.code, 2) << "'" << args << "': " << r.output;
    EXPECT_EQ(r.output.find("179769"), std::string::npos) << r.output;  // no 300-digit bound
  }
  // Seeds: a negative or too long number used to wrap around or be clamped (so two seeds gave
  // the same mutants).
  for (const char* seed : {"-1", "99999999999999999999999", "18446744073709551616", "1e3"}) {
    for (const std::string command : {"cluster --images x --labels y --out z.json",
                                      "mutate --operator gf --model m --images x --labels y "
                                      "--clusters c --class 0 --cluster 0 --out m2"}) {
      const Result r = cli(command + " --seed " + seed);
      EXPECT_EQ(r.code, 2) << command << " --seed " << seed << ": " << r.output;
      EXPECT_NE(r.output.find(std::string("expected a seed: an integer in [0, "
                                          "18446744073709551615], got '") +
                              seed + "'"),
                std::string::npos)
          << r.output;
    }
  }
  EXPECT_EQ(cli("--help").code, 0);
  EXPECT_EQ(cli("run --help").code, 0);
}

// cluster options that mean nothing without another are refused, not silently ignored.
TEST_F(CliRun, ClusterOptionsThatMeanNothingAreRefused) {
  const std::string base = "cluster --images x --labels y --out /nonexistent-dir/z.json ";
  for (const auto& [args, named] : std::vector<std::pair<std::string, std::string>>{
           {"--family dbcv", "--family chooses among a grid's results; add --grid"},
           {"--pipeline ''", "--pipeline '': expected a pipeline name"},
           {"--table t.csv", "--table and --ranking describe a grid run"},
           {"--grid quick --pipeline kmeans:3", "--grid and --pipeline exclude each other"}}) {
    const Result r = cli(base + args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.output;
    EXPECT_NE(r.output.find(named), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace mutagen
