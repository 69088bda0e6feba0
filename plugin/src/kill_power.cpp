// The kill rule's power (the rule as decided, not the signed-rank test alone), Fisher's one-sided
// test and its power, the monotone per-input criterion, and the smallest subject that can kill at
// all.
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "log_choose.h"
#include "mutagen/error.h"
#include "mutagen/random.h"
#include "mutagen/stats.h"

namespace mutagen {
namespace {

constexpr int kRuleDraws = 2000;

using internal::log_choose;

double log_binomial_pmf(int64_t n, int64_t k, double p) {
  if (p <= 0) return k == 0 ? 0.0 : -INFINITY;
  if (p >= 1) return k == n ? 0.0 : -INFINITY;
  return log_choose(n, k) + static_cast<double>(k) * std::log(p) +
         static_cast<double>(n - k) * std::log1p(-p);
}

// p < alpha, where a p-value that is mathematically alpha but computed a few ulps below (sums of
// exp(lgamma) terms) does not count as below.
bool below(double p, double alpha) { return p < alpha * (1 - 1e-9); }

}  // namespace

double fisher_exact(int64_t a, int64_t b, int64_t c, int64_t d, Alternative alternative) {
  if (alternative == Alternative::kTwoSided) return fisher_exact(a, b, c, d);
  if (a < 0 || b < 0 || c < 0 || d < 0)
    throw Error("fisher_exact: the table [[" + std::to_string(a) + ", " + std::to_string(b) +
                "], [" + std::to_string(c) + ", " + std::to_string(d) +
                "]] has a negative count; expected counts >= 0");
  if (a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0) return 1.0;
  // X = the top-left count given the margins is hypergeometric.
  // greater: P(X >= a), less: P(X <= a).
  const int64_t n1 = a + b, n2 = c + d, n = a + c;
  const double log_denominator = log_choose(n1 + n2, n);
  const int64_t lo = std::max<int64_t>(0, n - n2), hi = std::min(n, n1);
  double p = 0;
  if (alternative == Alternative::kGreater) {
    for (int64_t x = a; x <= hi; ++x)
      p += std::exp(log_choose(n1, x) + log_choose(n2, n - x) - log_denominator);
  } else {
    for (int64_t x = lo; x <= a; ++x)
      p += std::exp(log_choose(n1, x) + log_choose(n2, n - x) - log_denominator);
  }
  return std::clamp(p, 0.0, 1.0);
}

double kill_rule_power(int64_t n, double effect, double correlation, const KillOptions& options,
                       uint64_t seed) {
  if (n < 2) return 0.0;
  if (!std::isfinite(effect)) throw Error("kill_rule_power: effect must be finite");
  const double rho = std::isfinite(correlation) ? std::clamp(correlation, -0.95, 0.95) : 0.0;
  const WilcoxonOptions& w = options.wilcoxon();
  using Key = std::tuple<int64_t, double, double, double, double, int, int, int, bool, uint64_t>;
  const Key key{n,
                effect,
                rho,
                options.alpha(),
                options.effect_size(),
                static_cast<int>(w.mode()),
                static_cast<int>(w.alternative()),
                static_cast<int>(w.zero_method()),
                w.correction(),
                seed};
  static std::mutex mutex;
  static std::map<Key, double> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  const double spread = std::sqrt(1.0 - rho * rho);
  std::vector<double> original(static_cast<size_t>(n)), mutant(static_cast<size_t>(n));
  int64_t killed = 0;
  for (int draw = 0; draw < kRuleDraws; ++draw) {
    Rng rng(derive_seed(seed, static_cast<uint64_t>(draw)));
    for (int64_t i = 0; i < n; ++i) {
      const double z1 = rng.normal(), z2 = rng.normal();
      original[static_cast<size_t>(i)] = z1;
      mutant[static_cast<size_t>(i)] = rho * z1 + spread * z2 - effect;
    }
    const double p = wilcoxon(original, mutant, w).pvalue;
    if (p < options.alpha() && cohens_d(original, mutant) >= options.effect_size()) ++killed;
  }
  const double power = static_cast<double>(killed) / kRuleDraws;
  std::lock_guard<std::mutex> lock(mutex);
  cache.emplace(key, power);
  return power;
}

double fisher_rule_power(int64_t n_original, int64_t n_mutant, double pass_original,
                         double pass_mutant, double alpha, Alternative alternative) {
  if (n_original < 1 || n_mutant < 1) return 0.0;
  double power = 0;
  for (int64_t a = 0; a <= n_original; ++a) {
    const double la = log_binomial_pmf(n_original, a, pass_original);
    if (!std::isfinite(la)) continue;
    for (int64_t c = 0; c <= n_mutant; ++c) {
      // Only fewer passing mutants (in proportion) can kill: c / n_mutant < a / n_original.
      if (c * n_original >= a * n_mutant) continue;
      const double lc = log_binomial_pmf(n_mutant, c, pass_mutant);
      if (!std::isfinite(lc)) continue;
      if (below(fisher_exact(a, n_original - a, c, n_mutant - c, alternative), alpha))
        power += std::exp(la + lc);
    }
  }
  return std::clamp(power, 0.0, 1.0);
}

PerInputKill per_input_kill(const std::vector<int64_t>& original_correct,
                            const std::vector<int64_t>& mutant_correct, int64_t n_original,
                            int64_t n_mutant, double alpha, Alternative alternative) {
  if (original_correct.size() != mutant_correct.size())
    throw Error("per_input_kill: " + std::to_string(original_correct.size()) +
                " inputs for the originals but " + std::to_string(mutant_correct.size()) +
                " for the mutants; expected the same test set");
  if (n_original < 1 || n_mutant < 1)
    throw Error("per_input_kill: expected at least one original and one mutant instance");
  // p depends only on the two counts: a table of (n_original + 1) x (n_mutant + 1) values.
  std::vector<double> table(static_cast<size_t>((n_original + 1) * (n_mutant + 1)), -1.0);
  PerInputKill out;
  out.inputs = static_cast<int64_t>(original_correct.size());
  for (size_t j = 0; j < original_correct.size(); ++j) {
    const int64_t a = original_correct[j], c = mutant_correct[j];
    if (a < 0 || a > n_original || c < 0 || c > n_mutant)
      throw Error("per_input_kill: input " + std::to_string(j) + " has counts " +
                  std::to_string(a) + "/" + std::to_string(c) + " outside [0, " +
                  std::to_string(n_original) + "] / [0, " + std::to_string(n_mutant) + "]");
    double& p = table[static_cast<size_t>(a * (n_mutant + 1) + c)];
    if (p < 0) p = fisher_exact(a, n_original - a, c, n_mutant - c, alternative);
    const bool worse = c * n_original < a * n_mutant;
    if (p < out.min_p) out.min_p = p, out.min_p_input = static_cast<int64_t>(j);
    if (below(p, alpha) && worse) ++out.killing_inputs;
  }
  out.killed = out.killing_inputs > 0;
  return out;
}

int64_t min_instances_to_kill(double alpha, Alternative alternative) {
  if (!(alpha > 0 && alpha < 1))
    throw Error("min_instances_to_kill: alpha must be in (0, 1), got " + std::to_string(alpha));
  // All n differences of one sign: the exact one-sided p is 2^-n, two-sided 2^(1-n).
  for (int64_t n = 1; n < 64; ++n) {
    const double p =
        std::ldexp(1.0, static_cast<int>(alternative == Alternative::kTwoSided ? 1 - n : -n));
    if (p < alpha) return n;
  }
  return 64;
}

}  // namespace mutagen
