// report.json (field names, values, NaN -> null, atomic write) and the console report.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "mutagen/error.h"
#include "mutagen/io.h"
#include "mutagen/report.h"
#include "mutagen/reporters/registry.h"
#include "mutagen/reporters/reporter.h"
#include "test_support.h"

namespace mutagen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Verdict verdict(const std::string& test, const std::string& set, double p, double d, bool killed) {
  Verdict v;
  v.test = test;
  v.metric = "accuracy";
  v.test_set = set;
  v.original = {0.91, 0.92, 0.90};
  v.mutant = {0.85, kNaN, 0.84};
  v.p_value = p;
  v.cohens_d = d;
  v.power = 0.53;
  v.method = "exact";
  v.killed = killed;
  v.underpowered = true;
  v.errors = 1;
  return v;
}

Report sample_report() {
  Report r;
  r.subject = "fashion_cnn";
  r.alpha = 0.05;
  r.effect_size = 0.5;
  r.instances = 3;
  r.test_sets = {"train", "test"};
  MutantReport a;
  a.id = "tmr-c0-k1-0123abcd";
  a.operator_name = "tmr";
  a.options = {{"schedule", "mixed"}, {"epochs", 5}};
  a.cls = 0;
  a.cluster = 1;
  a.i_neg = 120;
  a.i_pos = 340;
  a.misprediction_neg = 0.85;
  a.misprediction_pos = 0.021;
  a.heldout_misprediction_neg = 0.603;
  a.heldout_misprediction_pos = 0.03;
  a.other_classes_accuracy_change = -0.0042;
  a.killable = true;
  a.layer = "0,2,5,7";
  a.weights_changed = 8490;
  a.seconds_per_mutant = 3.25;
  a.trivial = false;
  a.verdicts = {verdict("Fashion.Accuracy", "train", 0.00012, 2.5, true),
                verdict("Fashion.Accuracy", "test", 0.25, 0.3, false)};
  MutantReport b;
  b.id = "shuffle-c6-k0-deadbeef";
  b.operator_name = "shuffle_weights";
  b.options = {{"layer", "fc1"}};
  b.cls = 6;
  b.cluster = 0;
  b.i_neg = 80;
  b.i_pos = 400;
  b.misprediction_neg = kNaN;
  b.killable = true;
  b.trivial = true;
  b.verdicts = {
      verdict("Fashion.Accuracy", "train", 0.001, std::numeric_limits<double>::infinity(), true),
      verdict("Fashion.Accuracy", "test", 0.002, 1.2, true)};
  r.mutants = {a, b};
  r.scores = {{"train", 2, 2, 1.0}, {"test", 1, 2, 0.5}, {"weak", 0, 0, kNaN}};
  r.threshold = 0.8;
  r.passed = false;
  r.errors = {"shuffle-c6-k0-deadbeef: instance 2: evaluation threw"};
  return r;
}

TEST(JsonReport, FieldNamesAndValues) {
  const nlohmann::json j = sample_report().to_json();
  EXPECT_EQ(j["subject"], "fashion_cnn");
  EXPECT_EQ(j["alpha"], 0.05);
  EXPECT_EQ(j["effect_size"], 0.5);
  EXPECT_EQ(j["instances"], 3);
  EXPECT_EQ(j["test_sets"], (nlohmann::json{"train", "test"}));
  EXPECT_EQ(j["threshold"], 0.8);
  EXPECT_EQ(j["thresholds"],
            (nlohmann::json{{"high", 0.8}, {"low", 0.6}, {"break", 0.8}}));  // break = threshold
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(j["errors"].size(), 1u);
  ASSERT_EQ(j["mutants"].size(), 2u);
  const auto& m = j["mutants"][0];
  for (const char* key : {"id",
                          "operator",
                          "options",
                          "class",
                          "cluster",
                          "i_neg",
                          "i_pos",
                          "misprediction_neg",
                          "misprediction_pos",
                          "heldout_misprediction_neg",
                          "heldout_misprediction_pos",
                          "other_classes_accuracy_change",
                          "other_classes_worst_change",
                          "other_classes_worst_class",
                          "killable",
                          "trivial",
                          "verdicts",
                          "layer",
                          "weights_changed",
                          "seconds_per_mutant"})
    EXPECT_TRUE(m.contains(key)) << key;
  EXPECT_EQ(m.size(), 20u);
  EXPECT_EQ(m["seconds_per_mutant"], 3.25);
  EXPECT_TRUE(j["mutants"][1]["seconds_per_mutant"].is_null());  // unknown: null, not 0
  EXPECT_EQ(m["layer"], "0,2,5,7");
  EXPECT_EQ(m["weights_changed"], 8490);
  EXPECT_EQ(m["id"], "tmr-c0-k1-0123abcd");
  EXPECT_EQ(m["operator"], "tmr");
  EXPECT_EQ(m["options"]["schedule"], "mixed");
  EXPECT_EQ(m["class"], 0);
  EXPECT_EQ(m["cluster"], 1);
  EXPECT_EQ(m["i_neg"], 120);
  EXPECT_EQ(m["i_pos"], 340);
  EXPECT_EQ(m["misprediction_neg"], 0.85);
  EXPECT_EQ(m["heldout_misprediction_pos"], 0.03);
  EXPECT_EQ(m["other_classes_accuracy_change"], -0.0042);
  EXPECT_EQ(m["killable"], true);
  EXPECT_EQ(m["trivial"], false);
  const auto& v = m["verdicts"][0];
  for (const char* key : {"test", "metric", "test_set", "better", "p_value", "cohens_d",
                          "correlation", "power", "method", "killed", "underpowered", "errors",
                          "timeouts", "killing_inputs", "original", "mutant"})
    EXPECT_TRUE(v.contains(key)) << key;
  EXPECT_EQ(v.size(), 16u);
  EXPECT_EQ(v["test"], "Fashion.Accuracy");
  EXPECT_EQ(v["test_set"], "train");
  EXPECT_EQ(v["p_value"], 0.00012);
  EXPECT_EQ(v["cohens_d"], 2.5);
  EXPECT_EQ(v["method"], "exact");
  EXPECT_EQ(v["killed"], true);
  EXPECT_EQ(v["underpowered"], true);
  EXPECT_EQ(v["errors"], 1);
  EXPECT_EQ(v["original"], (nlohmann::json{0.91, 0.92, 0.90}));
  const auto& s = j["scores"][1];
  EXPECT_EQ(
      s,
      (nlohmann::json{
          {"test_set", "test"}, {"killed", 1}, {"killable", 2}, {"score", 0.5}, {"gated", true}}));
}

TEST(JsonReport, NonFiniteNumbersAreNull) {
  const nlohmann::json j = sample_report().to_json();
  EXPECT_TRUE(j["mutants"][0]["verdicts"][0]["mutant"][1].is_null());
  EXPECT_EQ(j["mutants"][0]["verdicts"][0]["mutant"][0], 0.85);
  EXPECT_TRUE(j["mutants"][1]["misprediction_neg"].is_null());
  EXPECT_TRUE(j["mutants"][1]["verdicts"][0]["cohens_d"].is_null());  // +inf
  EXPECT_TRUE(j["scores"][2]["score"].is_null());
  // And the text is valid JSON (no NaN tokens).
  const std::string text = j.dump();
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(text.find("nan"), std::string::npos);
}

TEST(JsonReport, WrittenAtomicallyAndReadsBack) {
  const std::string dir = testing_support::temp_dir("json");
  const std::string path = dir + "/nested/report.json";
  const Report r = sample_report();
  write_json_report(r, path);
  EXPECT_EQ(read_json(path), r.to_json());
  // Overwrite with a different report: the file is replaced, no temp file stays behind.
  Report r2 = r;
  r2.passed = true;
  r2.mutants.pop_back();
  write_json_report(r2, path);
  EXPECT_EQ(read_json(path), r2.to_json());
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/nested")) {
    ++files;
    EXPECT_EQ(e.path().filename(), "report.json");
  }
  EXPECT_EQ(files, 1);
  // A path that cannot be written (its parent is a file) is a mutagen::Error.
  EXPECT_THROW(write_json_report(r, path + "/inside.json"), Error);
}

TEST(ConsoleReport, MutantsVerdictsScoresAndResult) {
  std::ostringstream out;
  print_console_report(sample_report(), out);
  const std::string text = out.str();
  // The first line containing every needle, in order.
  auto line_with = [&](std::initializer_list<std::string> needles) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      size_t at = 0;
      bool all = true;
      for (const auto& n : needles) {
        at = line.find(n, at);
        if (at == std::string::npos) {
          all = false;
          break;
        }
        at += n.size();
      }
      if (all) return line;
    }
    return std::string();
  };
  // Mutant table: operator with schedule, class, cluster, sizes, mispredictions, points.
  const std::string a = line_with({"  tmr-c0-k1-0123abcd ", " tmr (mixed) "});
  ASSERT_FALSE(a.empty()) << text;
  for (const char* cell : {" 120 ", " 340 ", "85.0%", "2.1%", "60.3%", "3.0%", "-0.42 pts", "yes"})
    EXPECT_NE(a.find(cell), std::string::npos) << cell << " in: " << a;
  const std::string b = line_with({"  shuffle-c6-k0-deadbeef ", " shuffle_weights "});
  ASSERT_FALSE(b.empty()) << text;
  EXPECT_NE(b.find("n/a"), std::string::npos) << b;
  EXPECT_NE(b.find("yes (trivial)"), std::string::npos) << b;
  // Column alignment: the header's "|I_neg|" ends where the numbers end.
  const std::string header = line_with({"|I_neg|"});
  EXPECT_EQ(header.find("|I_neg|") + 7, a.find(" 120 ") + 4) << header << "\n" << a;
  // Verdict summary per test and set.
  const std::string train = line_with({"  Fashion.Accuracy ", " accuracy ", " train "});
  EXPECT_NE(train.find("2/2"), std::string::npos) << text;
  const std::string test = line_with({"  Fashion.Accuracy ", " accuracy ", " test "});
  EXPECT_NE(test.find("1/2"), std::string::npos) << text;
  // Per-mutant detail with p and d.
  const std::string detail = line_with({"  tmr-c0-k1-0123abcd ", " Fashion.Accuracy "});
  EXPECT_NE(detail.find("1.2e-04"), std::string::npos) << detail;
  EXPECT_NE(detail.find("2.50"), std::string::npos) << detail;
  EXPECT_NE(detail.find("KILLED (underpowered)"), std::string::npos) << detail;
  EXPECT_NE(line_with({"  shuffle-c6-k0-deadbeef ", " Fashion.Accuracy "}).find(" inf "),
            std::string::npos);
  // Scores and the result.
  EXPECT_NE(line_with({"threshold 80.0%"}).find("Mutation score"), std::string::npos) << text;
  EXPECT_FALSE(line_with({"  train ", " 2 ", " 2 ", " 100.0%"}).empty()) << text;
  EXPECT_EQ(line_with({"  train ", " 2 ", " 2 ", " 100.0%"}).find("below"), std::string::npos);
  EXPECT_FALSE(line_with({"  test ", " 1 ", " 2 ", " 50.0%", "below threshold"}).empty()) << text;
  EXPECT_NE(line_with({"weak"}).find("n/a"), std::string::npos) << text;
  EXPECT_FALSE(line_with({"Result: ERRORS (1 error: "}).empty()) << text;
  EXPECT_FALSE(line_with({"evaluation threw"}).empty()) << text;

  Report ok = sample_report();
  ok.passed = true;
  ok.errors.clear();
  std::ostringstream out2;
  print_console_report(ok, out2);
  EXPECT_NE(out2.str().find("Result: PASSED"), std::string::npos);
  EXPECT_EQ(out2.str().find("Errors"), std::string::npos);
}

// Every reporter a CI reads says what the exit code says: errors first (a run whose mutants failed
// to be made must not look green, whatever its scores), then undecided, then passed or failed.
TEST(Reporters, ResultSaysWhatTheGateSays) {
  struct Case {
    const char* name;
    bool decided, passed, errors;
    const char* word;        // console, Markdown, HTML
    const char* junit_gate;  // the gate case's element
  };
  const Case cases[] = {
      {"passed", true, true, false, "PASSED", ""},
      {"failed", true, false, false, "FAILED", "<failure type=\"below threshold\""},
      {"undecided", false, false, false, "UNDECIDED", "<error type=\"undecided\""},
      // A report whose flag still says passed (as older reports did) with errors.
      {"errors", true, true, true, "ERRORS", "<error type=\"errors\""}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Report r = sample_report();
    r.decided = c.decided;
    r.undecided_reason = c.decided ? "" : "none of the 2 mutants is killable";
    r.passed = c.passed;
    if (!c.errors) r.errors.clear();
    std::ostringstream console;
    print_console_report(r, console);
    EXPECT_NE(console.str().find(std::string("Result: ") + c.word), std::string::npos)
        << console.str();
    const std::string md = ReporterRegistry::global().create("markdown")->render(r);
    EXPECT_EQ(md.rfind(std::string("## mutagen: fashion_cnn: ") + c.word + "\n", 0), 0u) << md;
    const std::string html = ReporterRegistry::global().create("html")->render(r);
    EXPECT_NE(html.find(std::string("id=\"result\">") + c.word), std::string::npos);
    const std::string junit = ReporterRegistry::global().create("junit")->render(r);
    const size_t gate = junit.find("name=\"gate\">");
    ASSERT_NE(gate, std::string::npos) << junit;
    const size_t end = junit.find("</testcase>", gate);
    const std::string gate_case = junit.substr(gate, end - gate);
    if (*c.junit_gate == '\0')
      EXPECT_EQ(gate_case.find('<'), std::string::npos) << gate_case;
    else
      EXPECT_NE(gate_case.find(c.junit_gate), std::string::npos) << gate_case;
    // Each run error is its own <error> case, so the totals count it.
    EXPECT_EQ(junit.find("evaluation threw\"/>") != std::string::npos, c.errors) << junit;
  }
}

TEST(ConsoleReport, EmptyReport) {
  Report r;
  r.subject = "empty";
  std::ostringstream out;
  print_console_report(r, out);
  EXPECT_NE(out.str().find("Mutants (0)"), std::string::npos);
  EXPECT_NE(out.str().find("Result: PASSED"), std::string::npos);
}

}  // namespace
}  // namespace mutagen
