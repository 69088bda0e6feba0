#pragma once
// log C(n, k) for the exact hypergeometric and binomial sums of the statistics.
#include <cmath>
#include <cstdint>

namespace mutagen::internal {

inline double log_choose(int64_t n, int64_t k) {
  return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
         std::lgamma(static_cast<double>(n - k) + 1);
}

}  // namespace mutagen::internal
