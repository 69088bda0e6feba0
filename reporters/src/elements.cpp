// Stryker's mutation-testing-elements: the JSON of mutation-testing-report-schema (schema version
// 2), and a page embedding the <mutation-test-report-app> web component with its JS inlined. One
// "file" per subject: its source lists the mutant configurations, one line each (operator, class,
// cluster; the report has no layer listing), and each mutant sits on its line. A mutant's status is
// over all test sets (killed by any, as Stryker counts a mutant killed by any test).
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "builtin.h"
#include "format.h"
#include "mutagen/error.h"
#include "mutagen/reporters/status.h"

#ifndef MUTAGEN_NPM_REPORTERS_DIR
#define MUTAGEN_NPM_REPORTERS_DIR ""
#endif

namespace mutagen::internal {
namespace {

using json = nlohmann::json;

const char* stryker_status(MutantStatus s) {
  switch (s) {
    case MutantStatus::kKilled:
      return "Killed";
    case MutantStatus::kSurvived:
      return "Survived";
    case MutantStatus::kNotKillable:
      return "NoCoverage";
    case MutantStatus::kTimeout:
      return "Timeout";
    case MutantStatus::kError:
      return "RuntimeError";
  }
  return "Pending";
}

std::string test_id(const Verdict& v) { return v.test + " [" + v.test_set + "]"; }

int percent_int(double fraction) {
  return std::isfinite(fraction)
             ? static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * 100))
             : 0;
}

}  // namespace

json elements_json(const Report& r) {
  std::string source;
  json mutants = json::array();
  std::set<std::string> tests;
  for (size_t i = 0; i < r.mutants.size(); ++i) {
    const MutantReport& m = r.mutants[i];
    const std::string line = configuration_label(m) + "  # " + m.id;
    source += line + "\n";
    json killed_by = json::array(), covered_by = json::array();
    std::string reason;
    for (const auto& v : m.verdicts) {
      tests.insert(test_id(v));
      covered_by.push_back(test_id(v));
      if (v.killed) killed_by.push_back(test_id(v));
      reason += (reason.empty() ? "" : "\n") + test_id(v) + " " +
                (v.killed ? "killed" : "survived") + ": " + verdict_summary(v);
    }
    const MutantStatus st = mutant_status(m);
    if (st == MutantStatus::kNotKillable)
      reason = "not killable: the training data does not kill it" +
               (reason.empty() ? "" : "\n" + reason);
    json mj = {{"id", m.id},
               {"mutatorName", m.operator_name},
               {"description", configuration_label(m) + ", options " + m.options.dump()},
               {"location",
                {{"start", {{"line", i + 1}, {"column", 1}}},
                 {"end", {{"line", i + 1}, {"column", line.size() + 1}}}}},
               {"status", stryker_status(st)},
               {"coveredBy", covered_by}};
    if (!killed_by.empty()) mj["killedBy"] = killed_by;
    if (!reason.empty()) mj["statusReason"] = reason;
    mutants.push_back(std::move(mj));
  }
  json test_list = json::array();
  for (const auto& t : tests) test_list.push_back({{"id", t}, {"name", t}});
  json j = {{"schemaVersion", "2"},
            {"thresholds",
             {{"high", percent_int(r.thresholds.high)}, {"low", percent_int(r.thresholds.low)}}},
            {"files",
             {{r.subject + ".mutants",
               {{"language", "plaintext"}, {"source", source}, {"mutants", mutants}}}}},
            {"framework", {{"name", "mutagen"}}},
            {"config",
             {{"alpha", r.alpha},
              {"effect_size", r.effect_size},
              {"instances", r.instances},
              {"kill_criterion", r.kill_criterion},
              {"break", percent_int(r.threshold)}}}};
  if (!test_list.empty()) j["testFiles"] = {{r.subject + " tests", {{"tests", test_list}}}};
  return j;
}

std::string elements_page(const Report& r, const std::string& component_js) {
  std::string data = elements_json(r).dump();
  std::string safe;  // "<" only occurs inside JSON strings, where \u003c means the same
  for (char c : data) safe += c == '<' ? std::string("\\u003c") : std::string(1, c);
  std::string js = component_js;
  for (size_t at = 0; (at = js.find("</script", at)) != std::string::npos; at += 2)
    js.replace(at, 2, "<\\/");
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; font-src data:\">\n"
         "<title>mutagen mutation report: " +
         xml_escape(r.subject) + "</title>\n<script>\n" + js +
         "\n</script>\n</head>\n<body>\n<mutation-test-report-app title-postfix=\"" +
         xml_escape(r.subject) +
         "\"></mutation-test-report-app>\n<script>\n"
         "document.querySelector('mutation-test-report-app').report = " +
         safe +
         ";\ndocument.body.setAttribute('data-rendered', 'yes');\n</script>\n</body>\n</html>\n";
}

std::string elements_component_js() {
  const std::string package =
      "node_modules/mutation-testing-elements/dist/mutation-test-elements.js";
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("MUTAGEN_ELEMENTS_JS"); env && *env)
    candidates.push_back(env);  // when set, the only place looked at
  else if (*MUTAGEN_NPM_REPORTERS_DIR)
    candidates.push_back(std::string(MUTAGEN_NPM_REPORTERS_DIR) + "/" + package);
  for (const auto& path : candidates) {
    std::ifstream in(path, std::ios::binary);
    if (!in) continue;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string tried;
  for (const auto& c : candidates) tried += (tried.empty() ? "" : ", ") + c;
  throw Error(
      "elements-html reporter: the mutation-testing-elements web component is not installed " +
      std::string("(tried ") + (tried.empty() ? "nothing" : tried) +
      "; expected reporters/npm/install.sh BUILD_DIR to have run, or MUTAGEN_ELEMENTS_JS " +
      "naming dist/mutation-test-elements.js)");
}

namespace {

class ElementsReporter : public Reporter {
 public:
  std::string name() const override { return "elements"; }
  std::string description() const override {
    return "mutation-testing-report.json: Stryker's mutation-testing-report-schema";
  }
  std::string file_name() const override { return "mutation-testing-report.json"; }
  std::string render(const Report& report) const override {
    return elements_json(report).dump(2) + "\n";
  }
};

class ElementsHtmlReporter : public Reporter {
 public:
  std::string name() const override { return "elements-html"; }
  std::string description() const override {
    return "mutation-testing-report.html: Stryker's mutation-testing-elements page, JS inlined";
  }
  std::string file_name() const override { return "mutation-testing-report.html"; }
  std::string render(const Report& report) const override {
    return elements_page(report, elements_component_js());
  }
};

}  // namespace

std::unique_ptr<Reporter> make_elements_reporter() { return std::make_unique<ElementsReporter>(); }
std::unique_ptr<Reporter> make_elements_html_reporter() {
  return std::make_unique<ElementsHtmlReporter>();
}

}  // namespace mutagen::internal
