// An output path that is one of the command's inputs, or a folder, is a named error before any
// work, and the input is left as it was (`mutate --model m.pt --out m.pt` used to replace the
// original model with its mutant).
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_target.h"
#include "mutagen/io.h"

namespace mutagen {
namespace {

namespace fs = std::filesystem;
using testing_support::cli_target;
using testing_support::CliResult;
using testing_support::run_cli;

class CliOutputPath : public testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(MUTAGEN_CLI)) GTEST_SKIP() << MUTAGEN_CLI << " is not built";
    dir_ = testing_support::temp_dir("output-path");
  }
  // Copies `path` into the test's folder, so that an overwrite could not hurt the shared fixture.
  std::string copy(const std::string& path, const std::string& name) {
    const std::string to = dir_ + "/" + name;
    fs::copy_file(path, to, fs::copy_options::overwrite_existing);
    return to;
  }
  void expect_refused(const std::string& args, const std::string& file,
                      const std::vector<std::string>& parts) {
    const std::string before = read_file(file);
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    for (const auto& p : parts) EXPECT_NE(r.err.find(p), std::string::npos) << p << " in " << r.err;
    EXPECT_EQ(read_file(file), before) << file << " was changed by: " << args;
  }
  std::string dir_;
};

TEST_F(CliOutputPath, AnInputIsNeverOverwritten) {
  const auto& t = cli_target();
  const std::string model = copy(t.model, "model.pt"), images = copy(t.images, "images");
  const std::string files = "--model '" + model + "' --images '" + images + "' --labels '" +
                            t.labels + "' --clusters '" + t.clusters + "' --class 2 --cluster 1";
  // The same file by another spelling of its path.
  expect_refused("mutate --operator gf " + files + " --out '" + dir_ + "/./model.pt'", model,
                 {"--out '" + dir_ + "/./model.pt' is the same file as --model '" + model + "'"});
  expect_refused(
      "cluster --images '" + images + "' --labels '" + t.labels + "' --out '" + images + "'",
      images, {"--out", "is the same file as --images"});
  const std::string front = copy(t.clusters, "front.json");
  expect_refused("localise " + files + " --out '" + front + "' --svg '" + front + "'", front,
                 {"--svg '" + front + "' is also --out"});
  const std::string report = dir_ + "/report.json";
  write_file_atomic(report, "{}");
  expect_refused("report '" + report + "' --format html --out '" + report + "'", report,
                 {"is the same file as the report"});
  expect_refused("merge '" + report + "' --out '" + report + "'", report,
                 {"is the same file as the partial report"});
}

TEST_F(CliOutputPath, AFolderIsNoOutputFile) {
  const CliResult r = run_cli("mutate --operator gf " + cli_target().files() +
                              " --class 2 --cluster 1 --out '" + dir_ + "'");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--out '" + dir_ + "' is a folder, expected the path of a file to write"),
            std::string::npos)
      << r.err;
}

// A mutant file goes to a folder that does not exist yet, as JSON outputs do.
TEST_F(CliOutputPath, MissingFoldersAreCreated) {
  const std::string out = dir_ + "/new/sub/m.pt";
  const CliResult r = run_cli("mutate --operator gf " + cli_target().files() +
                              " --class 2 --cluster 1 --out '" + out + "'");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_regular_file(out));
}

}  // namespace
}  // namespace mutagen
