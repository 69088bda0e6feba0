// End to end through a real user binary (examples/custom_mutator): train -> cluster -> mutants
// (cached)
// -> tests on originals and mutants -> kill decisions -> report.json -> exit code.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "test_support.h"

namespace fs = std::filesystem;
using mutagen::testing_support::read_text;

namespace {

struct Proc {
  int code = -1;
  std::string out, err;
};

// Runs `command` in `dir`, capturing stdout/stderr.
Proc run_in(const fs::path& dir, const std::string& command) {
  const std::string full = "cd '" + dir.string() + "' && " + command + " >stdout.txt 2>stderr.txt";
  const int status = std::system(full.c_str());
  Proc r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(dir / "stdout.txt");
  r.err = read_text(dir / "stderr.txt");
  return r;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

class ExampleRun : public ::testing::Test {
 protected:
  // ctest runs every TEST_F in its own process: the two runs (fresh cache, then reuse) happen once
  // per build of the example binary and are kept in the folder, stamped with the binary's identity.
  static void SetUpTestSuite() {
    if (mutagen::testing_support::digits_dir().empty()) return;
    dir_ = fs::path(MUTAGEN_BINARY_DIR) / "tests" / "example-run";
    const auto bin = fs::path(EXAMPLE_BINARY);
    const std::string stamp = std::to_string(fs::file_size(bin)) + ":" +
                              std::to_string(fs::last_write_time(bin).time_since_epoch().count());
    if (read_text(dir_ / "stamp") != stamp) {
      fs::remove_all(dir_);
      fs::create_directories(dir_);
      save("first", run_in(dir_, std::string(EXAMPLE_BINARY) +
                                     " --mutagen_run --mutagen_report=first.json"));
      save("second", run_in(dir_, std::string(EXAMPLE_BINARY) +
                                      " --mutagen_run --mutagen_report=second.json"));
      std::ofstream(dir_ / "stamp") << stamp;
    }
    first_ = load("first");
    second_ = load("second");
  }
  static void save(const std::string& name, const Proc& r) {
    std::ofstream(dir_ / (name + ".code")) << r.code;
    std::ofstream(dir_ / (name + ".out")) << r.out;
    std::ofstream(dir_ / (name + ".err")) << r.err;
  }
  static Proc load(const std::string& name) {
    Proc r;
    r.code = std::stoi(read_text(dir_ / (name + ".code")));
    r.out = read_text(dir_ / (name + ".out"));
    r.err = read_text(dir_ / (name + ".err"));
    return r;
  }
  void SetUp() override {
    if (mutagen::testing_support::digits_dir().empty())
      GTEST_SKIP()
          << "build/data/digits missing: run scripts/build.sh (it converts the npm digits)";
  }
  static nlohmann::json report(const std::string& name) {
    return nlohmann::json::parse(read_text(dir_ / name));
  }
  static inline fs::path dir_;
  static inline Proc first_, second_;
};

TEST_F(ExampleRun, FirstRunMakesMutantsAndWritesAReport) {
  ASSERT_TRUE(first_.code == 0 || first_.code == 1) << first_.err;
  const auto r = report("first.json");
  EXPECT_EQ(r["subject"], "TinyDigits");
  EXPECT_EQ(r["instances"], 5);
  // Class 7 has 2 clusters -> 2 TMR configurations, plus one untargeted last_layer_noise.
  ASSERT_EQ(r["mutants"].size(), 3u);
  EXPECT_EQ(count(first_.err, "(made)"), 15) << first_.err;
  for (const auto& m : r["mutants"]) {
    for (const char* key :
         {"id", "operator", "options", "class", "cluster", "i_neg", "i_pos", "misprediction_neg",
          "misprediction_pos", "heldout_misprediction_neg", "heldout_misprediction_pos",
          "other_classes_accuracy_change", "verdicts"})
      EXPECT_TRUE(m.contains(key)) << key;
    // Two tests x (train, test, weak) sets, one metric each.
    EXPECT_EQ(m["verdicts"].size(), 6u);
    for (const auto& v : m["verdicts"]) {
      EXPECT_EQ(v["original"].size(), 5u);
      EXPECT_EQ(v["mutant"].size(), 5u);
      const bool killed = v["killed"];
      if (!v["p_value"].is_null() && !v["cohens_d"].is_null()) {
        EXPECT_EQ(killed, v["p_value"].get<double>() < 0.05 && v["cohens_d"].get<double>() >= 0.5);
      }
    }
    if (m["operator"] == "tmr") {
      EXPECT_EQ(m["options"]["schedule"], "mixed");
      EXPECT_GT(m["i_neg"].get<int>(), 0);
      // A TMR mutant mispredicts far more of its cluster than of the other cluster.
      EXPECT_GT(m["misprediction_neg"].get<double>(), 2 * m["misprediction_pos"].get<double>());
    }
  }
  // The exit code agrees with the verdict on the threshold.
  EXPECT_EQ(first_.code == 0, r["passed"].get<bool>());
}

// The run must find what is there: kills are required, not just consistent with printed numbers.
TEST_F(ExampleRun, KnownKillableMutantsAreKilledAndTheStrongSetScoresHigher) {
  const auto r = report("first.json");
  EXPECT_TRUE(r["decided"].get<bool>()) << r["undecided_reason"];
  auto killed_on = [](const nlohmann::json& m, const std::string& set) {
    for (const auto& v : m["verdicts"])
      if (v["test_set"] == set && v["killed"].get<bool>()) return true;
    return false;
  };
  int tmr_killed_on_test = 0;
  for (const auto& m : r["mutants"]) {
    if (m["operator"] == "last_layer_noise") {
      // Noise of sd 0.5 on every weight of the output layer wrecks every instance: any test on any
      // set with digits of every class must notice.
      EXPECT_TRUE(m["killable"].get<bool>());
      EXPECT_TRUE(killed_on(m, "train"));
      EXPECT_TRUE(killed_on(m, "test"));
      EXPECT_TRUE(killed_on(m, "weak"));
    }
    if (m["operator"] == "tmr" && killed_on(m, "test")) ++tmr_killed_on_test;
    // The weak set has no sevens: the class-7 test measures nothing there and cannot kill.
    for (const auto& v : m["verdicts"])
      if (v["test_set"] == "weak" && v["metric"] == "accuracy_class_7") {
        EXPECT_FALSE(v["killed"].get<bool>());
      }
  }
  EXPECT_GE(tmr_killed_on_test, 1);
  double strong = -1, weak = -1;
  for (const auto& s : r["scores"]) {
    if (s["test_set"] == "test") strong = s["score"].get<double>();
    if (s["test_set"] == "weak") weak = s["score"].get<double>();
  }
  EXPECT_GT(strong, 0);
  EXPECT_GE(strong, weak);
  EXPECT_EQ(r["alternative"], "greater");
  EXPECT_EQ(r["kill_criterion"], "wilcoxon-cohen");
}

// kill -9 in the middle of a run, then the same command again: it resumes from the journal and
// writes the same report as the uninterrupted run.
TEST_F(ExampleRun, AnInterruptedRunResumesAndGivesTheSameReport) {
  const fs::path runs = dir_ / "mutagen-cache" / "runs";
  std::error_code ec;
  fs::remove_all(runs, ec);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string cmd =
        "cd '" + dir_.string() + "' && exec " + EXAMPLE_BINARY +
        " --mutagen_run --mutagen_report=interrupted.json >interrupted.out 2>interrupted.err";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto journal_lines = [&] {
    int lines = 0;
    if (!fs::exists(runs)) return 0;
    for (const auto& e : fs::directory_iterator(runs)) {
      std::ifstream in(e.path());
      std::string l;
      while (std::getline(in, l)) ++lines;
    }
    return lines;
  };
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 6000 && journal_lines() < 8; ++i) {  // at most 120 s
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(exited) << "the run ended before it could be interrupted";
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(fs::exists(dir_ / "interrupted.json"));
  const int journalled = journal_lines();
  ASSERT_GE(journalled, 8);

  const Proc resumed =
      run_in(dir_, std::string(EXAMPLE_BINARY) + " --mutagen_run --mutagen_report=resumed.json");
  ASSERT_EQ(resumed.code, first_.code) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming an interrupted run"), std::string::npos) << resumed.err;
  auto r = report("resumed.json");
  EXPECT_GE(r["resumed"].get<int>(), 8);
  auto f = report("first.json");
  r.erase("resumed");
  f.erase("resumed");
  r.erase("timings");  // wall-clock seconds: the only part allowed to differ
  f.erase("timings");
  EXPECT_EQ(r, f);
  // A finished run removes its journal: the next run starts afresh.
  EXPECT_EQ(journal_lines(), 0);
}

TEST_F(ExampleRun, SecondRunReusesEveryMutantAndReproducesTheReport) {
  ASSERT_EQ(second_.code, first_.code) << second_.err;
  EXPECT_EQ(count(second_.err, "(made)"), 0) << second_.err;
  EXPECT_EQ(count(second_.err, "(cached)"), 15);
  auto first = report("first.json"), second = report("second.json");
  first.erase("timings");  // wall-clock seconds: the only part allowed to differ
  second.erase("timings");
  EXPECT_EQ(first, second);
  // What each mutant changed: TMR retrains every layer, last_layer_noise only the last one.
  // What each mutant cost to make: measured by the first run, carried by the cache into the second
  // (the equality above).
  for (const auto& m : first["mutants"]) {
    EXPECT_GT(m["weights_changed"].get<int64_t>(), 0) << m["id"];
    ASSERT_TRUE(m["seconds_per_mutant"].is_number()) << m["id"];
    EXPECT_GT(m["seconds_per_mutant"].get<double>(), 0) << m["id"];
    if (m["operator"] == "last_layer_noise") {
      EXPECT_EQ(m["layer"], "8") << m["id"];  // Linear(64, 10)
      // Untargeted: misprediction on the subject's clusters vs the rest of their class, no
      // held-out parts. Noise of sd 0.5 on the output layer hits both alike.
      EXPECT_GT(m["misprediction_neg"].get<double>(), 0) << m["id"];
      EXPECT_GT(m["misprediction_pos"].get<double>(), 0) << m["id"];
      EXPECT_TRUE(m["heldout_misprediction_neg"].is_null()) << m["id"];
    }
  }
  EXPECT_EQ(first["original_fingerprints"].size(), 5u);
  EXPECT_EQ(first["thresholds"]["high"], 0.8);
}

TEST_F(ExampleRun, FilterNarrowsTheTestsAndCliRunMatches) {
  const Proc r = run_in(dir_, std::string(MUTAGEN_CLI) + " run " + EXAMPLE_BINARY +
                                  " --report filtered.json --filter 'TinyDigits.Accuracy'");
  ASSERT_EQ(r.code, first_.code) << r.err;
  for (const auto& m : report("filtered.json")["mutants"])
    for (const auto& v : m["verdicts"]) EXPECT_EQ(v["test"], "TinyDigits.Accuracy");
}

// In one stream (CI logs, 2>&1) a log line starts a line of its own: stdout's tables are flushed
// before it instead of being split by it.
TEST_F(ExampleRun, LogLinesDoNotSplitTheTablesInOneStream) {
  const Proc r = run_in(dir_, "(SPDLOG_LEVEL=info " + std::string(EXAMPLE_BINARY) +
                                  " --mutagen_run --mutagen_report=merged.json 2>&1)");
  ASSERT_EQ(r.code, first_.code) << r.out;
  std::istringstream lines(r.out);
  int logged = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("] [mutagen] [") == std::string::npos) continue;
    ++logged;
    EXPECT_EQ(line.rfind("[20", 0), 0u) << "a log line inside another line: " << line;
  }
  EXPECT_GT(logged, 0) << r.out;
  EXPECT_NE(r.out.find("Result: "), std::string::npos) << r.out;
}

TEST_F(ExampleRun, ThresholdDecidesTheExitCode) {
  const auto r = report("first.json");
  double lowest = 1;
  for (const auto& s : r["scores"])  // only gated test sets decide the exit code
    if (!s["score"].is_null() && s.value("gated", true))
      lowest = std::min(lowest, s["score"].get<double>());
  const Proc above =
      run_in(dir_, std::string(EXAMPLE_BINARY) +
                       " --mutagen_run --mutagen_report=t0.json --mutagen_min_score=0");
  EXPECT_EQ(above.code, 0) << above.err;
  if (lowest < 1) {
    const Proc below =
        run_in(dir_, std::string(EXAMPLE_BINARY) +
                         " --mutagen_run --mutagen_report=t1.json --mutagen_min_score=1");
    EXPECT_EQ(below.code, 1) << below.err;
  }
}

TEST_F(ExampleRun, PlainRunPassesOnTheOriginals) {
  const Proc r = run_in(dir_, std::string(EXAMPLE_BINARY));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("[  PASSED  ] 2 tests"), std::string::npos) << r.out;
}

TEST_F(ExampleRun, BadInputIsAClearErrorWithExitCode2) {
  const Proc bad_flag =
      run_in(dir_, std::string(EXAMPLE_BINARY) + " --mutagen_run --mutagen_min_score=2");
  EXPECT_EQ(bad_flag.code, 2);
  EXPECT_NE(bad_flag.err.find("--mutagen_min_score"), std::string::npos) << bad_flag.err;
  // NaN fails every comparison: it must not fall back to the subject's threshold.
  const Proc nan_flag =
      run_in(dir_, std::string(EXAMPLE_BINARY) + " --mutagen_run --mutagen_min_score=nan");
  EXPECT_EQ(nan_flag.code, 2);
  EXPECT_NE(nan_flag.err.find("--mutagen_min_score"), std::string::npos) << nan_flag.err;
  const Proc bad_data =
      run_in(dir_, "MUTAGEN_DIGITS_DIR=/nonexistent " + std::string(EXAMPLE_BINARY) +
                       " --mutagen_run --mutagen_report=bad.json");
  EXPECT_EQ(bad_data.code, 2);
  EXPECT_NE(bad_data.err.find("/nonexistent"), std::string::npos) << bad_data.err;
  // Nothing already cached is lost.
  const Proc again =
      run_in(dir_, std::string(EXAMPLE_BINARY) + " --mutagen_run --mutagen_report=again.json");
  EXPECT_EQ(count(again.err, "(made)"), 0);
}

// A cache folder that cannot take files is one named error at the start, not a warning per
// instance, mutant and journal line.
TEST_F(ExampleRun, AnUnwritableCacheFolderIsOneErrorAtTheStart) {
  const fs::path here = dir_ / "cache-is-a-file";
  fs::create_directories(here);
  std::ofstream(here / "mutagen-cache") << "not a folder\n";
  const Proc r =
      run_in(here, std::string(EXAMPLE_BINARY) + " --mutagen_run --mutagen_report=r.json");
  EXPECT_EQ(r.code, 2) << r.err;
  // The example trains its instances into that folder first, which names it; a subject whose
  // instances come from elsewhere gets the runner's "cache folder ... cannot be written".
  EXPECT_NE(r.err.find("mutagen-cache"), std::string::npos) << r.err;
  EXPECT_EQ(count(r.err, "could not store"), 0) << r.err;
  EXPECT_FALSE(fs::exists(here / "r.json"));
}

TEST_F(ExampleRun, DeviceCpuGivesTheSameReportAsNoFlag) {
  const Proc r = run_in(dir_, std::string(EXAMPLE_BINARY) +
                                  " --mutagen_run --mutagen_report=cpu.json --mutagen_device=cpu");
  ASSERT_EQ(r.code, first_.code) << r.err;
  auto cpu = report("cpu.json"), first = report("first.json");
  cpu.erase("timings");  // wall-clock seconds: the only part allowed to differ
  first.erase("timings");
  EXPECT_EQ(cpu, first);
}

TEST_F(ExampleRun, BadDeviceIsANamedErrorAtStart) {
  const Proc unknown =
      run_in(dir_, std::string(EXAMPLE_BINARY) + " --mutagen_run --mutagen_device=tpu");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("--mutagen_device tpu: unknown device"), std::string::npos)
      << unknown.err;
  EXPECT_EQ(unknown.err.find("instance"), std::string::npos) << unknown.err;  // nothing ran
  const Proc cli =
      run_in(dir_, std::string(MUTAGEN_CLI) + " run " + EXAMPLE_BINARY + " --device tpu");
  EXPECT_EQ(cli.code, 2);
  EXPECT_NE(cli.err.find("--device tpu: unknown device"), std::string::npos) << cli.err;
  if (!torch::cuda::is_available()) {
    const Proc cuda =
        run_in(dir_, std::string(EXAMPLE_BINARY) + " --mutagen_run --mutagen_device=cuda");
    EXPECT_EQ(cuda.code, 2);
    EXPECT_NE(cuda.err.find("--mutagen_device cuda: this libtorch has no CUDA"), std::string::npos)
        << cuda.err;
    const Proc cli_cuda =
        run_in(dir_, std::string(MUTAGEN_CLI) + " run " + EXAMPLE_BINARY + " --device cuda");
    EXPECT_EQ(cli_cuda.code, 2);
    EXPECT_NE(cli_cuda.err.find("--device cuda: this libtorch has no CUDA"), std::string::npos)
        << cli_cuda.err;
  }
}

}  // namespace
