#include "mutagen/progress.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>

namespace mutagen {

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(std::llround(std::max(0.0, seconds)));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, s % 3600 / 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

ProgressLog::ProgressLog(std::string what, int64_t total, double min_interval_seconds)
    : what_(std::move(what)),
      total_(total),
      interval_(min_interval_seconds),
      start_(Clock::now()),
      last_(start_) {}

void ProgressLog::step(const std::string& detail) {
  ++done_;
  const auto now = Clock::now();
  // Quiet within the interval since the last line; the last step logs only if an earlier one did
  // (a task that ends within the interval was quick and says nothing).
  const bool logged = last_ != start_;
  if (std::chrono::duration<double>(now - last_).count() < interval_ && (done_ < total_ || !logged))
    return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_);
  spdlog::info("{} [{}/{}]{}{} | elapsed {} | ETA {}", what_, done_, total_,
               detail.empty() ? "" : " ", detail, format_duration(elapsed), format_duration(eta));
}

}  // namespace mutagen
