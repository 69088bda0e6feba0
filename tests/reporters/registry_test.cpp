// The reporter registry (names, errors, lists, writing into a folder) and `mutagen report`.
#include "mutagen/reporters/registry.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mutagen/io.h"
#include "report_fixture.h"
#include "test_support.h"
#include "test_tools.h"

namespace mutagen {
namespace {

namespace fs = std::filesystem;
using testing_support::expect_error;
using testing_support::fixture_report;
using testing_support::temp_dir;

const std::vector<std::string> kBuiltins = {"console", "elements", "elements-html", "html",
                                            "json",    "junit",    "markdown"};

TEST(ReporterRegistry, BuiltinsByName) {
  const auto names = ReporterRegistry::global().names();
  for (const auto& n : kBuiltins) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
    const auto r = ReporterRegistry::global().create(n);
    EXPECT_EQ(r->name(), n);
    EXPECT_FALSE(r->description().empty()) << n;
    EXPECT_EQ(ReporterRegistry::global().description(n), r->description());
  }
}

TEST(ReporterRegistry, UnknownNameListsTheKnownOnes) {
  std::vector<std::string> parts = {"unknown reporter 'pdf'", "known: "};
  parts.insert(parts.end(), kBuiltins.begin(), kBuiltins.end());
  expect_error([] { ReporterRegistry::global().create("pdf"); }, parts);
  // "all" is offered where it is accepted (a list), not for one reporter (mutagen report).
  try {
    ReporterRegistry::global().create("all");
    ADD_FAILURE() << "'all' created one reporter";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("or all"), std::string::npos) << e.what();
  }
  expect_error([] { ReporterRegistry::global().create_list("console,pdf"); },
               {"'pdf'", ", or all)"});
  expect_error([] { ReporterRegistry::global().create_list(" , "); }, {"no reporter named"});
}

TEST(ReporterRegistry, ListsAndAll) {
  const auto two = ReporterRegistry::global().create_list("console, junit,junit");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0]->name(), "console");
  EXPECT_EQ(two[1]->name(), "junit");
  EXPECT_EQ(ReporterRegistry::global().create_list("all").size(),
            ReporterRegistry::global().names().size());
}

struct Dummy : Reporter {
  std::string name() const override { return "dummy"; }
  std::string description() const override { return "a test reporter"; }
  std::string file_name() const override { return "dummy.txt"; }
  std::string render(const Report& r) const override { return r.subject + "\n"; }
};

TEST(ReporterRegistry, OwnRegistryRejectsDuplicates) {
  ReporterRegistry registry;
  registry.add<Dummy>();
  EXPECT_EQ(registry.names(), std::vector<std::string>{"dummy"});
  expect_error([&] { registry.add<Dummy>(); }, {"'dummy'", "registered twice"});
  const std::string dir = temp_dir("dummy");
  registry.create("dummy")->write(fixture_report(), dir);
  EXPECT_EQ(read_file(dir + "/dummy.txt"), "digits_cnn\n");
}

TEST(ReporterRegistry, EachFileReporterWritesItsFile) {
  const std::string dir = temp_dir("all");
  for (const char* n : {"json", "html", "junit", "markdown", "elements"}) {
    const auto r = ReporterRegistry::global().create(n);
    r->write(fixture_report(), dir);
    EXPECT_EQ(read_file(dir + "/" + r->file_name()), r->render(fixture_report())) << n;
  }
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) ++files, (void)e;
  EXPECT_EQ(files, 5);  // no temp files left behind
}

class Rerender : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir("rerender");
    input_ = dir_ + "/report.json";
    write_json_report(fixture_report(), input_);
    out_ = dir_ + "/out/page.html";
  }
  std::string dir_, input_, out_;
};

TEST_F(Rerender, EachFormatFromSavedJson) {
  for (const char* f : {"html", "junit", "elements", "markdown", "json", "console"}) {
    rerender_report(input_, f, out_);
    EXPECT_EQ(read_file(out_), ReporterRegistry::global().create(f)->render(fixture_report())) << f;
  }
}

TEST_F(Rerender, ErrorsLeaveTheOutputAlone) {
  write_file_atomic(out_, "previous");
  expect_error([&] { rerender_report(input_, "pdf", out_); }, {"unknown reporter 'pdf'"});
  const std::string truncated = dir_ + "/truncated.json";
  write_file_atomic(truncated, read_file(input_).substr(0, 100));
  expect_error([&] { rerender_report(truncated, "html", out_); }, {truncated, "truncated"});
  EXPECT_EQ(read_file(out_), "previous");
  // The output folder is a file.
  expect_error([&] { rerender_report(input_, "html", out_ + "/inside.html"); },
               {out_, "is a file (expected a folder)"});
  EXPECT_EQ(read_file(out_), "previous");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_ + "/out")) ++files, (void)e;
  EXPECT_EQ(files, 1);
}

TEST_F(Rerender, ElementsPageWithoutTheComponentIsANamedError) {
  setenv("MUTAGEN_ELEMENTS_JS", "/nonexistent/mutation-test-elements.js", 1);
  expect_error([&] { rerender_report(input_, "elements-html", out_); },
               {"/nonexistent/mutation-test-elements.js", "reporters/npm/install.sh"});
  unsetenv("MUTAGEN_ELEMENTS_JS");
  EXPECT_FALSE(fs::exists(out_));
}

// The CLI around rerender_report: exit codes and messages (needs the mutagen_cli target built).
TEST_F(Rerender, CommandLine) {
  if (!fs::exists(MUTAGEN_CLI)) GTEST_SKIP() << "build the mutagen_cli target to run this test";
  const std::string cli = MUTAGEN_CLI;
  std::string out;
  EXPECT_EQ(testing_support::run_command(
                cli + " report " + input_ + " --format junit --out " + out_, &out, true),
            0)
      << out;
  EXPECT_EQ(read_file(out_), ReporterRegistry::global().create("junit")->render(fixture_report()));
  out.clear();
  EXPECT_EQ(testing_support::run_command(cli + " report " + input_ + " --format pdf --out " + out_,
                                         &out, true),
            2);
  EXPECT_NE(out.find("unknown reporter 'pdf'"), std::string::npos) << out;
  const std::string foreign = dir_ + "/foreign.json";
  write_file_atomic(foreign, "{\"name\": \"x\"}");
  out.clear();
  EXPECT_EQ(testing_support::run_command(
                cli + " report " + foreign + " --format html --out " + out_, &out, true),
            2);
  EXPECT_NE(out.find("not a mutagen report"), std::string::npos) << out;
  EXPECT_EQ(read_file(out_), ReporterRegistry::global().create("junit")->render(fixture_report()));
}

}  // namespace
}  // namespace mutagen

// An untargeted mutant (class -1, e.g. a DeepMutation++ operator) has no cluster: the HTML report
// draws misprediction charts for the target classes only.
TEST(HtmlReport, UntargetedMutantsGetNoMispredictionChart) {
  mutagen::Report r = mutagen::testing_support::fixture_report();
  mutagen::MutantReport untargeted = r.mutants.front();
  untargeted.id = "gf-0";
  untargeted.cls = -1;
  untargeted.cluster = -1;
  r.mutants.push_back(untargeted);
  const std::string html = mutagen::ReporterRegistry::global().create("html")->render(r);
  EXPECT_EQ(html.find("Class -1"), std::string::npos);
  EXPECT_NE(html.find("Class 0"), std::string::npos);
  EXPECT_NE(html.find("gf-0"), std::string::npos);  // still listed among the mutants
}
