// Merging partial reports (mutagen/merge.h, `mutagen merge`): two shards of a small hand-made run
// give the verdicts and scores worked out by hand; bad input is a named error and exit 2 that
// leaves the output as it was.
#include "mutagen/merge.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mutagen/io.h"
#include "run_records.h"
#include "test_support.h"

namespace mutagen::internal {
namespace {

using testing_support::expect_error;

// 5 instances, one test measuring accuracy on "train" and "test", one untargeted configuration.
// On train every mutant is worse (killed: exact one-sided p = 1/32); on test every mutant is a
// little better (p = 1, not killed): the test set's score is 0 of 1 killable.
constexpr double kOriginal[5] = {0.90, 0.92, 0.94, 0.91, 0.93};
constexpr double kTrainMutant[5] = {0.80, 0.85, 0.70, 0.79, 0.78};
constexpr double kTestMutant[5] = {0.91, 0.94, 0.95, 0.93, 0.96};

InstanceResult result(double train, double test) {
  InstanceResult r;
  r.outcomes.assign(1, std::vector<Outcome>(2));
  r.outcomes[0][0].measures["accuracy"] = {train, Better::kHigher};
  r.outcomes[0][1].measures["accuracy"] = {test, Better::kHigher};
  r.correct = {"10", "01"};
  return r;
}

Partial shard(int64_t k, int64_t n) {
  Partial p;
  p.run = "run-fingerprint-1";
  p.shard = k;
  p.shards = n;
  p.plan.header.subject = "Tiny";
  p.plan.header.instances = 5;
  p.plan.header.test_sets = {"train", "test"};
  p.plan.tests = {"Tiny.Accuracy"};
  p.plan.kill = KillOptions().wilcoxon(WilcoxonOptions().alternative(Alternative::kGreater));
  p.plan.configs = {{"noise-c-1-k-1-abcd", "noise", {{"sigma", 0.1}}, -1, -1}};
  // Shard 1 of 2: originals 0-2 and mutants 0-1; shard 2: the rest.
  for (int64_t i = 0; i < 5; ++i) {
    if ((i < 3) == (k == 1)) p.records.originals[i] = result(kOriginal[i], kOriginal[i]);
    if ((i < 2) == (k == 1)) p.records.mutants[{0, i}] = result(kTrainMutant[i], kTestMutant[i]);
  }
  p.timings = {{"total", 1.5}};
  return p;
}

class Merge : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing_support::temp_dir("merge");
    one_ = write("one.json", to_partial_json(shard(1, 2)));
    two_ = write("two.json", to_partial_json(shard(2, 2)));
  }
  std::string write(const std::string& name, const nlohmann::json& j) {
    write_json_atomic(dir_ + "/" + name, j);
    return dir_ + "/" + name;
  }
  int cli(const std::string& args) {
    const std::string cmd = std::string("'") + MUTAGEN_CLI + "' merge " + args + " >'" + dir_ +
                            "/stdout.txt' 2>'" + dir_ + "/stderr.txt'";
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string dir_, one_, two_;
};

TEST_F(Merge, TwoShardsGiveTheVerdictsWorkedOutByHand) {
  const MergeResult m = merge_partial_reports({two_, one_});
  EXPECT_EQ(m.shards, 2);
  ASSERT_EQ(m.report.mutants.size(), 1u);
  const MutantReport& mr = m.report.mutants[0];
  EXPECT_EQ(mr.id, "noise-c-1-k-1-abcd");
  ASSERT_EQ(mr.verdicts.size(), 2u);
  EXPECT_EQ(mr.verdicts[0].test_set, "train");
  EXPECT_EQ(mr.verdicts[0].p_value, 1.0 / 32);  // all five differences positive, exact
  EXPECT_TRUE(mr.verdicts[0].killed);
  EXPECT_EQ(mr.verdicts[0].mutant, std::vector<double>(kTrainMutant, kTrainMutant + 5));
  EXPECT_EQ(mr.verdicts[1].p_value, 1.0);  // all five negative
  EXPECT_FALSE(mr.verdicts[1].killed);
  EXPECT_TRUE(mr.killable);
  ASSERT_EQ(m.report.scores.size(), 1u);
  EXPECT_EQ(m.report.scores[0].test_set, "test");
  EXPECT_EQ(m.report.scores[0].killed, 0);
  EXPECT_EQ(m.report.scores[0].killable, 1);
  EXPECT_EQ(m.exit_code, 0);  // the run's threshold is 0
  EXPECT_EQ(m.report.timings["total"], 3.0);
  EXPECT_EQ(m.report.timings["shards"], 2);
  MergeOptions gate;
  gate.min_score = 0.5;
  EXPECT_EQ(merge_partial_reports({one_, two_}, gate).exit_code, 1);
}

TEST_F(Merge, FailuresKeepTheLowestInstanceAndCountAsErrors) {
  Partial a = shard(1, 2), b = shard(2, 2);
  a.records.fail(0, {1, false, "boom on 1"});
  b.records.fail(0, {3, false, "boom on 3"});
  const MergeResult m = merge_partial_reports(
      {write("a.json", to_partial_json(a)), write("b.json", to_partial_json(b))});
  EXPECT_TRUE(m.report.mutants.empty());
  EXPECT_EQ(m.report.errors, std::vector<std::string>{"noise-c-1-k-1-abcd: boom on 1"});
  EXPECT_EQ(m.exit_code, 2);
}

TEST_F(Merge, MissingAndDuplicatedShardsAreNamedByIndex) {
  expect_error([&] { merge_partial_reports({one_}); },
               {"2 shards", "missing shard(s) 2", "expected each of shards 1..2 once"});
  expect_error(
      [&] {
        merge_partial_reports({one_, one_, two_});
      },
      {"shard 1 given 2 times", "one.json"});
  expect_error([&] { merge_partial_reports({}); }, {"no partial reports"});
}

TEST_F(Merge, ShardsOfAnotherRunAreRefused) {
  Partial other = shard(2, 2);
  other.run = "run-fingerprint-2";
  other.plan.header.subject = "Other";
  expect_error(
      [&] {
        merge_partial_reports({one_, write("other.json", to_partial_json(other))});
      },
      {"other.json' is a shard of another run than", "one.json", "subject 'Tiny' vs 'Other'"});
  Partial three = shard(2, 3);
  expect_error(
      [&] {
        merge_partial_reports({one_, write("three.json", to_partial_json(three))});
      },
      {"three.json' is shard 2 of 3", "of 2 shards"});
}

TEST_F(Merge, BadPartialFilesNameFileAndField) {
  const std::string text = read_file(two_);
  std::ofstream(dir_ + "/cut.json") << text.substr(0, text.size() / 2);
  expect_error(
      [&] {
        merge_partial_reports({one_, dir_ + "/cut.json"});
      },
      {"cut.json", "truncated"});
  nlohmann::json j = to_partial_json(shard(2, 2));
  j["shard"] = 3;
  expect_error(
      [&] {
        merge_partial_reports({one_, write("k3.json", j)});
      },
      {"k3.json", "field 'shard'", "expected 1..2, got 3"});
  j["shards"] = 0;
  expect_error([&] { merge_partial_reports({write("n0.json", j)}); },
               {"n0.json", "field 'shards'", "at least 1, got 0"});
  expect_error([&] { merge_partial_reports({write("report.json", Report().to_json())}); },
               {"report.json", "field 'format'", "mutagen-partial-report-v1"});
  j = to_partial_json(shard(2, 2));
  j["mutants"][0].erase("instance");
  expect_error(
      [&] {
        merge_partial_reports({one_, write("noinst.json", j)});
      },
      {"noinst.json", "field 'mutants[0]'", "key 'instance' not found"});
  // The JSON library's own tags ("[json.exception.type_error.302]") stay out of the message.
  j = to_partial_json(shard(2, 2));
  j["shard"] = "two";
  try {
    merge_partial_reports({one_, write("text.json", j)});
    ADD_FAILURE() << "a shard index as text was accepted";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("text.json"), std::string::npos) << what;
    EXPECT_NE(what.find("field 'shard'"), std::string::npos) << what;
    EXPECT_NE(what.find("type must be number, but is string"), std::string::npos) << what;
    EXPECT_EQ(what.find("json.exception"), std::string::npos) << what;
  }
  // Well-formed JSON that the run cannot have written: a result twice, a correctness string with
  // other characters.
  j = to_partial_json(shard(2, 2));
  j["originals"].push_back(j["originals"][0]);
  expect_error(
      [&] {
        merge_partial_reports({one_, write("twice.json", j)});
      },
      {"twice.json", "is listed twice"});
  j = to_partial_json(shard(2, 2));
  j["mutants"][0]["result"]["correct"][0] = "1x";
  expect_error(
      [&] {
        merge_partial_reports({one_, write("bits.json", j)});
      },
      {"bits.json", "field 'mutants[0].result.correct[0]'", "a string of 0 and 1"});
  j = to_partial_json(shard(2, 2));
  j["mutants"].erase(j["mutants"].size() - 1);
  expect_error(
      [&] {
        merge_partial_reports({one_, write("lacking.json", j)});
      },
      {"lack results", "instance 4"});
  expect_error([&] { merge_partial_reports({one_, dir_ + "/absent.json"}); }, {"absent.json"});
}

// A test that measures NaN on every original can kill nothing: the report's assembly says so once
// per test and set (it used to show only as "insufficient" verdicts).
TEST_F(Merge, ATestMeasuringNaNOnEveryOriginalIsWarnedAbout) {
  Partial p = shard(1, 2);
  for (int64_t i = 0; i < 5; ++i) {
    p.records.originals[i] = result(kOriginal[i], std::nan(""));
    p.records.mutants[{0, i}] = result(kTrainMutant[i], kTestMutant[i]);
  }
  std::ostringstream log;
  const auto previous = spdlog::default_logger();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  sink->set_pattern("%v");
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  const Report r = assemble_report(p.plan, p.records);
  spdlog::set_default_logger(previous);
  EXPECT_NE(log.str().find("test 'Tiny.Accuracy' measured 'accuracy' as NaN on every original "
                           "instance on 'test'"),
            std::string::npos)
      << log.str();
  EXPECT_EQ(log.str().find("on 'train'"), std::string::npos) << log.str();
  EXPECT_EQ(r.mutants.size(), 1u);
}

TEST_F(Merge, CliWritesTheReportOrExits2AndLeavesTheOutputAlone) {
  if (!std::filesystem::exists(MUTAGEN_CLI)) GTEST_SKIP() << "mutagen_cli not built";
  const std::string out = dir_ + "/merged.json";
  std::ofstream(out) << "keep";
  EXPECT_EQ(cli("'" + one_ + "' --out '" + out + "'"), 2);
  EXPECT_EQ(read_file(out), "keep");
  EXPECT_NE(read_file(dir_ + "/stderr.txt").find("missing shard(s) 2"), std::string::npos);
  EXPECT_EQ(cli("'" + one_ + "' '" + two_ + "' --out '" + out + "' --min-score 0.5"), 1);
  EXPECT_EQ(cli("'" + one_ + "' '" + two_ + "' --out '" + out + "'"), 0);
  const Report r = read_report(out);
  ASSERT_EQ(r.mutants.size(), 1u);
  EXPECT_EQ(r.mutants[0].verdicts[0].p_value, 1.0 / 32);
}

}  // namespace
}  // namespace mutagen::internal
