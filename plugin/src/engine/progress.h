#pragma once
// Progress with an ETA for the mutation run (one line per finished instance, through spdlog).
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace mutagen::internal {

inline std::string format_duration(double seconds) {
  const int64_t s = static_cast<int64_t>(std::llround(seconds));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", static_cast<long>(s / 3600), static_cast<long>(s % 3600 / 60));
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", static_cast<long>(s / 60), static_cast<long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lds", static_cast<long>(s));
  return buf;
}

class Progress {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Progress(int64_t total) : total_(total), start_(Clock::now()) {}
  void step(const std::string& what) {
    ++done_;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double eta = done_ > 0 ? elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_) : 0;
    spdlog::info("[{}/{}] {} | elapsed {} | ETA {}", done_, total_, what, format_duration(elapsed),
                 format_duration(eta));
  }

 private:
  int64_t total_;
  int64_t done_ = 0;
  Clock::time_point start_;
};

}  // namespace mutagen::internal
