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

// d is the same for both samples scaled alike, also near the float limit, where the sums would
// overflow (d came out 0).
TEST(CohensD, ValuesNearTheFloatLimit) {
  const double d = cohens_d({2, 4, 6}, {1, 1, 2, 4});
  EXPECT_NEAR(cohens_d({2e306, 4e306, 6e306}, {1e306, 1e306, 2e306, 4e306}), d, 1e-12);
  EXPECT_NEAR(cohens_d({-2e307, -4e307, -6e307}, {-1e307, -1e307, -2e307, -4e307}), -d, 1e-12);
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
  EXPECT_DOUBLE_EQ(k.power, kill_rule_power(20, 1.0, k.correlation, KillOptions()));
  EXPECT_EQ(k.underpowered, k.power < 0.8);

  // The mutant is better: one-sided, no evidence at all; two-sided, significant but d < 0.
  const KillDecision b = decide_kill(orig, better);
  EXPECT_GT(b.p_value, 0.95);
  EXPECT_FALSE(b.killed);
  const KillDecision b2 = decide_kill(
      orig, better, KillOptions().wilcoxon(WilcoxonOptions().alternative(Alternative::kTwoSided)));
  EXPECT_LT(b2.p_value, 0.05);
  EXPECT_LT(b2.cohens_d, 0);
  EXPECT_FALSE(b2.killed);

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
  const KillDecision k = decide_kill(
      orig, mut, KillOptions().wilcoxon(WilcoxonOptions().alternative(Alternative::kTwoSided)));
  EXPECT_EQ(k.p_value, 0.0625);  // the smallest two-sided exact p with 5 pairs
  EXPECT_FALSE(k.killed);
  EXPECT_EQ(k.power, 0.0);  // two-sided with 5 pairs can never reject
  EXPECT_TRUE(k.underpowered);
  // One-sided (the default contract): 1/32 < 0.05, killed.
  const KillDecision g = decide_kill(orig, mut);
  EXPECT_EQ(g.p_value, 1.0 / 32);
  EXPECT_TRUE(g.killed);
  // The mutant is the original minus 0.4: perfectly paired instances, so even 5 of them have power
  // (simulated at the correlation capped to 0.95).
  EXPECT_NEAR(g.correlation, 1.0, 1e-9);
  EXPECT_DOUBLE_EQ(g.power, kill_rule_power(5, 1.0, 0.95, KillOptions()));
  EXPECT_GT(g.power, 0.8);
  // Independent instances: 5 are underpowered.
  EXPECT_LT(kill_rule_power(5, 1.0, 0.0, KillOptions()), 0.8);
}

// The rule's power by simulation: known limits and monotone in what helps.
TEST(KillRulePower, MatchesTheRuleItDescribes) {
  const KillOptions one_sided;
  // With no effect, the rule can only kill by chance: at most alpha.
  EXPECT_LE(kill_rule_power(10, 0.0, 0.0, one_sided), 0.05);
  // With 5 pairs every difference must be positive (p = 1/32): for independent pairs and d = 1,
  // P(all five differences > 0) = Phi(1/sqrt(2))^5 = 0.7602^5 = 0.254, and d >= 0.5 is then almost
  // always true: the simulated power is close to it and cannot exceed it.
  const double p5 = kill_rule_power(5, 1.0, 0.0, one_sided);
  EXPECT_LE(p5, 0.254 + 0.03);
  EXPECT_GT(p5, 0.15);
  // More instances, a larger effect, or a stronger pairing all raise the power.
  EXPECT_GT(kill_rule_power(20, 1.0, 0.0, one_sided), p5);
  EXPECT_GT(kill_rule_power(20, 1.5, 0.0, one_sided), kill_rule_power(20, 1.0, 0.0, one_sided));
  EXPECT_GT(kill_rule_power(10, 1.0, 0.8, one_sided), kill_rule_power(10, 1.0, 0.0, one_sided));
  // At an effect of exactly the threshold, d >= 0.5 holds about half the time: power <= ~0.5.
  EXPECT_LT(kill_rule_power(50, 0.5, 0.0, one_sided), 0.6);
  // Two-sided with 5 pairs can never reject.
  EXPECT_EQ(kill_rule_power(5, 3.0, 0.0,
                            KillOptions().wilcoxon(WilcoxonOptions().alternative(Alternative::kTwoSided))),
            0.0);
  // Deterministic per seed.
  EXPECT_EQ(kill_rule_power(12, 1.0, 0.3, one_sided, 9), kill_rule_power(12, 1.0, 0.3, one_sided, 9));
}

TEST(FisherRulePower, ExactSmallCases) {
  // Originals always pass, mutants never: p = 1/252 < 0.05 always -> power 1.
  EXPECT_DOUBLE_EQ(fisher_rule_power(5, 5, 1.0, 0.0, 0.05, Alternative::kGreater), 1.0);
  // Mutants pass half the time: killed when at most 1 of 5 passes (c = 1: p = 5/210 = 0.024;
  // c = 2: p = 10/120 = 0.083): P(c <= 1) = 6/32.
  EXPECT_NEAR(fisher_rule_power(5, 5, 1.0, 0.5, 0.05, Alternative::kGreater), 6.0 / 32, 1e-12);
  EXPECT_NEAR(fisher_exact(5, 0, 1, 4, Alternative::kGreater), 5.0 / 210, 1e-12);
  EXPECT_NEAR(fisher_exact(5, 0, 2, 3, Alternative::kGreater), 10.0 / 120, 1e-12);
  // No difference: never killed.
  EXPECT_DOUBLE_EQ(fisher_rule_power(5, 5, 1.0, 1.0, 0.05, Alternative::kGreater), 0.0);
  // scipy.stats.fisher_exact([[3, 1], [1, 3]], alternative="less") = 0.9857142857142858.
  EXPECT_NEAR(fisher_exact(3, 1, 1, 3, Alternative::kLess), 0.9857142857142858, 1e-12);
}

TEST(DecideKill, RejectsBadOptions) {
  EXPECT_THROW(decide_kill({1, 2, 3}, {1, 2, 3}, KillOptions().alpha(0)), Error);
  EXPECT_THROW(decide_kill({1, 2, 3}, {1, 2}), Error);
}

}  // namespace
}  // namespace mutagen
