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
// Fisher's exact test with an alternative, as scipy.stats.fisher_exact: kGreater tests an odds ratio
// above 1 (the first row succeeds more often: P(X >= a) under the hypergeometric null), kLess below.
double fisher_exact(int64_t a, int64_t b, int64_t c, int64_t d, Alternative alternative);

// The statistical contract of a kill (SPEC 2.6), the same in the engine, `mutagen stats` and the docs:
// values are oriented so that larger is better, and a mutant is killed when the paired Wilcoxon
// signed-rank test of original vs mutant rejects at `alpha` AND Cohen's d (original minus mutant,
// pooled sd) is at least `effect_size`. The default alternative is one-sided ("greater": the original
// is better than the mutant), because only a worse mutant can be killed; two-sided (SPEC 2.6's
// wording) is an option and then the sign of d decides the direction.
struct KillOptions {
  TORCH_ARG(double, alpha) = 0.05;
  TORCH_ARG(double, effect_size) = 0.5;  // Cohen's d threshold (beta)
  TORCH_ARG(double, min_power) = 0.8;    // verdicts below this power are flagged underpowered
  // The effect (in pooled standard deviations, mutant worse) the reported power refers to. The rule
  // needs d >= effect_size, so at an effect of exactly effect_size its power cannot exceed ~50%: power
  // is reported for a clearly worse mutant, twice the kill threshold by default.
  TORCH_ARG(double, power_effect_size) = 1.0;
  TORCH_ARG(WilcoxonOptions, wilcoxon) = WilcoxonOptions().alternative(Alternative::kGreater);
};

struct KillDecision {
  double p_value = 1;
  double cohens_d = 0;
  double correlation = 0;    // Pearson correlation of the pairs (0 when undefined)
  double power = 0;          // power of the rule at power_effect_size and that correlation
  bool killed = false;       // p < alpha and d >= effect_size
  bool underpowered = false; // power < min_power
  std::string method;
};

// original[i] and mutant[i] come from the same instance i (paired).
KillDecision decide_kill(const std::vector<double>& original, const std::vector<double>& mutant,
                         const KillOptions& options = {});

// Power of the whole kill rule (p < alpha and d >= effect_size, as decide_kill runs it) for n pairs
// drawn from a bivariate normal with unit variances and correlation `correlation`, the mutant's mean
// `effect` standard deviations below the original's. Monte Carlo over 2,000 seeded draws; cached.
double kill_rule_power(int64_t n, double effect, double correlation, const KillOptions& options,
                       uint64_t seed = 0);

// Power of the pass/fail rule (one Fisher test on the pass counts of n_original originals and n_mutant
// mutants, p < alpha and fewer mutants pass) when originals pass with probability `pass_original`
// and mutants with `pass_mutant`; exact (sum over both binomials).
double fisher_rule_power(int64_t n_original, int64_t n_mutant, double pass_original,
                         double pass_mutant, double alpha, Alternative alternative);

// How kills are decided from the instances' results.
//  - kWilcoxonCohen (default, DeepCrime): per test, metric and test set, decide_kill on the values
//    the test measured (Fisher on pass counts for tests that measure nothing).
//  - kPerInput (monotone; Kim, Humbatova, Jahangirova, Yoo, Tonella 2025): per input of a test set,
//    Fisher's exact test on how many original vs mutant instances classify it correctly; the test set
//    kills when any of its inputs does. Adding inputs can never turn a kill into a survivor.
enum class KillCriterion { kWilcoxonCohen, kPerInput };

struct PerInputKill {
  int64_t inputs = 0;          // inputs tested
  int64_t killing_inputs = 0;  // inputs on which the mutant is significantly worse
  double min_p = 1;            // smallest p-value over the inputs
  int64_t min_p_input = -1;    // the input it belongs to
  bool killed = false;         // killing_inputs > 0
};

// original_correct[j] / mutant_correct[j]: how many of the n_original original (n_mutant mutant)
// instances classify input j correctly. One-sided (mutant worse) unless `alternative` says otherwise.
PerInputKill per_input_kill(const std::vector<int64_t>& original_correct,
                            const std::vector<int64_t>& mutant_correct, int64_t n_original,
                            int64_t n_mutant, double alpha,
                            Alternative alternative = Alternative::kGreater);

// The smallest number of paired instances with which the exact one-sided (or two-sided) signed-rank
// test can reach p < alpha at all: a subject with fewer can never kill.
int64_t min_instances_to_kill(double alpha, Alternative alternative);

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
