#include "evaluation.h"

#include <ATen/Parallel.h>
#include <gtest/gtest-spi.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>

namespace mutagen::internal {

namespace {
Outcome run_one(const RegisteredTest& test, const Model& model, const NamedData& set,
                std::map<const void*, torch::Tensor>& memo) {
  Outcome out;
  EvalContext ctx;
  ctx.model = &model;
  ctx.data = set.data;
  ctx.set_name = set.name;
  ctx.prediction_memo = &memo;
  ::testing::TestPartResultArray results;
  {
    // Intercepts EXPECT/ASSERT results of the body instead of failing the (absent) running test.
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS, &results);
    ContextGuard guard(&ctx);
    try {
      test.factory()->Run();
    } catch (const std::exception& e) {
      out.error = true;
      out.message = e.what();
    } catch (...) {
      out.error = true;
      out.message = "unknown exception";
    }
  }
  for (int i = 0; i < results.size(); ++i) {
    const auto& r = results.GetTestPartResult(i);
    if (r.skipped()) out.skipped = true;
    if (r.failed()) {
      out.passed = false;
      if (out.message.empty()) out.message = r.summary();
    }
  }
  if (out.error) out.passed = false;
  out.measures = std::move(ctx.measures);
  return out;
}
}  // namespace

Outcomes evaluate(const Model& model, const std::vector<const RegisteredTest*>& tests,
                  const std::vector<NamedData>& sets, PredictionMemo& memo) {
  Outcomes outcomes(tests.size(), std::vector<Outcome>(sets.size()));
  for (size_t t = 0; t < tests.size(); ++t)
    for (size_t s = 0; s < sets.size(); ++s)
      outcomes[t][s] = run_one(*tests[t], model, sets[s], memo);
  return outcomes;
}

namespace {
nlohmann::json to_json(const Outcomes& outcomes) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& per_test : outcomes) {
    nlohmann::json row = nlohmann::json::array();
    for (const auto& o : per_test) {
      nlohmann::json measures = nlohmann::json::object();
      for (const auto& [name, v] : o.measures)
        measures[name] = {{"value", v.value}, {"lower", v.better == Better::kLower}};
      row.push_back({{"measures", measures},
                     {"passed", o.passed},
                     {"skipped", o.skipped},
                     {"error", o.error},
                     {"message", o.message}});
    }
    j.push_back(row);
  }
  return j;
}

Outcomes from_json(const nlohmann::json& j) {
  Outcomes outcomes;
  for (const auto& row : j) {
    std::vector<Outcome> per_test;
    for (const auto& o : row) {
      Outcome out;
      for (const auto& [name, v] : o.at("measures").items())
        out.measures[name] = {v.at("value").is_null() ? std::nan("") : v.at("value").get<double>(),
                              v.at("lower").get<bool>() ? Better::kLower : Better::kHigher};
      out.passed = o.at("passed");
      out.skipped = o.at("skipped");
      out.error = o.at("error");
      out.message = o.at("message");
      per_test.push_back(std::move(out));
    }
    outcomes.push_back(std::move(per_test));
  }
  return outcomes;
}

Outcomes all_errors(size_t tests, size_t sets, const std::string& message) {
  Outcome e;
  e.passed = false;
  e.error = true;
  e.message = message;
  return Outcomes(tests, std::vector<Outcome>(sets, e));
}
}  // namespace

Outcomes evaluate_isolated(const Model& model, const std::vector<const RegisteredTest*>& tests,
                           const std::vector<NamedData>& sets, PredictionMemo& memo) {
  int fds[2];
  if (::pipe(fds) != 0) return evaluate(model, tests, sets, memo);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return evaluate(model, tests, sets, memo);
  }
  if (pid == 0) {  // child: evaluate, send the outcomes back as JSON, leave without cleanup
    ::close(fds[0]);
    // GNU OpenMP is not fork-safe: once the parent has run a parallel region on more than one
    // thread (training, inference), the child's next one waits forever for pool threads that do
    // not exist in it. One torch thread keeps at::parallel_for and oneDNN out of OpenMP here.
    at::set_num_threads(1);
    const std::string payload = to_json(evaluate(model, tests, sets, memo)).dump();
    size_t off = 0;
    while (off < payload.size()) {
      const ssize_t w = ::write(fds[1], payload.data() + off, payload.size() - off);
      if (w <= 0) ::_exit(3);
      off += static_cast<size_t>(w);
    }
    ::close(fds[1]);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string payload;
  char buf[65536];
  for (ssize_t r; (r = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    payload.append(buf, static_cast<size_t>(r));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    const std::string message = std::string("a test crashed on this model (signal ") +
                                std::to_string(WTERMSIG(status)) + ", " +
                                ::strsignal(WTERMSIG(status)) + ")";
    spdlog::warn("{}", message);
    return all_errors(tests.size(), sets.size(), message);
  }
  try {
    return from_json(nlohmann::json::parse(payload));
  } catch (const std::exception&) {
    return all_errors(tests.size(), sets.size(),
                      "the test process exited with code " +
                          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                          " before reporting its results");
  }
}

}  // namespace mutagen::internal
