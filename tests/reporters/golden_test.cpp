// Golden files: every reporter rendered from the fixed report (report_fixture.h) and compared whole
// with tests/reporters/golden/. Regenerate: MUTAGEN_UPDATE_GOLDENS=1
// build-dir/bin/mutagen_reporters_tests
// --gtest_filter='Golden.*', then review `git diff tests/reporters/golden`.
#include <sstream>

#include "builtin.h"
#include "mutagen/reporters/registry.h"
#include "report_fixture.h"
#include "test_support.h"
#include "test_tools.h"

namespace mutagen {
namespace {

using testing_support::expect_golden;
using testing_support::fixture_report;

std::string rendered(const std::string& reporter) {
  return ReporterRegistry::global().create(reporter)->render(fixture_report());
}

TEST(Golden, Console) { expect_golden("console.txt", rendered("console")); }

TEST(Golden, ConsoleInColour) {
  std::ostringstream out;
  print_console_report(fixture_report(), out, true);
  expect_golden("console-colour.txt", out.str());
}

TEST(Golden, Json) { expect_golden("report.json", rendered("json")); }
TEST(Golden, Html) { expect_golden("report.html", rendered("html")); }
TEST(Golden, Junit) { expect_golden("report.junit.xml", rendered("junit")); }
TEST(Golden, Markdown) { expect_golden("report.md", rendered("markdown")); }
TEST(Golden, ElementsJson) { expect_golden("mutation-testing-report.json", rendered("elements")); }

// The page around the web component, with a stub in place of its 230 kB of JS.
TEST(Golden, ElementsPage) {
  expect_golden("mutation-testing-report.html",
                internal::elements_page(fixture_report(), "/* mutation-testing-elements */"));
}

// JUnit consumers reject malformed XML: parse the file with an independent parser (Python's).
TEST(Golden, JunitIsWellFormedXml) {
  if (!testing_support::have_program("python3")) GTEST_SKIP() << "python3 not installed";
  Report r = fixture_report();
  r.mutants[1].id = "odd <id> & \"quotes\" \x01";
  const std::string dir = testing_support::temp_dir("junit");
  ReporterRegistry::global().create("junit")->write(r, dir);
  std::string out;
  EXPECT_EQ(testing_support::run_command(
                "python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
                "print(len(d.getElementsByTagName(\"testcase\")), "
                "len(d.getElementsByTagName(\"failure\")))' " +
                    dir + "/report.junit.xml",
                &out, true),
            0)
      << out;
  // 5 mutants x 3 test sets, the gate, and one case per run error.
  EXPECT_EQ(out, "17 1\n");
}

TEST(Golden, EmptyReport) {
  Report r;
  r.subject = "empty";
  std::string all;
  for (const char* name : {"console", "html", "junit", "markdown", "elements"})
    all += std::string("==== ") + name + "\n" + ReporterRegistry::global().create(name)->render(r);
  expect_golden("empty-report.txt", all);
}

}  // namespace
}  // namespace mutagen
