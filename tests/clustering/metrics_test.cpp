// Silhouette, Calinski-Harabasz, Davies-Bouldin against brute-force textbook formulas; ARI known
// values.
#include "mutagen/clustering/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "clustering_test_data.h"
#include "mutagen/error.h"
#include "mutagen/random.h"

using namespace mutagen;

namespace {

double dist(const Eigen::MatrixXd& X, int64_t i, int64_t j) { return (X.row(i) - X.row(j)).norm(); }

// Rousseeuw's silhouette, straight from the definition (noise -1 skipped).
double brute_silhouette(const Eigen::MatrixXd& X, const std::vector<int64_t>& l) {
  const int64_t n = X.rows();
  double total = 0;
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (l[i] < 0) continue;
    std::map<int64_t, std::pair<double, int64_t>> by;  // label -> (sum, count), i excluded
    for (int64_t j = 0; j < n; ++j)
      if (j != i && l[j] >= 0) {
        by[l[j]].first += dist(X, i, j);
        ++by[l[j]].second;
      }
    ++count;
    if (by[l[i]].second == 0) continue;  // singleton: s = 0
    const double a = by[l[i]].first / by[l[i]].second;
    double b = std::numeric_limits<double>::infinity();
    for (const auto& [lab, sc] : by)
      if (lab != l[i]) b = std::min(b, sc.first / sc.second);
    total += (b - a) / std::max(a, b);
  }
  return total / count;
}

std::map<int64_t, Eigen::RowVectorXd> brute_centroids(const Eigen::MatrixXd& X,
                                                      const std::vector<int64_t>& l) {
  std::map<int64_t, Eigen::RowVectorXd> sum;
  std::map<int64_t, int64_t> cnt;
  for (int64_t i = 0; i < X.rows(); ++i) {
    if (!sum.count(l[i])) sum[l[i]] = Eigen::RowVectorXd::Zero(X.cols());
    sum[l[i]] += X.row(i);
    ++cnt[l[i]];
  }
  for (auto& [k, v] : sum) v /= static_cast<double>(cnt[k]);
  return sum;
}

double brute_ch(const Eigen::MatrixXd& X, const std::vector<int64_t>& l) {
  const auto C = brute_centroids(X, l);
  const Eigen::RowVectorXd mean = X.colwise().mean();
  double B = 0, W = 0;
  for (int64_t i = 0; i < X.rows(); ++i) {
    B += (C.at(l[i]) - mean).squaredNorm();  // = sum_k n_k |c_k - mean|^2
    W += (X.row(i) - C.at(l[i])).squaredNorm();
  }
  const double n = X.rows(), k = C.size();
  return (B / (k - 1)) / (W / (n - k));
}

double brute_db(const Eigen::MatrixXd& X, const std::vector<int64_t>& l) {
  const auto C = brute_centroids(X, l);
  std::map<int64_t, double> s;
  std::map<int64_t, int64_t> cnt;
  for (int64_t i = 0; i < X.rows(); ++i) {
    s[l[i]] += (X.row(i) - C.at(l[i])).norm();
    ++cnt[l[i]];
  }
  for (auto& [k, v] : s) v /= cnt[k];
  double total = 0;
  for (const auto& [i, ci] : C) {
    double worst = 0;
    for (const auto& [j, cj] : C)
      if (i != j) worst = std::max(worst, (s[i] + s[j]) / (ci - cj).norm());
    total += worst;
  }
  return total / C.size();
}

std::vector<int64_t> random_labels(int64_t n, int64_t k, uint64_t seed) {
  Rng rng(seed);
  std::vector<int64_t> l(n);
  for (int64_t i = 0; i < n; ++i) l[i] = i < k ? i : static_cast<int64_t>(rng.below(k));
  return l;
}

}  // namespace

TEST(Metrics, MatchBruteForceOnRandomData) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    Rng rng(seed);
    Eigen::MatrixXd X(57, 5);
    for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = 3.0 * rng.normal();
    const auto l = random_labels(57, 2 + static_cast<int64_t>(seed), seed + 10);
    EXPECT_NEAR(silhouette_score(X, l), brute_silhouette(X, l), 1e-10) << seed;
    EXPECT_NEAR(calinski_harabasz_score(X, l), brute_ch(X, l), 1e-9) << seed;
    EXPECT_NEAR(davies_bouldin_score(X, l), brute_db(X, l), 1e-10) << seed;
  }
}

TEST(Metrics, SilhouetteLargeInputUsesBlocksCorrectly) {
  // More samples than one block (256 rows) and enough work for the BLAS path.
  Rng rng(5);
  Eigen::MatrixXd X(600, 8);
  for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = rng.normal();
  auto l = random_labels(600, 3, 6);
  for (int64_t i = 0; i < 600; ++i) X(i, 0) += 3.0 * l[i];
  EXPECT_NEAR(silhouette_score(X, l), brute_silhouette(X, l), 1e-9);
}

TEST(Metrics, NoiseIsLeftOut) {
  Rng rng(7);
  Eigen::MatrixXd X(40, 3);
  for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = rng.normal();
  auto l = random_labels(40, 3, 8);
  for (int64_t i = 0; i < 40; i += 5) l[i] = -1;
  std::vector<int64_t> keep_rows, kept;
  for (int64_t i = 0; i < 40; ++i)
    if (l[i] >= 0) {
      keep_rows.push_back(i);
      kept.push_back(l[i]);
    }
  Eigen::MatrixXd Y(keep_rows.size(), 3);
  for (size_t i = 0; i < keep_rows.size(); ++i) Y.row(i) = X.row(keep_rows[i]);
  EXPECT_NEAR(silhouette_score(X, l), brute_silhouette(Y, kept), 1e-10);
  EXPECT_NEAR(calinski_harabasz_score(X, l), brute_ch(Y, kept), 1e-9);
  EXPECT_NEAR(davies_bouldin_score(X, l), brute_db(Y, kept), 1e-10);
  const Eigen::VectorXd s = silhouette_samples(X, l);
  EXPECT_TRUE(std::isnan(s(0)));
  EXPECT_FALSE(std::isnan(s(1)));
}

TEST(Metrics, SingletonClusterHasZeroSilhouette) {
  Eigen::MatrixXd X(4, 1);
  X << 0, 1, 2, 10;
  const std::vector<int64_t> l = {0, 0, 0, 1};
  const Eigen::VectorXd s = silhouette_samples(X, l);
  EXPECT_EQ(s(3), 0.0);
  // Sample 0: a = (1 + 2) / 2 = 1.5, b = 10 -> (10 - 1.5) / 10.
  EXPECT_NEAR(s(0), 0.85, 1e-12);
}

TEST(Metrics, NeedTwoToNMinusOneClusters) {
  const Eigen::MatrixXd X = Eigen::MatrixXd::Random(5, 2);
  EXPECT_THROW(silhouette_score(X, {0, 0, 0, 0, 0}), Error);
  EXPECT_THROW(silhouette_score(X, {0, 1, 2, 3, 4}), Error);
  EXPECT_THROW(silhouette_score(X, {-1, -1, -1, -1, -1}), Error);
  EXPECT_THROW(calinski_harabasz_score(X, {0, 0, 0, 0, 0}), Error);
  EXPECT_THROW(davies_bouldin_score(X, {0, 1}), Error);  // size mismatch
  Eigen::MatrixXd bad = X;
  bad(0, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(silhouette_score(bad, {0, 0, 1, 1, 1}), Error);
}

TEST(AdjustedRandIndex, KnownValues) {
  const std::vector<int64_t> a = {0, 0, 0, 1, 1, 1};
  EXPECT_DOUBLE_EQ(adjusted_rand_index(a, a), 1.0);
  EXPECT_DOUBLE_EQ(adjusted_rand_index(a, {5, 5, 5, 2, 2, 2}), 1.0);  // renamed labels
  // By hand: contingency [[2,1,0],[0,1,2]]: sum C(nij,2) = 2; rows 3+3 = 6; cols 1+1+1 = 3;
  // C(6,2) = 15; expected = 6*3/15 = 1.2; max = (6+3)/2 = 4.5; ARI = 0.8 / 3.3.
  EXPECT_NEAR(adjusted_rand_index(a, {0, 0, 1, 1, 2, 2}), 0.8 / 3.3, 1e-12);
  // Crossed halves: index 0, rows 2, cols 2, C(4,2) = 6: (0 - 4/6) / (2 - 4/6) = -0.5.
  EXPECT_NEAR(adjusted_rand_index({0, 0, 1, 1}, {0, 1, 0, 1}), -0.5, 1e-12);
  EXPECT_DOUBLE_EQ(adjusted_rand_index({3, 3, 3}, {1, 1, 1}), 1.0);
  EXPECT_NEAR(adjusted_rand_index(a, {0, 1, 0, 1, 0, 1}),
              adjusted_rand_index({0, 1, 0, 1, 0, 1}, a), 1e-15);
  EXPECT_THROW(adjusted_rand_index({0, 1}, {0}), Error);
  EXPECT_THROW(adjusted_rand_index({}, {}), Error);
}
