// Cohen's d, Fisher's exact test and the kill decision (SPEC 2.6). The signed-rank test is in
// wilcoxon.cpp, its power in power.cpp.
#include "mutagen/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "log_choose.h"
#include "mutagen/error.h"

namespace mutagen {
namespace {

using internal::log_choose;

void check_sample(const std::vector<double>& v, const char* name) {
  if (v.empty()) throw Error(std::string("cohens_d: sample ") + name + " is empty");
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw Error(std::string("cohens_d: sample ") + name + " value " + std::to_string(i) +
                  " is not finite");
}

// Mean and sum of squared deviations; exactly (value, 0) for a constant sample.
std::pair<double, double> mean_ss(const std::vector<double>& v) {
  if (std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); }))
    return {v.front(), 0.0};
  double sum = 0;
  for (double x : v) sum += x;
  const double mean = sum / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, ss};
}

// Pearson correlation; 0 when either sample is constant.
double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const auto [ma, ssa] = mean_ss(a);
  const auto [mb, ssb] = mean_ss(b);
  if (ssa == 0 || ssb == 0) return 0.0;
  double sab = 0;
  for (size_t i = 0; i < a.size(); ++i) sab += (a[i] - ma) * (b[i] - mb);
  return sab / std::sqrt(ssa * ssb);
}

}  // namespace

double cohens_d(const std::vector<double>& a, const std::vector<double>& b) {
  check_sample(a, "a");
  check_sample(b, "b");
  // d does not change when both samples are scaled alike; values near the float limit are scaled
  // down first, or their sums would overflow to infinity (and d come out 0 or NaN).
  double largest = 0;
  for (const auto* v : {&a, &b})
    for (double x : *v) largest = std::max(largest, std::abs(x));
  if (largest > 1e150) {
    std::vector<double> sa(a), sb(b);
    for (double& x : sa) x /= largest;
    for (double& x : sb) x /= largest;
    return cohens_d(sa, sb);
  }
  const auto [ma, ssa] = mean_ss(a);
  const auto [mb, ssb] = mean_ss(b);
  const double diff = ma - mb;
  const auto df = static_cast<double>(a.size() + b.size()) - 2.0;
  // ((n1-1) s1^2 + (n2-1) s2^2) / (n1+n2-2) with s^2 = ss / (n-1): the numerator is ssa + ssb.
  const double pooled = df > 0 ? std::sqrt((ssa + ssb) / df) : 0.0;
  if (pooled == 0) {
    if (diff == 0) return 0.0;
    return diff > 0 ? std::numeric_limits<double>::infinity()
                    : -std::numeric_limits<double>::infinity();
  }
  return diff / pooled;
}

double fisher_exact(int64_t a, int64_t b, int64_t c, int64_t d) {
  if (a < 0 || b < 0 || c < 0 || d < 0)
    throw Error("fisher_exact: the table [[" + std::to_string(a) + ", " + std::to_string(b) +
                "], [" + std::to_string(c) + ", " + std::to_string(d) +
                "]] has a negative count; expected counts >= 0");
  // A zero row or column sum: scipy returns p = 1.
  if (a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0) return 1.0;
  const int64_t n1 = a + b, n2 = c + d, n = a + c, total = n1 + n2;
  const double log_denominator = log_choose(total, n);
  auto log_pmf = [&](int64_t x) {
    return log_choose(n1, x) + log_choose(n2, n - x) - log_denominator;
  };
  // Two-sided: the probability of every table (same margins) no more likely than the observed one,
  // with a relative tolerance of 1e-7 (R's fisher.test) so that mathematically equal probabilities
  // computed with different rounding count as equal.
  const double threshold = log_pmf(a) + std::log1p(1e-7);
  const int64_t lo = std::max<int64_t>(0, n - n2), hi = std::min(n, n1);
  // Sum the smaller side (the tables counted, or the ones left out) so that p near 1 is exact too:
  // an observed table that is the most likely one gives exactly 1 as in scipy.
  double included = 0, excluded = 0;
  for (int64_t x = lo; x <= hi; ++x) {
    const double lp = log_pmf(x);
    (lp <= threshold ? included : excluded) += std::exp(lp);
  }
  const double p = included <= excluded ? included : 1.0 - excluded;
  return std::clamp(p, 0.0, 1.0);
}

KillDecision decide_kill(const std::vector<double>& original, const std::vector<double>& mutant,
                         const KillOptions& options) {
  if (!(options.alpha() > 0 && options.alpha() < 1))
    throw Error("decide_kill: alpha must be in (0, 1), got " + std::to_string(options.alpha()));
  if (!std::isfinite(options.effect_size()))
    throw Error("decide_kill: effect_size must be finite, got " +
                std::to_string(options.effect_size()));
  KillDecision k;
  const WilcoxonResult w = wilcoxon(original, mutant, options.wilcoxon());
  k.p_value = w.pvalue;
  k.method = w.method;
  k.cohens_d = cohens_d(original, mutant);
  k.correlation = pearson(original, mutant);
  k.power = kill_rule_power(static_cast<int64_t>(original.size()), options.power_effect_size(),
                            k.correlation, options);
  // Signed: only a mutant worse than the original by at least effect_size is killed.
  k.killed = k.p_value < options.alpha() && k.cohens_d >= options.effect_size();
  k.underpowered = k.power < options.min_power();
  return k;
}

}  // namespace mutagen
