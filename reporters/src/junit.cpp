// report.junit.xml: one <testsuite> per test set, one <testcase> per (mutant configuration, test
// set). A killed (or timed-out) mutant passes, a survived one is a <failure> whose message holds p,
// d, power and the values, one not killable is <skipped>, one whose evaluations failed is an
// <error>. A last suite, "[run]", holds the gate (a failure below the threshold, an error when
// undecided or when mutants could not be made) and one <error> per such failed mutant.
#include "builtin.h"
#include "format.h"
#include "mutagen/reporters/status.h"

namespace mutagen::internal {
namespace {

std::string attr(const std::string& s) { return "\"" + xml_escape(s) + "\""; }

std::string details(const MutantReport& m, const std::string& set, bool only_survived) {
  std::string s;
  for (const auto& v : m.verdicts) {
    if (v.test_set != set || (only_survived && v.killed)) continue;
    s += (s.empty() ? "" : "; ") + v.test + " " + (v.killed ? "killed" : "survived") + ": " +
         verdict_summary(v);
  }
  return s;
}

std::string junit_document(const Report& r) {
  struct Suite {
    std::string cases;
    int tests = 0, failures = 0, errors = 0, skipped = 0;
  };
  std::vector<Suite> suites(r.test_sets.size());
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  for (size_t k = 0; k < r.test_sets.size(); ++k) {
    const std::string& set = r.test_sets[k];
    Suite& suite = suites[k];
    for (const auto& m : r.mutants) {
      const MutantStatus st = mutant_status(m, set);
      suite.cases += "    <testcase classname=" + attr("mutagen." + r.subject + "." + set) +
                     " name=" + attr(m.id + ": " + configuration_label(m));
      std::string body;
      if (!has_verdicts(m, set) && st != MutantStatus::kNotKillable) {
        suite.cases +=
            ">\n      <skipped message=\"no verdict on this test set\"/>\n"
            "    </testcase>\n";
        ++suite.tests, ++suite.skipped;
        continue;
      }
      switch (st) {
        case MutantStatus::kKilled:
        case MutantStatus::kTimeout:
          body = "      <system-out>" +
                 xml_escape(status_name(st) + ": " + details(m, set, false)) + "</system-out>\n";
          break;
        case MutantStatus::kSurvived: {
          const std::string d = details(m, set, true);
          body = "      <failure type=\"survived\" message=" + attr("survived: " + d) + ">" +
                 xml_escape(d) + "</failure>\n";
          ++suite.failures;
          break;
        }
        case MutantStatus::kNotKillable:
          body =
              "      <skipped message=\"not killable: the training data does not kill this "
              "mutant, so no test is expected to\"/>\n";
          ++suite.skipped;
          break;
        case MutantStatus::kError: {
          const std::string d = details(m, set, false);
          body = "      <error type=\"error\" message=" + attr("evaluations failed: " + d) + ">" +
                 xml_escape(d) + "</error>\n";
          ++suite.errors;
          break;
        }
      }
      suite.cases += ">\n" + body + "    </testcase>\n";
      ++suite.tests;
    }
    tests += suite.tests, failures += suite.failures, errors += suite.errors,
        skipped += suite.skipped;
  }
  // The run itself: its gate, and each mutant or evaluation that failed (those are in no test
  // set's suite), so that a CI reading only this file sees what the exit code says.
  Suite run;
  const RunResult result = run_result(r);
  run.cases +=
      "    <testcase classname=" + attr("mutagen." + r.subject + ".run") + " name=\"gate\">\n";
  if (result == RunResult::kFailed) {
    run.cases += "      <failure type=\"below threshold\" message=" +
                 attr("a gated test set scores below the threshold " + percent(r.threshold)) +
                 "/>\n";
    ++run.failures;
  } else if (result != RunResult::kPassed) {
    run.cases +=
        "      <error type=" + attr(result == RunResult::kErrors ? "errors" : "undecided") +
        " message=" + attr(result_name(result) + ": " + result_reason(r)) + "/>\n";
    ++run.errors;
  }
  run.cases += "    </testcase>\n";
  ++run.tests;
  for (size_t e = 0; e < r.errors.size(); ++e) {
    run.cases += "    <testcase classname=" + attr("mutagen." + r.subject + ".run") +
                 " name=" + attr("error " + std::to_string(e + 1)) +
                 ">\n      <error type=\"error\" message=" + attr(r.errors[e]) + "/>\n" +
                 "    </testcase>\n";
    ++run.tests, ++run.errors;
  }
  tests += run.tests, failures += run.failures, errors += run.errors;
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=" +
                  attr("mutagen " + r.subject) + " tests=\"" + std::to_string(tests) +
                  "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
                  std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) + "\">\n";
  for (size_t k = 0; k < suites.size(); ++k) {
    const Suite& suite = suites[k];
    const ScoreReport* score = find_score(r, r.test_sets[k]);
    s += "  <testsuite name=" + attr(r.subject + " [" + r.test_sets[k] + "]") + " tests=\"" +
         std::to_string(suite.tests) + "\" failures=\"" + std::to_string(suite.failures) +
         "\" errors=\"" + std::to_string(suite.errors) + "\" skipped=\"" +
         std::to_string(suite.skipped) + "\">\n    <properties>\n      <property name=\"score\" " +
         "value=" + attr(score ? percent(score->score) : "n/a") +
         "/>\n      <property name=\"threshold\" value=" + attr(percent(r.threshold)) +
         "/>\n    </properties>\n" + suite.cases + "  </testsuite>\n";
  }
  s += "  <testsuite name=" + attr(r.subject + " [run]") + " tests=\"" + std::to_string(run.tests) +
       "\" failures=\"" + std::to_string(run.failures) + "\" errors=\"" +
       std::to_string(run.errors) + "\" skipped=\"0\">\n" + run.cases + "  </testsuite>\n";
  return s + "</testsuites>\n";
}

class JunitReporter : public Reporter {
 public:
  std::string name() const override { return "junit"; }
  std::string description() const override {
    return "report.junit.xml: a testcase per mutant and test set; survived mutants fail";
  }
  std::string file_name() const override { return "report.junit.xml"; }
  std::string render(const Report& report) const override {
    return internal::junit_document(report);
  }
};

}  // namespace

std::unique_ptr<Reporter> make_junit_reporter() { return std::make_unique<JunitReporter>(); }

}  // namespace mutagen::internal
