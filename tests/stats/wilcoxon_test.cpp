// The signed-rank test against scipy 1.10.1 (reference file) where scipy is exact or approximates,
// and against brute-force enumeration of all 2^m sign assignments where mutagen departs from scipy
// on purpose (exact mode with zeros or ties: the exact conditional distribution, see
// mutagen/stats.h).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "mutagen/error.h"
#include "mutagen/io.h"
#include "mutagen/stats.h"
#include "test_support.h"

namespace mutagen {
namespace {

ZeroMethod zero_method_of(const std::string& s) {
  if (s == "wilcox") return ZeroMethod::kWilcox;
  if (s == "pratt") return ZeroMethod::kPratt;
  return ZeroMethod::kZsplit;
}
Alternative alternative_of(const std::string& s) {
  if (s == "two-sided") return Alternative::kTwoSided;
  if (s == "greater") return Alternative::kGreater;
  return Alternative::kLess;
}
WilcoxonMode mode_of(const std::string& s) {
  if (s == "exact") return WilcoxonMode::kExact;
  if (s == "approx") return WilcoxonMode::kApprox;
  return WilcoxonMode::kAuto;
}

void expect_rel(double actual, double expected, double rel, const std::string& what) {
  EXPECT_NEAR(actual, expected, rel * std::fabs(expected)) << what;
}

struct Oracle {
  double statistic;
  double pvalue;
};

// Independent oracle: midranks by counting (O(n^2)), then every sign assignment of the non-zero
// differences enumerated explicitly; p-values by counting assignments at least as extreme.
Oracle brute_force(const std::vector<double>& x, const std::vector<double>& y, ZeroMethod zm,
                   Alternative alt) {
  std::vector<double> d;
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i] - y[i];
    if (zm == ZeroMethod::kWilcox && v == 0) continue;
    d.push_back(v);
  }
  const size_t n = d.size();
  std::vector<double> rank(n);
  for (size_t i = 0; i < n; ++i) {
    double less = 0, equal = 0;
    for (size_t j = 0; j < n; ++j) {
      if (std::fabs(d[j]) < std::fabs(d[i])) ++less;
      if (std::fabs(d[j]) == std::fabs(d[i])) ++equal;
    }
    rank[i] = less + (equal + 1) / 2;
  }
  double fixed = 0;  // zsplit: half the zeros' ranks go to R+
  std::vector<double> free_ranks;
  double observed_plus = 0, observed_minus = 0;
  for (size_t i = 0; i < n; ++i) {
    if (d[i] == 0) {
      if (zm == ZeroMethod::kZsplit) fixed += rank[i] / 2;
      continue;
    }
    free_ranks.push_back(rank[i]);
    (d[i] > 0 ? observed_plus : observed_minus) += rank[i];
  }
  observed_plus += fixed;
  observed_minus += fixed;
  const size_t m = free_ranks.size();
  double at_most = 0, at_least = 0;
  for (uint64_t mask = 0; mask < (uint64_t{1} << m); ++mask) {
    double r_plus = fixed;
    for (size_t k = 0; k < m; ++k)
      if (mask >> k & 1) r_plus += free_ranks[k];
    if (r_plus <= observed_plus) ++at_most;
    if (r_plus >= observed_plus) ++at_least;
  }
  const double total = std::ldexp(1.0, static_cast<int>(m));
  Oracle o{};
  o.statistic =
      alt == Alternative::kTwoSided ? std::min(observed_plus, observed_minus) : observed_plus;
  if (alt == Alternative::kTwoSided)
    o.pvalue = std::min(1.0, 2 * std::min(at_most, at_least) / total);
  if (alt == Alternative::kGreater) o.pvalue = at_least / total;
  if (alt == Alternative::kLess) o.pvalue = at_most / total;
  return o;
}

TEST(Wilcoxon, MatchesScipyReferenceOrExactConditionalOracle) {
  const nlohmann::json ref =
      read_json(testing_support::reference_file("wilcoxon_scipy_1.10.1.json"));
  ASSERT_EQ(ref["computed_with"]["scipy"], "1.10.1");
  int compared_with_scipy = 0, compared_with_oracle = 0;
  for (const auto& [name, c] : ref["cases"].items()) {
    const auto x = c["x"].get<std::vector<double>>();
    const auto y = c["y"].get<std::vector<double>>();
    for (const auto& r : c["results"]) {
      const std::string label = name + " " + r["zero_method"].get<std::string>() + " " +
                                r["method"].get<std::string>() + " " +
                                r["alternative"].get<std::string>() +
                                (r["correction"].get<bool>() ? " corrected" : "");
      const auto opts = WilcoxonOptions()
                            .zero_method(zero_method_of(r["zero_method"]))
                            .alternative(alternative_of(r["alternative"]))
                            .mode(mode_of(r["method"]))
                            .correction(r["correction"].get<bool>());
      const WilcoxonResult got = wilcoxon(x, y, opts);
      // The statistic is scipy's in every case (ranks do not depend on the p-value method).
      EXPECT_EQ(got.statistic, r["statistic"].get<double>()) << label;
      if (r["effective"] == "approx" && r["method"] != "approx") {
        // scipy fell back to the normal approximation because of zeros; we give the exact
        // conditional p-value.
        const Oracle o = brute_force(x, y, opts.zero_method(), opts.alternative());
        EXPECT_EQ(got.method, "exact") << label;
        EXPECT_EQ(got.statistic, o.statistic) << label;
        expect_rel(got.pvalue, o.pvalue, 1e-12, label);
        ++compared_with_oracle;
      } else {
        EXPECT_EQ(got.method, r["effective"].get<std::string>()) << label;
        expect_rel(got.pvalue, r["pvalue"].get<double>(), 1e-9, label);
        ++compared_with_scipy;
      }
    }
  }
  // 36 results per case: all of A (no zeros, no ties) and the 18 approx rows of C and E are
  // compared with scipy; the 18 exact/auto rows of C and E (zeros) with the enumeration.
  EXPECT_EQ(compared_with_scipy, 36 + 2 * 18);
  EXPECT_EQ(compared_with_oracle, 2 * 18);
}

TEST(Wilcoxon, ReferenceCohensD) {
  const nlohmann::json ref =
      read_json(testing_support::reference_file("wilcoxon_scipy_1.10.1.json"));
  for (const auto& [name, c] : ref["cases"].items()) {
    expect_rel(cohens_d(c["x"].get<std::vector<double>>(), c["y"].get<std::vector<double>>()),
               c["cohens_d"].get<double>(), 1e-12, name);
  }
}

// scipy's documentation example (Cushny & Peebles via Fisher): exact and approximate p-values.
TEST(Wilcoxon, ScipyDocumentationExample) {
  const std::vector<double> d = {6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};
  const std::vector<double> zero(d.size(), 0.0);
  auto two = wilcoxon(d, zero);
  EXPECT_EQ(two.statistic, 24.0);
  EXPECT_EQ(two.method, "exact");
  expect_rel(two.pvalue, 0.041259765625, 1e-12, "two-sided exact");
  auto greater = wilcoxon(d, zero, WilcoxonOptions().alternative(Alternative::kGreater));
  EXPECT_EQ(greater.statistic, 96.0);
  expect_rel(greater.pvalue, 0.0206298828125, 1e-12, "greater exact");
  auto approx = wilcoxon(d, zero, WilcoxonOptions().mode(WilcoxonMode::kApprox));
  EXPECT_EQ(approx.method, "approx");
  expect_rel(approx.pvalue, 0.04088813291185591, 1e-9, "two-sided approx");
  EXPECT_LT(approx.z, 0);
}

TEST(Wilcoxon, ExactWithTiesAndZerosIsTheConditionalDistribution) {
  // Ties (|d| = 2, 4) and zeros, every zero method and alternative, against the enumeration.
  const std::vector<double> x = {3, 5, 5, 7, 2, 9, 9, 1, 4, 13, 6, 6};
  const std::vector<double> y = {2, 3, 3, 4, 3, 5, 5, 5, 4, 7, 6, 8};
  for (ZeroMethod zm : {ZeroMethod::kWilcox, ZeroMethod::kPratt, ZeroMethod::kZsplit}) {
    for (Alternative alt : {Alternative::kTwoSided, Alternative::kGreater, Alternative::kLess}) {
      for (WilcoxonMode mode : {WilcoxonMode::kExact, WilcoxonMode::kAuto}) {
        const auto opts = WilcoxonOptions().zero_method(zm).alternative(alt).mode(mode);
        const WilcoxonResult got = wilcoxon(x, y, opts);
        const Oracle o = brute_force(x, y, zm, alt);
        const std::string label =
            std::to_string(static_cast<int>(zm)) + "/" + std::to_string(static_cast<int>(alt));
        EXPECT_EQ(got.method, "exact") << label;
        EXPECT_EQ(got.statistic, o.statistic) << label;
        expect_rel(got.pvalue, o.pvalue, 1e-12, label);
        EXPECT_EQ(got.n, zm == ZeroMethod::kWilcox ? 10 : 12) << label;
      }
    }
  }
}

TEST(Wilcoxon, TiesWithoutZerosInExactMode) {
  // All |d| tied: R+ = 6 * 3.5 = 21 of 21, scipy would truncate; the conditional p is 2 * 2^-6.
  const std::vector<double> x = {1, 1, 1, 1, 1, 1};
  const std::vector<double> y = {0, 0, 0, 0, 0, 0};
  auto r = wilcoxon(x, y);
  EXPECT_EQ(r.statistic, 0.0);
  EXPECT_DOUBLE_EQ(r.pvalue, 2.0 / 64);
  auto g = wilcoxon(x, y, WilcoxonOptions().alternative(Alternative::kGreater));
  EXPECT_EQ(g.statistic, 21.0);
  EXPECT_DOUBLE_EQ(g.pvalue, 1.0 / 64);
}

TEST(Wilcoxon, AutoSwitchesToApproxAbove50Pairs) {
  std::vector<double> x, y;
  for (int i = 0; i < 51; ++i) {
    x.push_back(i * 0.37 + (i % 3 == 0 ? 1.5 : 0));
    y.push_back(i * 0.37 + 0.013 * i - 0.2);
  }
  EXPECT_EQ(wilcoxon(x, y).method, "approx");
  x.pop_back();
  y.pop_back();
  EXPECT_EQ(wilcoxon(x, y).method, "exact");
}

TEST(Wilcoxon, SwappingSamplesSwapsAlternatives) {
  const std::vector<double> x = {0.91, 0.93, 0.90, 0.95, 0.92, 0.94, 0.905, 0.915, 0.925, 0.935};
  const std::vector<double> y = {0.90, 0.94, 0.88, 0.91, 0.92, 0.90, 0.9, 0.89, 0.93, 0.92};
  for (WilcoxonMode mode : {WilcoxonMode::kExact, WilcoxonMode::kApprox}) {
    auto g = wilcoxon(x, y, WilcoxonOptions().alternative(Alternative::kGreater).mode(mode));
    auto l = wilcoxon(y, x, WilcoxonOptions().alternative(Alternative::kLess).mode(mode));
    EXPECT_NEAR(g.pvalue, l.pvalue, 1e-15);
    auto t1 = wilcoxon(x, y, WilcoxonOptions().mode(mode));
    auto t2 = wilcoxon(y, x, WilcoxonOptions().mode(mode));
    EXPECT_EQ(t1.statistic, t2.statistic);
    EXPECT_NEAR(t1.pvalue, t2.pvalue, 1e-15);
  }
}

TEST(Wilcoxon, AllZeroDifferencesGiveNoEvidence) {
  const std::vector<double> x = {0.9, 0.8, 0.7};
  for (ZeroMethod zm : {ZeroMethod::kWilcox, ZeroMethod::kPratt, ZeroMethod::kZsplit}) {
    for (WilcoxonMode mode : {WilcoxonMode::kExact, WilcoxonMode::kApprox}) {
      auto r = wilcoxon(x, x, WilcoxonOptions().zero_method(zm).mode(mode));
      EXPECT_EQ(r.pvalue, 1.0);
    }
  }
}

TEST(Wilcoxon, RejectsBadInput) {
  EXPECT_THROW(wilcoxon({1, 2}, {1}), Error);
  EXPECT_THROW(wilcoxon({}, {}), Error);
  EXPECT_THROW(wilcoxon({1, std::nan("")}, {1, 2}), Error);
  EXPECT_THROW(wilcoxon({1, INFINITY}, {1, 2}), Error);
  try {
    wilcoxon({1, 2, 3}, {1, 2});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("length"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mutagen
