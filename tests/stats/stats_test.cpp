// Cohen's d, Fisher's exact test, the power of the signed-rank test and the kill decision.
#include "mutagen/stats.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "mutagen/error.h"

namespace mutagen {
namespace {

TEST(CohensD, TextbookValues) {
  // Means 3 and 5, both sample variances 2.5: d = -2 / sqrt(2.5).
  EXPECT_NEAR(cohens_d({1, 2, 3, 4, 5}, {3, 4, 5, 6, 7}), -2 / std::sqrt(2.5), 1e-15);
  // Unequal sizes: a = {2, 4, 6} (mean 4, ss 8), b = {1, 1, 2, 4} (mean 2, ss 6): pooled
  // sqrt(14/5).
  EXPECT_NEAR(cohens_d({2, 4, 6}, {1, 1, 2, 4}), 2 / std::sqrt(14.0 / 5), 1e-15);
  EXPECT_NEAR(cohens_d({3, 4, 5, 6, 7}, {1, 2, 3, 4, 5}), 2 / std::sqrt(2.5), 1e-15);
}

TEST(CohensD, ZeroSpread) {
  EXPECT_EQ(cohens_d({0.91, 0.91, 0.91}, {0.91, 0.91}), 0.0);
  EXPECT_EQ(cohens_d({0.92, 0.92}, {0.91, 0.91}), std::numeric_limits<double>::infinity());
  EXPECT_EQ(cohens_d({0.90, 0.90}, {0.91, 0.91}), -std::numeric_limits<double>::infinity());
  EXPECT_THROW(cohens_d({}, {1.0}), Error);
  EXPECT_THROW(cohens_d({1.0, NAN}, {1.0}), Error);
}

TEST(FisherExact, TextbookValues) {
  // Lady tasting tea: 34/70.
  EXPECT_NEAR(fisher_exact(3, 1, 1, 3), 0.4857142857142857, 1e-15);
  // scipy.stats.fisher_exact documentation example: 8/78.
  EXPECT_NEAR(fisher_exact(6, 2, 1, 4), 0.10256410256410256, 1e-15);
  // Checked with exact rational arithmetic (sum of C(10,x) C(6,9-x) / C(16,9) over likely-or-less
  // x).
  EXPECT_NEAR(fisher_exact(8, 2, 1, 5), 0.03496503496503497, 1e-15);
  EXPECT_NEAR(fisher_exact(4, 0, 0, 4), 2.0 / 70, 1e-15);
  EXPECT_EQ(fisher_exact(2, 2, 2, 2), 1.0);
  EXPECT_EQ(fisher_exact(0, 0, 3, 4), 1.0);  // a zero row
  EXPECT_EQ(fisher_exact(5, 0, 3, 0), 1.0);  // a zero column
  EXPECT_THROW(fisher_exact(-1, 2, 3, 4), Error);
}

TEST(FisherExact, SymmetricUnderTransposeAndSwap) {
  for (auto t :
       std::vector<std::array<int64_t, 4>>{{20, 0, 12, 8}, {17, 3, 9, 11}, {1, 9, 11, 3}}) {
    const double p = fisher_exact(t[0], t[1], t[2], t[3]);
    EXPECT_NEAR(fisher_exact(t[0], t[2], t[1], t[3]), p, 1e-12 * p);
    EXPECT_NEAR(fisher_exact(t[2], t[3], t[0], t[1]), p, 1e-12 * p);
    EXPECT_GT(p, 0);
    EXPECT_LE(p, 1);
  }
}

// Exact size of the two-sided test by counting the 2^n sign assignments (independent of the DP).
double enumerated_size(int n, double alpha) {
  const int64_t m = n * (n + 1) / 2;
  std::vector<double> count(static_cast<size_t>(m) + 1, 0.0);
  for (uint64_t mask = 0; mask < (uint64_t{1} << n); ++mask) {
    int64_t r = 0;
    for (int k = 0; k < n; ++k)
      if (mask >> k & 1) r += k + 1;
    count[static_cast<size_t>(r)] += 1;
  }
  const double total = std::ldexp(1.0, n);
  double size = 0, lower = 0;
  for (int64_t r = 0; 2 * r < m; ++r) {
    lower += count[static_cast<size_t>(r)];
    if (2 * lower / total < alpha) size = 2 * lower / total;
  }
  return size;
}

TEST(WilcoxonPower, EffectZeroIsTheExactSize) {
  // n = 10: reject iff R+ <= 8 or >= 47; 2 * 25 / 1024.
  EXPECT_DOUBLE_EQ(wilcoxon_power(10, 0.0, 0.05), 0.048828125);
  for (int n : {6, 8, 12, 16, 20}) {
    const double size = wilcoxon_power(n, 0.0, 0.05);
    EXPECT_DOUBLE_EQ(size, enumerated_size(n, 0.05)) << n;
    EXPECT_LE(size, 0.05) << n;
  }
  // Too few pairs: no outcome reaches p < 0.05 (the smallest two-sided p with 5 pairs is 1/16).
  EXPECT_EQ(wilcoxon_power(5, 0.0, 0.05), 0.0);
  EXPECT_EQ(wilcoxon_power(5, 3.0, 0.05), 0.0);
  // One-sided at 5 pairs: P(R+ = 15) = 1/32 < 0.05.
  EXPECT_DOUBLE_EQ(
      wilcoxon_power(5, 0.0, 0.05, WilcoxonOptions().alternative(Alternative::kGreater)), 1.0 / 32);
}

TEST(WilcoxonPower, MonteCarloSizeAgreesWithExactSize) {
  // Effect 0 by simulation (a tiny effect forces the Monte Carlo path) ~ the exact size.
  const double simulated = wilcoxon_power(20, 1e-12, 0.05);
  EXPECT_NEAR(simulated, enumerated_size(20, 0.05), 0.015);
}

TEST(WilcoxonPower, MonotoneInEffectAndN) {
  double last = wilcoxon_power(20, 0.0, 0.05);
  for (double e : {0.25, 0.5, 0.75, 1.0, 1.5}) {
    const double p = wilcoxon_power(20, e, 0.05);
    EXPECT_GT(p, last) << e;
    last = p;
  }
  EXPECT_GT(last, 0.97);
  last = 0;
  for (int n : {8, 12, 20, 30, 50, 80}) {
    const double p = wilcoxon_power(n, 0.5, 0.05);
    EXPECT_GT(p, last) << n;
    last = p;
  }
}

TEST(WilcoxonPower, PlausibleValues) {
  // Paired t-test power for dz = 0.5, n = 20, two-sided 0.05 is 0.56; the signed-rank test under
  // normality is slightly less efficient (ARE 0.955) and discrete (size 0.048).
  const double p = wilcoxon_power(20, 0.5, 0.05);
  EXPECT_GT(p, 0.45);
  EXPECT_LT(p, 0.6);
  // The one-sided test (what the runner uses) is more powerful.
  EXPECT_GT(wilcoxon_power(20, 0.5, 0.05, WilcoxonOptions().alternative(Alternative::kGreater)), p);
  // Against the wrong direction a one-sided test has almost no power.
  EXPECT_LT(wilcoxon_power(20, 0.5, 0.05, WilcoxonOptions().alternative(Alternative::kLess)), 0.01);
  // Deterministic and seeded.
  EXPECT_EQ(wilcoxon_power(20, 0.5, 0.05, 7), wilcoxon_power(20, 0.5, 0.05, 7));
  EXPECT_NEAR(wilcoxon_power(20, 0.5, 0.05, 7), p, 0.04);
  // Large n (normal approximation): size ~ alpha by enumeration, power ~ 1 for a large shift.
  EXPECT_NEAR(wilcoxon_power(120, 0.0, 0.05), 0.05, 0.003);
  EXPECT_GT(wilcoxon_power(120, 0.8, 0.05), 0.99);
  EXPECT_THROW(wilcoxon_power(0, 0.5, 0.05), Error);
  EXPECT_THROW(wilcoxon_power(10, 0.5, 1.5), Error);
}

TEST(DecideKill, KilledOnlyWhenSignificantAndLargeAndWorse) {
  // 20 instances; the mutant loses ~1 point of accuracy with some noise.
  std::vector<double> orig, worse, better, tiny;
  for (int i = 0; i < 20; ++i) {
    const double o = 0.91 + 0.002 * std::sin(i * 1.7);
    orig.push_back(o);
    worse.push_back(o - 0.01 - 0.001 * std::cos(i * 2.3));
    better.push_back(o + 0.01 + 0.001 * std::cos(i * 2.3));
    tiny.push_back(o - 0.0004 - 0.0001 * std::cos(i * 0.9));  // consistent but small loss
  }
  const KillDecision k = decide_kill(orig, worse);
  EXPECT_TRUE(k.killed);
  EXPECT_LT(k.p_value, 0.05);
  EXPECT_GE(k.cohens_d, 0.5);
  EXPECT_EQ(k.method, "exact");
  EXPECT_DOUBLE_EQ(k.power, wilcoxon_power(20, 0.5, 0.05));
  EXPECT_EQ(k.underpowered, k.power < 0.8);

  const KillDecision b = decide_kill(orig, better);  // significant, but the mutant is better
  EXPECT_LT(b.p_value, 0.05);
  EXPECT_LT(b.cohens_d, 0);
  EXPECT_FALSE(b.killed);

  const KillDecision t = decide_kill(orig, tiny);  // every instance worse (p tiny), d small
  EXPECT_LT(t.p_value, 0.05);
  EXPECT_LT(t.cohens_d, 0.5);
  EXPECT_FALSE(t.killed);

  const KillDecision same = decide_kill(orig, orig);
  EXPECT_EQ(same.p_value, 1.0);
  EXPECT_FALSE(same.killed);
}

TEST(DecideKill, FewInstancesAreUnderpoweredAndNeverKilled) {
  const std::vector<double> orig = {0.9, 0.91, 0.92, 0.93, 0.94};
  const std::vector<double> mut = {0.5, 0.51, 0.52, 0.53, 0.54};
  const KillDecision k = decide_kill(orig, mut);
  EXPECT_EQ(k.p_value, 0.0625);  // the smallest two-sided exact p with 5 pairs
  EXPECT_FALSE(k.killed);
  EXPECT_EQ(k.power, 0.0);
  EXPECT_TRUE(k.underpowered);
  // One-sided (what the runner uses): 1/32 < 0.05, killed.
  const KillDecision g = decide_kill(
      orig, mut, KillOptions().wilcoxon(WilcoxonOptions().alternative(Alternative::kGreater)));
  EXPECT_EQ(g.p_value, 1.0 / 32);
  EXPECT_TRUE(g.killed);
  EXPECT_TRUE(g.underpowered);
}

TEST(DecideKill, RejectsBadOptions) {
  EXPECT_THROW(decide_kill({1, 2, 3}, {1, 2, 3}, KillOptions().alpha(0)), Error);
  EXPECT_THROW(decide_kill({1, 2, 3}, {1, 2}), Error);
}

}  // namespace
}  // namespace mutagen
