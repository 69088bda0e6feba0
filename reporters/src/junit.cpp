// report.junit.xml: one <testsuite> per test set, one <testcase> per (mutant configuration, test
// set). A killed (or timed-out) mutant passes, a survived one is a <failure> whose message holds p,
// d, power and the values, one not killable is <skipped>, one whose evaluations failed is an
// <error>.
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
