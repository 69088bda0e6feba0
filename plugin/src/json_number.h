#pragma once
// Internal: how reports and journals write a double. JSON has no NaN or infinity, so a value that
// is not finite (no data, undefined statistic) is written as null and read back as NaN.
#include <cmath>
#include <nlohmann/json.hpp>

namespace mutagen::internal {

inline nlohmann::json json_number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

}  // namespace mutagen::internal
