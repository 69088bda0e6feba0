// The reporters against outside tools: the elements JSON against the npm schema (ajv), and both
// HTML pages opened in headless Chromium (reporters/npm/check_page.mjs): no console error, no
// network request, the score and the number of mutants in the rendered DOM, a screenshot in the
// build tree.
#include "browser.h"

#include <filesystem>

#include "builtin.h"
#include "mutagen/io.h"
#include "mutagen/reporters/registry.h"
#include "report_fixture.h"
#include "test_support.h"
#include "test_tools.h"

namespace mutagen {
namespace {

namespace fs = std::filesystem;
using testing_support::expect_png;
using testing_support::fixture_report;
using testing_support::open_in_chromium;
using testing_support::PageCheck;
using testing_support::run_command;
using testing_support::skip_without_chromium;
using testing_support::temp_dir;

const std::string kNpm = std::string(MUTAGEN_SOURCE_DIR) + "/reporters/npm";

// Validates `report` (a file) with ajv; returns the validator's output, "valid" when it passes.
std::string validate(const std::string& modules, const std::string& report) {
  std::string out;
  run_command("node " + kNpm + "/validate_elements.mjs " + modules + " " + report, &out, true);
  return out;
}

TEST(ElementsSchema, ReportIsValid) {
  std::string why;
  const std::string modules = testing_support::npm_modules(&why);
  if (modules.empty()) GTEST_SKIP() << why;
  const std::string path = temp_dir("schema") + "/mutation-testing-report.json";
  ReporterRegistry::global().create("elements")->write(fixture_report(), temp_dir("schema"));
  EXPECT_EQ(validate(modules, path), "valid\n");
  // The validator can fail: a status the schema does not know, a missing location.
  nlohmann::json j = read_json(path);
  j["files"]["digits_cnn.mutants"]["mutants"][0]["status"] = "Dead";
  j["files"]["digits_cnn.mutants"]["mutants"][1].erase("location");
  write_json_atomic(path, j);
  const std::string bad = validate(modules, path);
  EXPECT_NE(bad.find("/files/digits_cnn.mutants/mutants/0/status"), std::string::npos) << bad;
  EXPECT_NE(bad.find("location"), std::string::npos) << bad;
}

// The checker itself can fail: a page with a console error and a network request.
TEST(Chromium, CheckerSeesErrorsAndRequests) {
  std::string why;
  if (skip_without_chromium(&why)) GTEST_SKIP() << why;
  const PageCheck c =
      open_in_chromium("control",
                       "<!DOCTYPE html><p>control</p><img src=\"http://example.invalid/x.png\">"
                       "<script>console.error('boom')</script>");
  EXPECT_EQ(c.result["requests"], nlohmann::json::array({"http://example.invalid/x.png"}));
  EXPECT_NE(c.result["errors"].dump().find("console.error: boom"), std::string::npos)
      << c.result.dump();
}

TEST(Chromium, HtmlReport) {
  std::string why;
  if (skip_without_chromium(&why)) GTEST_SKIP() << why;
  // Clicking the status header twice sorts the mutants by status, descending.
  const PageCheck c = open_in_chromium(
      "report", ReporterRegistry::global().create("html")->render(fixture_report()),
      "(() => { const th = document.querySelectorAll('#mutant-table th')[4]; th.click(); "
      "th.click(); return Array.from(document.querySelectorAll('#mutant-table tbody tr'), "
      "r => r.getAttribute('data-status')); })()");
  EXPECT_EQ(c.result["errors"], nlohmann::json::array()) << c.result["errors"].dump(1);
  EXPECT_EQ(c.result["requests"], nlohmann::json::array()) << c.result["requests"].dump(1);
  EXPECT_EQ(c.result["rendered"], "yes");  // the inline script ran to its end
  const std::string text = c.result["text"].get<std::string>();
  for (const char* needle :
       {"mutagen report: digits_cnn",
        "5 mutants, 1 error, 2 killed, "
        "1 not killable, 1 timeout",
        "strong 3 4 75.0% high", "66.7%", "tmr-c7-k1-dddd0004", "Class 7", "0,2,5,7: 8,490 weights"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle << " in: " << text;
  EXPECT_EQ(c.result["eval"],
            nlohmann::json::array({"error", "timeout", "not killable", "killed", "killed"}));
  expect_png(c.screenshot);
}

TEST(Chromium, ElementsPage) {
  std::string why;
  if (skip_without_chromium(&why)) GTEST_SKIP() << why;
  const std::string modules = testing_support::npm_modules(&why);
  if (modules.empty()) GTEST_SKIP() << why;
  const std::string js =
      read_file(modules + "/mutation-testing-elements/dist/mutation-test-elements.js");
  const PageCheck c = open_in_chromium("elements", internal::elements_page(fixture_report(), js));
  EXPECT_EQ(c.result["errors"], nlohmann::json::array()) << c.result["errors"].dump(1);
  EXPECT_EQ(c.result["requests"], nlohmann::json::array()) << c.result["requests"].dump(1);
  EXPECT_EQ(c.result["rendered"], "yes");
  const std::string text = c.result["text"].get<std::string>();
  // The component's own text, read through its shadow roots.
  for (const char* needle : {"digits_cnn.mutants", "75.00"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle << " in: " << text.substr(0, 3000);
  expect_png(c.screenshot);
}

}  // namespace
}  // namespace mutagen
