#pragma once
// Building blocks of the signed-rank test shared by wilcoxon() and wilcoxon_power(): midranks
// doubled to integers, the exact conditional null distribution of 2*R+ over sign flips, p-values
// from it, and the normal tail.
#include <cstdint>
#include <vector>

#include "mutagen/stats.h"

namespace mutagen::internal {

// Doubled midranks (1-based) of `values`: equal values share the mean of their positions, so ranks
// are multiples of 1/2 and doubled ranks are integers. `tie_sizes` (optional) receives the size of
// every group of equal values (singletons included).
std::vector<int64_t> doubled_midranks(const std::vector<double>& values,
                                      std::vector<int64_t>* tie_sizes = nullptr);

// Null distribution of S = sum of the weights whose sign is +, every sign independently +/- with
// probability 1/2: pmf[s] for s = 0..sum(weights). Exact in double while 2^weights.size() < 2^53.
std::vector<double> sign_flip_null(const std::vector<int64_t>& weights);

// Tail p-value of an observed S = s from that pmf (scipy's convention for two-sided:
// min(1, 2 * min(P(S <= s), P(S >= s)))).
double exact_pvalue(const std::vector<double>& pmf, int64_t s, Alternative alternative);

// Upper tail of the standard normal, P(Z > z), accurate far into the tail.
double normal_sf(double z);
double normal_cdf(double z);

// Largest number of non-zero differences the exact distribution is computed for (O(n^3) work).
constexpr int64_t kMaxExactPairs = 400;

}  // namespace mutagen::internal
