#pragma once
// Progress with an ETA through spdlog (info), for anything that may run long: the mutation run,
// training, a differential-evolution search, or a user's own mutator. With a minimum interval, a
// task that ends quickly logs nothing and a slow one logs at most one line per interval.
//
//   mutagen::ProgressLog progress("my-mutator: search", generations, 5.0);
//   for (int g = 0; g < generations; ++g) { ...; progress.step("best " + std::to_string(best)); }
#include <chrono>
#include <cstdint>
#include <string>

namespace mutagen {

// "42s", "3m07s", "1h05m".
std::string format_duration(double seconds);

class ProgressLog {
 public:
  // `what` starts each line; `total` steps are expected; lines at most every
  // `min_interval_seconds` (0: one per step).
  ProgressLog(std::string what, int64_t total, double min_interval_seconds = 0);
  // One step done; `detail` goes into the line (may be empty).
  void step(const std::string& detail = "");
  int64_t done() const { return done_; }

 private:
  using Clock = std::chrono::steady_clock;
  std::string what_;
  int64_t total_;
  double interval_;
  int64_t done_ = 0;
  Clock::time_point start_, last_;
};

}  // namespace mutagen
