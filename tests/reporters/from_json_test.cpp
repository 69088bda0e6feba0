// Report::from_json and read_report: what to_json writes reads back unchanged; truncated, foreign
// or ill-typed JSON is a mutagen::Error naming the file, the field and what was expected.
#include <cmath>
#include <sstream>

#include "mutagen/io.h"
#include "mutagen/reporters/reporter.h"
#include "report_fixture.h"
#include "test_support.h"

namespace mutagen {
namespace {

using testing_support::expect_error;
using testing_support::fixture_report;
using testing_support::temp_dir;

TEST(ReportFromJson, RoundTrip) {
  const Report r = fixture_report();
  const Report back = Report::from_json(r.to_json(), "mem");
  EXPECT_EQ(back.to_json(), r.to_json());
  // Spot checks on the struct itself, not only on its JSON.
  ASSERT_EQ(back.mutants.size(), 5u);
  EXPECT_EQ(back.mutants[1].id, "tmr-c0-k1-bbbb0002");
  EXPECT_EQ(back.mutants[1].options["schedule"], "mixed");
  EXPECT_EQ(back.mutants[0].verdicts[2].mutant, (std::vector<double>{0.8, 0.81, 0.79}));
  EXPECT_TRUE(std::isnan(back.mutants[3].verdicts[0].p_value));  // null -> NaN
  EXPECT_EQ(back.mutants[3].verdicts[0].timeouts, 3);
  EXPECT_EQ(back.mutants[4].verdicts[0].errors, 1);
  EXPECT_EQ(back.thresholds.high, 0.7);
  EXPECT_EQ(back.thresholds.low, 0.4);
  EXPECT_EQ(back.threshold, 0.5);
  EXPECT_EQ(back.scores[2].test_set, "weak");
  EXPECT_EQ(back.mutants[1].seconds_per_mutant, r.mutants[1].seconds_per_mutant);
}

// Reports written before seconds_per_mutant existed read back with it unknown (NaN), not 0.
// report.json says its format; another format (another version, a shard's partial report) is a
// named error, a report from before the field existed still reads.
TEST(ReportFromJson, FormatField) {
  nlohmann::json j = fixture_report().to_json();
  EXPECT_EQ(j["format"], "mutagen-report-v1");
  nlohmann::json v99 = j, partial = j;
  v99["format"] = "mutagen-report-v99";
  partial["format"] = "mutagen-partial-report-v1";
  expect_error([&] { (void)Report::from_json(v99, "v99.json"); },
               {"v99.json: field 'format' is \"mutagen-report-v99\", expected "
                "\"mutagen-report-v1\"",
                "another mutagen version"});
  expect_error([&] { (void)Report::from_json(partial, "part.json"); },
               {"part.json", "partial report", "mutagen merge"});
  j.erase("format");
  EXPECT_EQ(Report::from_json(j, "old.json").subject, fixture_report().subject);
}

TEST(ReportFromJson, ReportWithoutSecondsPerMutantReadsAsUnknown) {
  nlohmann::json j = fixture_report().to_json();
  for (auto& m : j["mutants"]) m.erase("seconds_per_mutant");
  const Report back = Report::from_json(j, "mem");
  EXPECT_TRUE(std::isnan(back.mutants[0].seconds_per_mutant));
}

TEST(ReportFromJson, SkippedMutantsAreWrittenOnlyWhenThereAreSome) {
  Report r = fixture_report();
  EXPECT_FALSE(r.to_json().contains("skipped"));  // reports of earlier runs stay as they were
  r.skipped = {"ns-c-1-k-1-0123abcd: ns: the model has no layer it applies to"};
  const nlohmann::json j = r.to_json();
  ASSERT_TRUE(j.contains("skipped"));
  EXPECT_EQ(Report::from_json(j, "mem").skipped, r.skipped);
  std::ostringstream console;
  print_console_report(r, console);
  EXPECT_NE(console.str().find("Skipped (1)\n  ns-c-1-k-1-0123abcd: ns: the model has no layer"),
            std::string::npos)
      << console.str();
}

TEST(ReportFromJson, SavedFileReadsBack) {
  const std::string path = temp_dir("saved") + "/report.json";
  write_json_report(fixture_report(), path);
  EXPECT_EQ(read_report(path).to_json(), fixture_report().to_json());
}

TEST(ReportFromJson, TruncatedFile) {
  const std::string path = temp_dir("truncated") + "/report.json";
  const std::string text = fixture_report().to_json().dump(2);
  write_file_atomic(path, text.substr(0, text.size() / 2));
  expect_error([&] { read_report(path); }, {path, "truncated", "expected a whole report.json"});
}

TEST(ReportFromJson, NotJsonAtAll) {
  const std::string path = temp_dir("garbage") + "/report.json";
  write_file_atomic(path, "<html>not json</html>");
  expect_error([&] { read_report(path); }, {path, "not valid JSON", "expected a mutagen report"});
}

TEST(ReportFromJson, ForeignJson) {
  const std::string path = temp_dir("foreign") + "/package.json";
  write_file_atomic(path, R"({"name": "left-pad", "version": "1.3.0"})");
  expect_error([&] { read_report(path); }, {path, "not a mutagen report", "'mutants'"});
  expect_error(
      [] {
        Report::from_json(nlohmann::json::array({1, 2}), "a.json");
      },
      {"a.json", "not a mutagen report"});
}

TEST(ReportFromJson, MissingFile) {
  expect_error([] { read_report("/nonexistent/report.json"); },
               {"/nonexistent/report.json", "cannot read"});
}

TEST(ReportFromJson, WrongTypeNamesTheField) {
  nlohmann::json j = fixture_report().to_json();
  j["mutants"][1]["verdicts"][0]["p_value"] = "small";
  expect_error(
      [&] { Report::from_json(j, "r.json"); },
      {"r.json", "'mutants[1].verdicts[0].p_value'", "expected a number or null", "got a string"});
  j = fixture_report().to_json();
  j["mutants"][0]["class"] = 1.5;
  expect_error([&] { Report::from_json(j, "r.json"); },
               {"'mutants[0].class'", "expected an integer", "got a number"});
  j = fixture_report().to_json();
  j["mutants"][2]["verdicts"] = {{"test", "x"}};
  expect_error([&] { Report::from_json(j, "r.json"); },
               {"'mutants[2].verdicts'", "expected an array", "got an object"});
  j = fixture_report().to_json();
  j["mutants"][0]["verdicts"][0]["original"][1] = true;
  expect_error([&] { Report::from_json(j, "r.json"); },
               {"'mutants[0].verdicts[0].original[1]'", "expected a number or null"});
}

TEST(ReportFromJson, MissingFieldNamesIt) {
  nlohmann::json j = fixture_report().to_json();
  j["mutants"][0].erase("id");
  expect_error([&] { Report::from_json(j, "r.json"); }, {"r.json", "'mutants[0].id'", "missing"});
  j = fixture_report().to_json();
  j.erase("threshold");
  expect_error([&] { Report::from_json(j, "r.json"); }, {"'threshold'", "missing"});
}

TEST(ReportFromJson, OlderReportsWithoutNewerFields) {
  nlohmann::json j = fixture_report().to_json();
  j.erase("thresholds");
  j.erase("decided");
  j.erase("resumed");
  for (auto& m : j["mutants"]) {
    m.erase("other_classes_worst_class");
    for (auto& v : m["verdicts"]) v.erase("timeouts"), v.erase("better"), v.erase("killing_inputs");
  }
  const Report r = Report::from_json(j, "old.json");
  EXPECT_EQ(r.thresholds.high, Thresholds().high);
  EXPECT_EQ(r.thresholds.low, Thresholds().low);
  EXPECT_TRUE(r.decided);
  EXPECT_EQ(r.mutants[3].verdicts[0].timeouts, 0);
  EXPECT_EQ(r.mutants[0].verdicts[0].killing_inputs, -1);
  EXPECT_EQ(r.mutants[0].other_classes_worst_class, -1);
}

TEST(ReportFromJson, BreakThresholdMustMatchTheGate) {
  nlohmann::json j = fixture_report().to_json();
  EXPECT_EQ(j["thresholds"]["break"], 0.5);
  j["thresholds"]["break"] = 0.9;
  expect_error([&] { Report::from_json(j, "r.json"); }, {"'thresholds.break'", "'threshold'"});
}

}  // namespace
}  // namespace mutagen
