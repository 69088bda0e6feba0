// Power of the paired Wilcoxon signed-rank test as it is actually run (SPEC 2.6: DeepCrime passes
// Cohen's d where its power routine expects Cohen's f and overstates power; here the power is that
// of the real test).
//
// Rejection region: every value of R+ whose p-value, computed exactly as wilcoxon() computes it for
// continuous data (no zeros, no ties), is below alpha; exact null distribution when the test is
// exact (mode exact, or auto with n <= 50), the normal approximation otherwise. Power: Monte Carlo
// over kDraws samples of n differences N(effect_size, 1) (so effect_size is in units of the
// standard deviation of the differences), each draw seeded by derive_seed(seed, draw); the same
// standard normals are reused for every effect size, so estimates for different effects are
// coupled. With effect_size == 0 the exact size of the region is returned (null distribution by
// enumeration).
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <tuple>

#include "mutagen/error.h"
#include "mutagen/random.h"
#include "mutagen/stats.h"
#include "wilcoxon_internal.h"

namespace mutagen {
namespace {

constexpr int kDraws = 4000;

// p < alpha for R+ = r (integer: no ties) in a sample of n, per the test's options.
class RejectionRule {
 public:
  RejectionRule(int64_t n, double alpha, const WilcoxonOptions& test)
      : n_(n), alpha_(alpha), test_(test) {
    m_ = n * (n + 1) / 2;
    exact_ = test.mode() == WilcoxonMode::kExact || (test.mode() == WilcoxonMode::kAuto && n <= 50);
    if (exact_ && n > internal::kMaxExactPairs)
      throw Error("wilcoxon_power: exact mode supports at most " +
                  std::to_string(internal::kMaxExactPairs) + " pairs, got " + std::to_string(n));
    if (exact_ || n <= internal::kMaxExactPairs) {
      std::vector<int64_t> w(static_cast<size_t>(n));
      std::iota(w.begin(), w.end(), int64_t{1});
      null_ = internal::sign_flip_null(w);
    }
    if (exact_) {
      // Same summation order as internal::exact_pvalue, so the decisions agree bit for bit.
      lower_.assign(null_.size(), 0.0);
      upper_.assign(null_.size(), 0.0);
      double acc = 0;
      for (size_t r = 0; r < null_.size(); ++r) lower_[r] = (acc += null_[r]);
      acc = 0;
      for (size_t r = null_.size(); r-- > 0;) upper_[r] = (acc += null_[r]);
    }
  }

  bool reject(int64_t r) const { return pvalue(r) < alpha_; }

  double pvalue(int64_t r) const {
    const Alternative alt = test_.alternative();
    if (exact_) {
      const auto i = static_cast<size_t>(r);
      double p = 1;
      if (alt == Alternative::kTwoSided) p = 2.0 * std::min(lower_[i], upper_[i]);
      if (alt == Alternative::kGreater) p = upper_[i];
      if (alt == Alternative::kLess) p = lower_[i];
      return std::clamp(p, 0.0, 1.0);
    }
    const auto c = static_cast<double>(n_);
    const double rp = static_cast<double>(r);
    const double T =
        alt == Alternative::kTwoSided ? std::min(rp, static_cast<double>(m_) - rp) : rp;
    const double mn = c * (c + 1.0) * 0.25;
    const double se = std::sqrt(c * (c + 1.0) * (2.0 * c + 1.0) / 24.0);
    double corr = 0;
    if (test_.correction()) {
      if (alt == Alternative::kTwoSided) corr = T > mn ? 0.5 : (T < mn ? -0.5 : 0.0);
      if (alt == Alternative::kLess) corr = -0.5;
      if (alt == Alternative::kGreater) corr = 0.5;
    }
    const double z = (T - mn - corr) / se;
    if (alt == Alternative::kTwoSided) return 2.0 * internal::normal_sf(std::fabs(z));
    if (alt == Alternative::kGreater) return internal::normal_sf(z);
    return internal::normal_cdf(z);
  }

  bool has_null() const { return !null_.empty(); }
  // P(reject) under H0, exactly.
  double size() const {
    double s = 0;
    for (int64_t r = 0; r <= m_; ++r)
      if (reject(r)) s += null_[static_cast<size_t>(r)];
    return s;
  }

 private:
  int64_t n_, m_ = 0;
  double alpha_;
  WilcoxonOptions test_;
  bool exact_ = false;
  std::vector<double> null_, lower_, upper_;
};

double monte_carlo_power(int64_t n, double effect, const RejectionRule& rule, uint64_t seed) {
  std::vector<double> d(static_cast<size_t>(n));
  std::vector<size_t> order(static_cast<size_t>(n));
  int64_t rejected = 0;
  for (int draw = 0; draw < kDraws; ++draw) {
    Rng rng(derive_seed(seed, static_cast<uint64_t>(draw)));
    for (auto& v : d) v = rng.normal() + effect;
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return std::fabs(d[a]) < std::fabs(d[b]); });
    int64_t r_plus = 0;  // continuous data: ties have probability 0, ranks by sorted position
    for (size_t k = 0; k < order.size(); ++k)
      if (d[order[k]] > 0) r_plus += static_cast<int64_t>(k) + 1;
    if (rule.reject(r_plus)) ++rejected;
  }
  return static_cast<double>(rejected) / kDraws;
}

}  // namespace

double wilcoxon_power(int64_t n, double effect_size, double alpha, const WilcoxonOptions& test,
                      uint64_t seed) {
  if (n < 1) throw Error("wilcoxon_power: n must be at least 1, got " + std::to_string(n));
  if (!(alpha > 0 && alpha < 1))
    throw Error("wilcoxon_power: alpha must be in (0, 1), got " + std::to_string(alpha));
  if (!std::isfinite(effect_size))
    throw Error("wilcoxon_power: effect_size must be finite, got " + std::to_string(effect_size));

  using Key = std::tuple<int64_t, double, double, int, int, bool, uint64_t>;
  static std::mutex mutex;
  static std::map<Key, double> cache;
  const Key key{n,
                effect_size,
                alpha,
                static_cast<int>(test.mode()),
                static_cast<int>(test.alternative()),
                test.correction(),
                seed};
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  const RejectionRule rule(n, alpha, test);
  const double power = effect_size == 0 && rule.has_null()
                           ? rule.size()
                           : monte_carlo_power(n, effect_size, rule, seed);
  std::lock_guard<std::mutex> lock(mutex);
  cache.emplace(key, power);
  return power;
}

double wilcoxon_power(int64_t n, double effect_size, double alpha, uint64_t seed) {
  return wilcoxon_power(n, effect_size, alpha, WilcoxonOptions(), seed);
}

}  // namespace mutagen
