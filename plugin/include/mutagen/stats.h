#pragma once
// Statistics for kill decisions (SPEC 2.6): paired Wilcoxon signed-rank, Cohen's d, the power of the
// actual test, Fisher's exact test for pass/fail-only tests.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/arg.h>

namespace mutagen {

enum class ZeroMethod { kWilcox, kPratt, kZsplit };
enum class Alternative { kTwoSided, kGreater, kLess };
enum class WilcoxonMode { kAuto, kExact, kApprox };

struct WilcoxonOptions {
  TORCH_ARG(ZeroMethod, zero_method) = ZeroMethod::kWilcox;
  TORCH_ARG(bool, correction) = false;  // continuity correction (approx mode)
  TORCH_ARG(Alternative, alternative) = Alternative::kTwoSided;
  TORCH_ARG(WilcoxonMode, mode) = WilcoxonMode::kAuto;  // auto: exact when n <= 50 (scipy 1.10.1)
};

struct WilcoxonResult {
  int64_t n = 0;           // pairs used (after dropping zeros for "wilcox")
  double statistic = 0;    // scipy's: min(R+, R-) two-sided, R+ one-sided
  double pvalue = 1;
  std::string method;      // "exact" or "approx"
  double z = 0;            // the normal deviate (approx), 0 for exact
};

// d_i = x_i - y_i. Throws mutagen::Error for unequal lengths, no pairs or non-finite values.
// Agrees with scipy 1.10.1 in approx mode (all zero methods, correction, alternatives) and in exact mode
// when there are no zeros and no ties. Deliberate differences, where scipy is not exact:
//  - exact mode (explicit, or auto with n <= 50 pairs) with zeros or tied |d|: scipy 1.10.1 switches to
//    the normal approximation (zeros) or truncates R+ and uses the no-ties table (ties). Here the p-value
//    comes from the exact conditional null: the 2^m equally likely sign assignments of the m non-zero
//    differences, R+ summed over the observed midranks (doubled to integers). "wilcox" drops zeros
//    before ranking, "pratt" ranks them but gives them no sign, "zsplit" adds half their rank sum to R+
//    (and R-). method is "exact". At most 400 non-zero differences in exact mode (Error beyond).
//  - all differences zero with "wilcox"/"pratt" (scipy raises): statistic 0, pvalue 1, method "exact".
WilcoxonResult wilcoxon(const std::vector<double>& x, const std::vector<double>& y,
                        const WilcoxonOptions& options = {});

// (mean(a) - mean(b)) / pooled sample sd. 0 when both are constant and equal; +-inf when the means
// differ with zero spread.
double cohens_d(const std::vector<double>& a, const std::vector<double>& b);

// Two-sided Fisher's exact test on the 2x2 table [[a, b], [c, d]].
double fisher_exact(int64_t a, int64_t b, int64_t c, int64_t d);

struct KillOptions {
  TORCH_ARG(double, alpha) = 0.05;
  TORCH_ARG(double, effect_size) = 0.5;  // Cohen's d threshold (beta)
  TORCH_ARG(double, min_power) = 0.8;    // verdicts below this power are flagged underpowered
  TORCH_ARG(WilcoxonOptions, wilcoxon) = {};
};

struct KillDecision {
  double p_value = 1;
  double cohens_d = 0;
  double power = 0;          // power of the actual test to detect an effect of size effect_size
  bool killed = false;       // p < alpha and d >= effect_size
  bool underpowered = false; // power < min_power
  std::string method;
};

// original[i] and mutant[i] come from the same instance i (paired).
KillDecision decide_kill(const std::vector<double>& original, const std::vector<double>& mutant,
                         const KillOptions& options = {});

// Power of the paired two-sided Wilcoxon signed-rank test at level alpha with n pairs, for a shift of
// `effect_size` standard deviations (normal differences), by exact enumeration of the null distribution
// for the critical value and Monte Carlo (seeded) for the alternative.
double wilcoxon_power(int64_t n, double effect_size, double alpha, uint64_t seed = 0);
// The same for the test exactly as `test` configures it (alternative, mode, continuity correction):
// the power of the test decide_kill actually runs. The rejection region is {R+ : p(R+) < alpha}
// computed like wilcoxon() does (exact null or normal approximation); with effect_size == 0 and at most
// 400 pairs the exact size of that region is returned instead of a Monte Carlo estimate.
double wilcoxon_power(int64_t n, double effect_size, double alpha, const WilcoxonOptions& test,
                      uint64_t seed = 0);

}  // namespace mutagen
