// End to end through the Fashion-MNIST example (examples/fashion_torchscript): instances trained
// and scripted by Python with functional steps and a softmax at the end, the user's GoogleTest
// suite, TMR and arachne-de mutants, verdicts and the report.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "test_support.h"

namespace fs = std::filesystem;
using mutagen::testing_support::read_text;

namespace {

const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

int run(const fs::path& dir, const std::string& command) {
  const std::string full = "cd '" + dir.string() + "' && " + command + " >stdout.txt 2>stderr.txt";
  const int status = std::system(full.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class FashionExample : public ::testing::Test {
 protected:
  // One run per build of the example binary, kept in the build tree (ctest runs each test in its
  // own process); the instances are made once.
  static void SetUpTestSuite() {
    skip_ = mutagen::testing_support::python_torch_missing();
    if (!skip_.empty()) return;
    if (!fs::exists(fs::path(kFashionDir) / "train-images-idx3-ubyte.gz")) {
      skip_ = std::string(kFashionDir) + " missing (install dataset-fashion-mnist)";
      return;
    }
    dir_ = fs::path(MUTAGEN_BINARY_DIR) / "tests" / "fashion-example";
    fs::create_directories(dir_);
    const std::string make = "/usr/bin/python3 '" + std::string(FASHION_EXAMPLE_DIR) +
                             "/make_instances.py' models --count 5";
    ASSERT_EQ(run(dir_, make), 0) << read_text(dir_ / "stderr.txt");
    const auto bin = fs::path(FASHION_EXAMPLE_BINARY);
    const std::string stamp = std::to_string(fs::file_size(bin)) + ":" +
                              std::to_string(fs::last_write_time(bin).time_since_epoch().count());
    if (read_text(dir_ / "stamp") != stamp || !fs::exists(dir_ / "report.json")) {
      fs::remove_all(dir_ / "mutagen-cache");
      fs::remove(dir_ / "report.json");
      code_ = run(dir_, bin.string() + " --mutagen_run --mutagen_report=report.json");
      std::ofstream(dir_ / "code") << code_;
      std::ofstream(dir_ / "stamp") << stamp;
    }
    code_ = std::stoi(read_text(dir_ / "code"));
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
  }
  static nlohmann::json report() { return nlohmann::json::parse(read_text(dir_ / "report.json")); }

  static inline fs::path dir_;
  static inline std::string skip_;
  static inline int code_ = -1;
};

TEST_F(FashionExample, RunsTheUsersTestsOnTorchScriptInstancesAndDecides) {
  ASSERT_EQ(code_, 0) << read_text(dir_ / "stderr.txt");
  const auto r = report();
  EXPECT_EQ(r["subject"], "FashionTorchScript");
  EXPECT_EQ(r["instances"], 5);
  EXPECT_TRUE(r["decided"].get<bool>()) << r["undecided_reason"];
  // One mutant per operator and cluster of class 0.
  std::map<std::string, std::set<int>> clusters;
  for (const auto& m : r["mutants"]) clusters[m["operator"]].insert(m["cluster"].get<int>());
  ASSERT_EQ(clusters.size(), 2u);
  EXPECT_GE(clusters["tmr"].size(), 2u);
  EXPECT_EQ(clusters["tmr"], clusters["arachne-de"]);
  for (const auto& m : r["mutants"]) {
    EXPECT_EQ(m["class"], 0);
    for (const auto& v : m["verdicts"]) {
      EXPECT_EQ(v["original"].size(), 5u);
      EXPECT_EQ(v["mutant"].size(), 5u);
    }
    if (m["operator"] == "arachne-de") {
      // layer "auto" reached through F.relu, F.max_pool2d, F.dropout, torch.flatten: fc1, the
      // last hidden layer before fc2 and the softmax.
      EXPECT_EQ(m["layer"], "fc1");
      EXPECT_EQ(m["weights_changed"], 80);
    } else {
      EXPECT_EQ(m["layer"], "conv1,conv2,fc1,fc2");
      // Retrained on the logits, TMR mispredicts most of its cluster and far less of the rest.
      EXPECT_GT(m["misprediction_neg"].get<double>(), 0.5);
      EXPECT_GT(m["misprediction_neg"].get<double>(), 2 * m["misprediction_pos"].get<double>());
    }
  }
  // The weak test set (the easiest tenth of each class) kills no more than the strong one.
  double strong = -1, weak = -1;
  for (const auto& s : r["scores"]) {
    if (s["test_set"] == "strong") strong = s["score"].get<double>();
    if (s["test_set"] == "weak") weak = s["score"].get<double>();
  }
  ASSERT_GE(strong, 0);
  ASSERT_GE(weak, 0);
  EXPECT_GE(strong, weak);
  EXPECT_GT(strong, 0.5);
}

}  // namespace
