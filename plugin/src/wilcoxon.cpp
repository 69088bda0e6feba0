// Paired Wilcoxon signed-rank test (SPEC 2.6), following scipy 1.10.1 `scipy.stats.wilcoxon`:
//  - approx mode: the same statistic, mean, tie-corrected variance (Cureton's adjustment for
//  "pratt"),
//    optional continuity correction and normal tail as scipy, so the values agree to rounding;
//  - exact mode without zeros or ties: scipy's exact distribution (same numbers);
//  - exact mode WITH zeros or ties, where scipy 1.10.1 switches to the normal approximation (zeros)
//  or
//    truncates a half-integer R+ and uses the no-ties table (ties): here the exact conditional
//    distribution of R+ given the observed (mid)ranks, i.e. all 2^m sign assignments of the m
//    non-zero differences, each with probability 2^-m, R+ summed over the actual midranks ("pratt":
//    zeros keep their ranks but no sign; "zsplit": half of the zeros' rank sum added to R+). Ranks
//    are doubled to integers so the distribution is an exact integer-indexed DP.
//  - auto: exact when there are at most 50 pairs (scipy 1.10.1's rule), approx otherwise; so with
//  zeros
//    auto gives the exact conditional p-value where scipy gives the normal approximation.
//  - no non-zero difference with "wilcox"/"pratt" (scipy raises): p = 1, statistic 0, method
//  "exact"
//    (the conditional distribution is a point mass).
#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "mutagen/error.h"
#include "mutagen/stats.h"
#include "wilcoxon_internal.h"

namespace mutagen {
namespace internal {

std::vector<int64_t> doubled_midranks(const std::vector<double>& values,
                                      std::vector<int64_t>* tie_sizes) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<int64_t> ranks(n);
  if (tie_sizes) tie_sizes->clear();
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && values[order[j]] == values[order[i]]) ++j;
    // Positions i..j-1 (0-based) share the rank ((i + 1) + j) / 2; doubled: i + 1 + j.
    const auto r2 = static_cast<int64_t>(i + 1 + j);
    for (size_t k = i; k < j; ++k) ranks[order[k]] = r2;
    if (tie_sizes) tie_sizes->push_back(static_cast<int64_t>(j - i));
    i = j;
  }
  return ranks;
}

std::vector<double> sign_flip_null(const std::vector<int64_t>& weights) {
  int64_t total = 0;
  for (int64_t w : weights) total += w;
  std::vector<double> pmf(static_cast<size_t>(total) + 1, 0.0);
  pmf[0] = 1.0;
  int64_t reach = 0;  // largest sum reachable so far
  for (int64_t w : weights) {
    // new[s] = (old[s] + old[s - w]) / 2, in place from the top.
    for (int64_t s = reach + w; s >= 0; --s) {
      const double keep = pmf[static_cast<size_t>(s)];
      const double add = s >= w ? pmf[static_cast<size_t>(s - w)] : 0.0;
      pmf[static_cast<size_t>(s)] = 0.5 * (keep + add);
    }
    reach += w;
  }
  return pmf;
}

double exact_pvalue(const std::vector<double>& pmf, int64_t s, Alternative alternative) {
  const auto top = static_cast<int64_t>(pmf.size()) - 1;
  // Sum from the far end of each tail so the small terms are added first.
  auto lower = [&] {
    double p = 0;
    for (int64_t k = 0; k <= std::min(s, top); ++k) p += pmf[static_cast<size_t>(k)];
    return p;
  };
  auto upper = [&] {
    double p = 0;
    for (int64_t k = top; k >= std::max<int64_t>(s, 0); --k) p += pmf[static_cast<size_t>(k)];
    return p;
  };
  double p = 1;
  switch (alternative) {
    case Alternative::kTwoSided:
      p = 2.0 * std::min(lower(), upper());
      break;
    case Alternative::kGreater:
      p = upper();
      break;
    case Alternative::kLess:
      p = lower();
      break;
  }
  return std::clamp(p, 0.0, 1.0);
}

double normal_sf(double z) {
  static const boost::math::normal_distribution<double> standard;
  if (std::isnan(z)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(z)) return z > 0 ? 0.0 : 1.0;
  return boost::math::cdf(boost::math::complement(standard, z));
}

double normal_cdf(double z) { return normal_sf(-z); }

}  // namespace internal

namespace {

const char* zero_method_name(ZeroMethod m) {
  switch (m) {
    case ZeroMethod::kWilcox:
      return "wilcox";
    case ZeroMethod::kPratt:
      return "pratt";
    case ZeroMethod::kZsplit:
      return "zsplit";
  }
  return "?";
}

}  // namespace

WilcoxonResult wilcoxon(const std::vector<double>& x, const std::vector<double>& y,
                        const WilcoxonOptions& options) {
  using internal::normal_cdf;
  using internal::normal_sf;
  if (x.size() != y.size())
    throw Error("wilcoxon: the paired samples differ in length (x has " + std::to_string(x.size()) +
                " values, y has " + std::to_string(y.size()) + ")");
  if (x.empty()) throw Error("wilcoxon: no pairs (x and y are empty); expected at least one pair");
  std::vector<double> d(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
      throw Error("wilcoxon: pair " + std::to_string(i) +
                  " is not finite (x=" + std::to_string(x[i]) + ", y=" + std::to_string(y[i]) +
                  "); expected finite values");
    d[i] = x[i] - y[i];
  }
  const auto n_total = static_cast<int64_t>(d.size());
  const auto n_zero = static_cast<int64_t>(std::count(d.begin(), d.end(), 0.0));
  const ZeroMethod zm = options.zero_method();
  const Alternative alt = options.alternative();

  bool exact = options.mode() == WilcoxonMode::kExact ||
               (options.mode() == WilcoxonMode::kAuto && n_total <= 50);

  WilcoxonResult res;
  if (zm == ZeroMethod::kWilcox) {
    d.erase(std::remove(d.begin(), d.end(), 0.0), d.end());
  }
  const auto count = static_cast<int64_t>(d.size());
  res.n = count;
  if (n_zero == n_total && zm != ZeroMethod::kZsplit) {
    // Every difference is zero: R+ = R- = 0 whatever the signs; scipy raises, we report no
    // evidence.
    res.statistic = 0;
    res.pvalue = 1;
    res.method = "exact";
    return res;
  }

  std::vector<double> absd(d.size());
  for (size_t i = 0; i < d.size(); ++i) absd[i] = std::fabs(d[i]);
  std::vector<int64_t> ties;
  const std::vector<int64_t> r2 = internal::doubled_midranks(absd, &ties);
  int64_t rp2 = 0, rm2 = 0, rz2 = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    if (d[i] > 0) rp2 += r2[i];
    if (d[i] < 0) rm2 += r2[i];
    if (d[i] == 0) rz2 += r2[i];
  }
  int64_t offset2 = 0;  // 2 * (the part of R+ that is not random)
  if (zm == ZeroMethod::kZsplit) {
    offset2 = rz2 / 2;  // R+ += r_zero / 2 (rz2 = nz (nz + 1) is even)
    rp2 += offset2;
    rm2 += offset2;
  }
  const double r_plus = 0.5 * static_cast<double>(rp2);
  const double r_minus = 0.5 * static_cast<double>(rm2);
  const double T = alt == Alternative::kTwoSided ? std::min(r_plus, r_minus) : r_plus;
  res.statistic = T;

  if (exact) {
    std::vector<int64_t> weights;
    for (size_t i = 0; i < d.size(); ++i)
      if (d[i] != 0) weights.push_back(r2[i]);
    if (static_cast<int64_t>(weights.size()) > internal::kMaxExactPairs)
      throw Error("wilcoxon: exact mode supports at most " +
                  std::to_string(internal::kMaxExactPairs) + " non-zero differences, got " +
                  std::to_string(weights.size()) + "; use mode approx (or auto)");
    const std::vector<double> pmf = internal::sign_flip_null(weights);
    res.pvalue = internal::exact_pvalue(pmf, rp2 - offset2, alt);
    res.method = "exact";
    res.z = 0;
    return res;
  }

  // Normal approximation, operation for operation as scipy 1.10.1.
  const auto c = static_cast<double>(count);
  double mn = c * (c + 1.0) * 0.25;
  double se = c * (c + 1.0) * (2.0 * c + 1.0);
  if (zm == ZeroMethod::kPratt && n_zero > 0) {
    const auto z0 = static_cast<double>(n_zero);
    mn -= z0 * (z0 + 1.0) * 0.25;
    se -= z0 * (z0 + 1.0) * (2.0 * z0 + 1.0);
    // Tie groups among the non-zero differences only: the zeros form the first group.
    ties.erase(ties.begin());
  }
  double tie_sum = 0;
  for (int64_t t : ties)
    if (t > 1) tie_sum += static_cast<double>(t * (t * t - 1));
  if (tie_sum != 0) se -= 0.5 * tie_sum;
  se = std::sqrt(se / 24.0);

  double corr = 0;
  if (options.correction()) {
    if (alt == Alternative::kTwoSided)
      corr = T > mn ? 0.5 : (T < mn ? -0.5 : 0.0);
    else if (alt == Alternative::kLess)
      corr = -0.5;
    else
      corr = 0.5;
  }
  const double z = (T - mn - corr) / se;
  res.z = z;
  res.method = "approx";
  if (!std::isfinite(z))
    throw Error(std::string("wilcoxon: the normal approximation is undefined (zero variance) with "
                            "zero_method ") +
                zero_method_name(zm));
  switch (alt) {
    case Alternative::kTwoSided:
      res.pvalue = 2.0 * normal_sf(std::fabs(z));
      break;
    case Alternative::kGreater:
      res.pvalue = normal_sf(z);
      break;
    case Alternative::kLess:
      res.pvalue = normal_cdf(z);
      break;
  }
  return res;
}

}  // namespace mutagen
