// A test body that crashes or throws on a model marks that evaluation as an error; the run goes on.
#include <ATen/Parallel.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "evaluation.h"
#include "mutagen/mutation_test.h"

namespace mutagen::internal {
namespace {

class Crashes : public MutationTest {
 public:
  void Run() override { std::raise(SIGSEGV); }
};
class Throws : public MutationTest {
 public:
  void Run() override { throw std::runtime_error("boom on this mutant"); }
};
class Measures : public MutationTest {
 public:
  void Run() override {
    measure("size", static_cast<double>(test_set().size()));
    measure("loss", 0.25, Better::kLower);
    EXPECT_EQ(test_set().size(), 3);
  }
};

// Sums a tensor large enough for at::parallel_for to split it over the torch threads: 2^23.
double parallel_sum() { return torch::ones({1 << 22}).mul(2.0).sum().item<double>(); }

// Hangs on the set named "hang", crashes on "crash", measures the torch thread count elsewhere.
class Selective : public MutationTest {
 public:
  void Run() override {
    if (test_set_name() == "hang")
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    if (test_set_name() == "crash") std::abort();
    measure("threads", static_cast<double>(at::get_num_threads()));
  }
};

class ParallelSum : public MutationTest {
 public:
  void Run() override { measure("sum", parallel_sum()); }
};

// SIGKILL to this process's children (found in /proc), so that a hung child does not outlive the
// test holding its output pipe open.
void kill_children() {
  DIR* proc = ::opendir("/proc");
  if (!proc) return;
  while (const dirent* e = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');  // "pid (comm) state ppid ..."
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == ::getpid())
      ::kill(pid, SIGKILL);
  }
  ::closedir(proc);
}

RegisteredTest make(const char* name, MutationTestFactory f) {
  RegisteredTest t;
  t.subject = "Iso";
  t.name = name;
  t.factory = std::move(f);
  return t;
}

Dataset three() {
  Dataset d;
  d.images = torch::zeros({3, 1, 28, 28});
  d.labels = torch::zeros({3}, torch::kLong);
  return d;
}

TEST(Isolation, ACrashIsAnErrorAndOtherResultsSurvive) {
  const RegisteredTest measures = make("Measures", [] { return std::make_unique<Measures>(); });
  const RegisteredTest crashes = make("Crashes", [] { return std::make_unique<Crashes>(); });
  const Model model = Model::create("mnist_small", 0);
  const Dataset data = three();
  PredictionMemo memo;

  // Results cross the process boundary intact.
  const Outcomes ok = evaluate_isolated(model, {&measures}, {{"s", &data}}, memo);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_TRUE(ok[0][0].passed);
  EXPECT_FALSE(ok[0][0].error);
  EXPECT_DOUBLE_EQ(ok[0][0].measures.at("size").value, 3.0);
  EXPECT_EQ(ok[0][0].measures.at("loss").better, Better::kLower);

  const Outcomes crashed = evaluate_isolated(model, {&measures, &crashes}, {{"s", &data}}, memo);
  ASSERT_EQ(crashed.size(), 2u);
  EXPECT_TRUE(crashed[1][0].error);
  EXPECT_NE(crashed[1][0].message.find("signal 11"), std::string::npos) << crashed[1][0].message;
  // This process is still alive and can evaluate again.
  EXPECT_TRUE(evaluate_isolated(model, {&measures}, {{"s", &data}}, memo)[0][0].passed);
}

// The parent runs torch on two threads first (as after training on a multi-core machine), so that
// the thread which then forks owns an OpenMP thread pool, whose threads do not exist in the child.
TEST(Isolation, TheChildRunsTorchAfterTheParentUsedTwoThreads) {
  const int before = at::get_num_threads();
  at::set_num_threads(2);
  const RegisteredTest sums = make("ParallelSum", [] { return std::make_unique<ParallelSum>(); });
  const Model model = Model::create("mnist_small", 0);
  const Dataset data = three();
  PredictionMemo memo;
  double parent_sum = 0;
  // On a thread of its own, so that a hanging child can be reported: the same thread runs the
  // parallel region and forks (OpenMP's pool belongs to the thread that started it).
  auto pending = std::async(std::launch::async, [&] {
    parent_sum = parallel_sum();
    return evaluate_isolated(model, {&sums}, {{"s", &data}}, memo);
  });
  if (pending.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    // Nothing can unblock the waiting thread: kill the child and leave loudly.
    kill_children();
    std::fprintf(stderr,
                 "FAILED: the forked child did not report within 60 s (OpenMP after fork)\n");
    std::fflush(stderr);
    std::_Exit(1);
  }
  const Outcomes out = pending.get();
  at::set_num_threads(before);
  EXPECT_DOUBLE_EQ(parent_sum, double(1 << 23));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0][0].error) << out[0][0].message;
  EXPECT_DOUBLE_EQ(out[0][0].measures.at("sum").value, double(1 << 23));
}

TEST(Isolation, AnExceptionIsAnErrorWithItsMessage) {
  const RegisteredTest throws = make("Throws", [] { return std::make_unique<Throws>(); });
  const Model model = Model::create("mnist_small", 0);
  const Dataset data = three();
  PredictionMemo memo;
  const Outcomes out = evaluate(model, {&throws}, {{"s", &data}}, memo);
  EXPECT_TRUE(out[0][0].error);
  EXPECT_FALSE(out[0][0].passed);
  EXPECT_EQ(out[0][0].message, "boom on this mutant");
}

TEST(Isolation, ATimeoutOrACrashMarksOnlyThatTestAndTheRestStillRuns) {
  const RegisteredTest selective = make("Selective", [] { return std::make_unique<Selective>(); });
  const RegisteredTest measures = make("Measures", [] { return std::make_unique<Measures>(); });
  const Model model = Model::create("mnist_small", 0);
  const Dataset data = three();
  PredictionMemo memo;
  const std::vector<NamedData> sets{
      {"ok", &data}, {"hang", &data}, {"crash", &data}, {"after", &data}};
  const std::vector<std::vector<double>> timeouts(2, std::vector<double>(4, 1.0));
  const auto start = std::chrono::steady_clock::now();
  const Outcomes out = evaluate_isolated(model, {&selective, &measures}, sets, memo, timeouts);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[0].size(), 4u);
  // The hanging body was stopped by its 1 s limit, and counted as a timeout, not an error.
  EXPECT_TRUE(out[0][1].timeout);
  EXPECT_FALSE(out[0][1].error);
  EXPECT_FALSE(out[0][1].passed);
  EXPECT_LT(seconds, 30.0);  // not a speed assertion: a hang would never return
  // The crash is an error of that body on that set only.
  EXPECT_TRUE(out[0][2].error);
  EXPECT_NE(out[0][2].message.find("signal 6"), std::string::npos) << out[0][2].message;
  for (size_t s : {size_t{0}, size_t{3}}) {
    EXPECT_FALSE(out[0][s].error || out[0][s].timeout) << sets[s].name << ": " << out[0][s].message;
    // Every body runs on one torch thread, whoever the model is.
    EXPECT_EQ(out[0][s].measures.at("threads").value, 1.0);
  }
  // The other test ran on every set, the ones after the hang and the crash included.
  for (size_t s = 0; s < 4; ++s) {
    EXPECT_TRUE(out[1][s].passed) << sets[s].name << ": " << out[1][s].message;
    EXPECT_DOUBLE_EQ(out[1][s].measures.at("size").value, 3.0);
  }
}

TEST(Isolation, OutcomesRoundTripThroughJsonExactly) {
  Outcome o;
  o.measures["accuracy"] = {0.1 + 0.2, Better::kHigher};
  o.measures["loss"] = {std::nan(""), Better::kLower};
  o.passed = false;
  o.timeout = true;
  o.message = "x";
  o.seconds = 1.25;
  const Outcome back = outcome_from_json(nlohmann::json::parse(outcome_to_json(o).dump()));
  EXPECT_EQ(back.measures.at("accuracy").value, 0.1 + 0.2);  // bit for bit
  EXPECT_TRUE(std::isnan(back.measures.at("loss").value));
  EXPECT_EQ(back.measures.at("loss").better, Better::kLower);
  EXPECT_TRUE(back.timeout);
  EXPECT_FALSE(back.passed);
  EXPECT_EQ(back.seconds, 1.25);
}

}  // namespace
}  // namespace mutagen::internal
