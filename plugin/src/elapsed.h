#pragma once
// Seconds since a steady-clock time point: the timings logs and reports carry.
#include <chrono>

namespace mutagen::internal {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace mutagen::internal
