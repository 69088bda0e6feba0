#include "evaluation.h"

#include <ATen/Parallel.h>
#include <gtest/gtest-spi.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>

#include "json_number.h"
#include "mutagen/error.h"

namespace mutagen::internal {

namespace {
using Clock = std::chrono::steady_clock;

Outcome run_one(const RegisteredTest& test, const Model& model, const NamedData& set,
                PredictionMemo& memo) {
  Outcome out;
  EvalContext ctx;
  ctx.model = &model;
  ctx.data = set.data;
  ctx.set_name = set.name;
  ctx.prediction_memo = &memo;
  ::testing::TestPartResultArray results;
  const auto start = Clock::now();
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
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
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

nlohmann::json outcome_to_json(const Outcome& o) {
  nlohmann::json measures = nlohmann::json::object();
  for (const auto& [name, v] : o.measures)
    measures[name] = {{"value", json_number(v.value)}, {"lower", v.better == Better::kLower}};
  return {{"measures", measures}, {"passed", o.passed},   {"skipped", o.skipped},
          {"error", o.error},     {"timeout", o.timeout}, {"message", o.message},
          {"seconds", o.seconds}};
}

Outcome outcome_from_json(const nlohmann::json& j) {
  Outcome out;
  for (const auto& [name, v] : j.at("measures").items())
    out.measures[name] = {v.at("value").is_null() ? std::nan("") : v.at("value").get<double>(),
                          v.at("lower").get<bool>() ? Better::kLower : Better::kHigher};
  out.passed = j.at("passed");
  out.skipped = j.at("skipped");
  out.error = j.at("error");
  out.timeout = j.value("timeout", false);
  out.message = j.at("message");
  out.seconds = j.value("seconds", 0.0);
  return out;
}

nlohmann::json outcomes_to_json(const Outcomes& outcomes) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& per_test : outcomes) {
    nlohmann::json row = nlohmann::json::array();
    for (const auto& o : per_test) row.push_back(outcome_to_json(o));
    j.push_back(std::move(row));
  }
  return j;
}

Outcomes outcomes_from_json(const nlohmann::json& j) {
  Outcomes outcomes;
  for (const auto& row : j) {
    std::vector<Outcome> per_test;
    for (const auto& o : row) per_test.push_back(outcome_from_json(o));
    outcomes.push_back(std::move(per_test));
  }
  return outcomes;
}

namespace {

// One child process evaluating units [first, end) and writing one JSON line per finished unit.
class Child {
 public:
  Child(const Model& model, const std::vector<const RegisteredTest*>& tests,
        const std::vector<NamedData>& sets, PredictionMemo& memo, size_t first) {
    int fds[2];
    if (::pipe(fds) != 0)
      throw Error(std::string("cannot isolate test evaluation: pipe() failed: ") +
                  std::strerror(errno));
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) {
      const int err = errno;
      ::close(fds[0]);
      ::close(fds[1]);
      throw Error(std::string("cannot isolate test evaluation: fork() failed: ") +
                  std::strerror(err) + " (out of memory or process limit?)");
    }
    if (pid_ == 0) {
      ::close(fds[0]);
      // GNU OpenMP is not fork-safe: once the parent has run a parallel region on more than one
      // thread, the child's next one waits forever for pool threads that do not exist in it. One
      // torch thread keeps at::parallel_for and oneDNN out of OpenMP here.
      at::set_num_threads(1);
      const size_t units = tests.size() * sets.size();
      for (size_t u = first; u < units; ++u) {
        const Outcome o = run_one(*tests[u / sets.size()], model, sets[u % sets.size()], memo);
        const std::string line =
            nlohmann::json{{"unit", u}, {"outcome", outcome_to_json(o)}}.dump() + "\n";
        for (size_t off = 0; off < line.size();) {
          const ssize_t w = ::write(fds[1], line.data() + off, line.size() - off);
          if (w <= 0) ::_exit(3);
          off += static_cast<size_t>(w);
        }
      }
      ::close(fds[1]);
      ::_exit(0);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~Child() {
    if (fd_ >= 0) ::close(fd_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      reap();
    }
  }

  // The next complete line, or "" at end of file. `deadline`: give up (returns false) when reached.
  bool next_line(Clock::time_point deadline, bool has_deadline, std::string& line, bool& eof) {
    eof = false;
    while (true) {
      const size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      int wait_ms = -1;
      if (has_deadline) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        wait_ms = static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
      }
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, wait_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) return false;
      char buf[65536];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        eof = true;
        return true;
      }
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }

  void kill_now() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    reap();
  }

  // Waits for the child; a description of how it ended.
  std::string reap() {
    if (pid_ <= 0) return how_;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    if (WIFSIGNALED(status))
      how_ = "crashed (signal " + std::to_string(WTERMSIG(status)) + ", " +
             ::strsignal(WTERMSIG(status)) + ")";
    else
      how_ = "exited with code " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return how_;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_, how_;
};

}  // namespace

Outcomes evaluate_isolated(const Model& model, const std::vector<const RegisteredTest*>& tests,
                           const std::vector<NamedData>& sets, PredictionMemo& memo,
                           const std::vector<std::vector<double>>& timeouts) {
  Outcomes outcomes(tests.size(), std::vector<Outcome>(sets.size()));
  const size_t units = tests.size() * sets.size();
  auto limit = [&](size_t u) {
    const size_t t = u / sets.size(), s = u % sets.size();
    return t < timeouts.size() && s < timeouts[t].size() ? timeouts[t][s] : 0.0;
  };
  size_t next = 0;
  while (next < units) {
    Child child(model, tests, sets, memo, next);
    auto started = Clock::now();
    while (next < units) {
      const double seconds = limit(next);
      const auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(seconds > 0 ? seconds : 0));
      std::string line;
      bool eof = false;
      Outcome& out = outcomes[next / sets.size()][next % sets.size()];
      const std::string where = "test " + tests[next / sets.size()]->full_name() + " on set '" +
                                sets[next % sets.size()].name + "'";
      if (!child.next_line(deadline, seconds > 0, line, eof)) {
        child.kill_now();
        out = Outcome();
        out.passed = false;
        out.timeout = true;
        out.seconds = seconds;
        out.message = "timed out after " + std::to_string(seconds) + " s";
        spdlog::warn("{}: {}", where, out.message);
        ++next;
        break;  // a new child goes on with the next unit
      }
      if (eof) {
        const std::string how = child.reap();
        out = Outcome();
        out.passed = false;
        out.error = true;
        out.message = "the test process " + how + " while running this test";
        spdlog::warn("{}: {}", where, out.message);
        ++next;
        break;
      }
      try {
        const nlohmann::json j = nlohmann::json::parse(line);
        if (j.at("unit").get<size_t>() != next) throw Error("unexpected unit");
        out = outcome_from_json(j.at("outcome"));
      } catch (const std::exception& e) {
        out = Outcome();
        out.passed = false;
        out.error = true;
        out.message = std::string("unreadable result from the test process: ") + e.what();
      }
      ++next;
      started = Clock::now();
    }
  }
  return outcomes;
}

}  // namespace mutagen::internal
