// HDBSCAN, DBCV and trustworthiness: reference values from R dbscan::hdbscan, a transcription of
// the hdbscan library's validity_index (dbcv_reference.py) and sklearn.manifold.trustworthiness,
// plus invariants on synthetic data (blobs, background noise, two moons: thesis Fig. 4.3).
#include "mutagen/clustering/hdbscan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "knn.h"
#include "mutagen/clustering/dbcv.h"
#include "mutagen/clustering/trustworthiness.h"
#include "mutagen/error.h"
#include "umap_hdbscan_util.h"

namespace {

using umap_hdbscan_test::local_ari;
using umap_hdbscan_test::local_silhouette;

// Two noisy moons (40 + 40), a blob (30) and 10 uniform points, rounded to 4 decimals
// (hdbscan_reference.py --make-d2).
static const double kD2[][2] = {
    {1.0595, 0.4536},  {0.9452, 0.2173},  {0.0073, 0.9501},  {-0.5977, 0.8061},  {0.3074, 1.0058},
    {0.1803, 1.1005},  {1.0587, -0.0281}, {-0.0317, 0.8084}, {-0.9146, -0.0005}, {-0.8042, 0.6364},
    {-0.7674, 0.6817}, {0.8946, 0.4180},  {-1.0313, 0.3141}, {-0.9533, 0.4087},  {0.9976, 0.3993},
    {-0.3967, 0.9420}, {1.0838, -0.0621}, {1.0450, 0.4021},  {0.6329, 0.8453},   {0.7155, 0.4113},
    {-0.6450, 0.6906}, {-0.8463, 0.7195}, {0.6892, 0.8795},  {0.7323, 0.6429},   {0.7342, 0.4303},
    {0.9392, 0.3186},  {-0.5680, 0.7759}, {-0.2394, 0.9666}, {0.8315, 0.1959},   {0.0820, 1.1813},
    {0.1911, 0.9544},  {-0.9305, 0.4463}, {-0.4663, 0.8127}, {-0.3616, 0.9644},  {-0.0872, 0.8871},
    {-1.0137, 0.3134}, {-0.9135, 0.0374}, {0.4394, 0.8579},  {0.5741, 0.7786},   {-0.7683, 0.6106},
    {-0.1098, 0.2298}, {0.6388, -0.3851}, {-0.0256, 0.3323}, {0.5564, -0.4108},  {-0.0287, 0.1937},
    {0.2722, -0.2110}, {1.8414, -0.0788}, {1.8390, 0.1026},  {1.7884, -0.1477},  {1.2050, -0.5511},
    {1.4219, -0.2544}, {0.7331, -0.2458}, {0.1445, 0.0863},  {0.7633, -0.3880},  {1.6301, -0.2931},
    {-0.0450, 0.3736}, {0.0297, 0.4535},  {1.6373, -0.1458}, {0.2680, -0.1613},  {1.5776, -0.2874},
    {1.6617, -0.3987}, {1.8407, 0.2879},  {0.8412, -0.5629}, {0.4992, -0.4074},  {1.6522, -0.2407},
    {1.6974, -0.1787}, {1.4222, -0.2338}, {1.8124, -0.0235}, {1.5919, -0.2315},  {1.8321, 0.3290},
    {0.6177, -0.5048}, {1.5881, -0.3625}, {1.8514, 0.2296},  {0.5205, -0.2407},  {1.4964, -0.4379},
    {0.3933, -0.4179}, {0.8455, -0.4575}, {0.0148, 0.0869},  {0.0432, 0.2325},   {1.6592, -0.1542},
    {3.2876, 1.8928},  {2.6094, 1.5850},  {3.3723, 1.4182},  {3.3595, 1.2245},   {3.3643, 1.6346},
    {2.9546, 1.3333},  {3.1525, 1.3360},  {3.4611, 1.5438},  {3.5287, 1.7938},   {3.2152, 1.4517},
    {2.9633, 1.2988},  {2.9997, 1.5870},  {2.9791, 1.5197},  {3.2481, 1.3759},   {3.1534, 1.8613},
    {3.6030, 1.3043},  {3.1513, 1.4070},  {3.1311, 1.8838},  {3.3716, 1.8150},   {3.6442, 1.3899},
    {3.1532, 1.5101},  {3.4565, 1.4773},  {3.3614, 1.7921},  {3.4908, 1.6117},   {3.0028, 1.1115},
    {3.4804, 1.6141},  {2.9656, 1.3737},  {3.0878, 1.0813},  {3.2629, 1.3032},   {3.1264, 1.6849},
    {3.7601, 0.8080},  {1.4466, 3.8720},  {2.4052, 1.2803},  {2.6501, 1.1032},   {2.4687, -0.2771},
    {-1.0771, 1.7954}, {1.3803, 1.0338},  {-0.8539, 3.6400}, {-0.8854, 3.8211},  {0.2497, 0.0501},
};

Eigen::MatrixXd d2() {
  const int64_t n = sizeof(kD2) / sizeof(kD2[0]);
  Eigen::MatrixXd X(n, 2);
  for (int64_t i = 0; i < n; ++i) X.row(i) << kD2[i][0], kD2[i][1];
  return X;
}

// R 4.2, dbscan 1.1-11: hdbscan(x, minPts = m)$cluster (0 = noise); minPts 3, 4, 6, 8, 10, 12, 15,
// 20 agree with hdbscan_reference.py.
const std::vector<int64_t> kR3 = {
    10, 10, 7, 6, 8,  8, 0, 7, 0, 6, 6, 10, 5, 5, 10, 6, 0, 10, 9, 10, 6, 6, 9, 10,
    10, 10, 6, 6, 10, 0, 8, 5, 6, 6, 7, 5,  0, 9, 9,  6, 4, 3,  4, 3,  4, 4, 2, 2,
    2,  0,  2, 3, 4,  3, 2, 4, 4, 2, 4, 2,  2, 2, 3,  3, 2, 2,  2, 2,  2, 2, 3, 2,
    2,  3,  2, 3, 3,  4, 4, 2, 1, 1, 1, 1,  1, 1, 1,  1, 1, 1,  1, 1,  1, 1, 1, 1,
    1,  1,  1, 1, 1,  1, 1, 1, 1, 1, 1, 1,  1, 1, 1,  0, 1, 1,  0, 0,  0, 0, 0, 4};
// R minPts 5 (6 clusters); used as a labelling for DBCV.
const std::vector<int64_t> kR5 = {
    6, 6, 5, 5, 0, 5, 0, 5, 0, 5, 5, 6, 0, 0, 6, 5, 0, 6, 6, 6, 5, 5, 6, 6, 6, 6, 5, 5, 6, 0,
    5, 5, 5, 0, 0, 0, 0, 6, 6, 5, 4, 3, 4, 3, 4, 4, 2, 2, 2, 0, 2, 3, 4, 3, 2, 4, 0, 2, 0, 2,
    2, 2, 0, 3, 2, 2, 2, 2, 2, 2, 3, 2, 2, 3, 2, 3, 3, 4, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 4};
// minPts 5 is where R and the hdbscan library (and sklearn, whose HDBSCAN is its port) differ: R
// keeps a branch smaller than minPts inside its parent until its points separate one by one, the
// library drops the whole branch at the split (Campello et al.'s definition), which makes the two
// moons one cluster here. We follow the library; hdbscan_reference.py (its condensed tree and EOM,
// transcribed) gives:
const std::vector<int64_t> kLib5 = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 2, 2, 1, 0, 1, 0, 0, 1};
// minPts 8, 12 and 20 all give this (the moons merge).
const std::vector<int64_t> kRBig = {
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 2, 0, 2, 0, 0, 2};

std::vector<int64_t> r_to_ours(const std::vector<int64_t>& r) {
  std::vector<int64_t> out;
  for (int64_t v : r) out.push_back(v - 1);
  return out;
}

// The same partition, cluster numbering aside, and the same noise points.
void expect_same_partition(const std::vector<int64_t>& got, const std::vector<int64_t>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i] == -1, want[i] == -1) << "row " << i;
  EXPECT_DOUBLE_EQ(local_ari(got, want), 1.0);
}

TEST(Hdbscan, MatchesRDbscanAndTheHdbscanLibrary) {
  const Eigen::MatrixXd X = d2();
  expect_same_partition(mutagen::hdbscan(X, 3), r_to_ours(kR3));
  expect_same_partition(mutagen::hdbscan(X, 5), r_to_ours(kLib5));
  for (int m : {8, 12, 20}) expect_same_partition(mutagen::hdbscan(X, m), r_to_ours(kRBig));
}

TEST(Hdbscan, LabelsAreZeroBasedAndConsecutive) {
  const std::vector<int64_t> got = mutagen::hdbscan(d2(), 3);
  std::set<int64_t> labels(got.begin(), got.end());
  EXPECT_EQ(labels.size(), 11u);  // 10 clusters and noise, as R
  EXPECT_EQ(*labels.begin(), -1);
  EXPECT_EQ(*labels.rbegin(), 9);
}

TEST(Hdbscan, RecoversBlobsAndMarksBackgroundAsNoise) {
  Eigen::MatrixXd centers(4, 2);
  centers << -8, 0, 8, 0, 0, 10, 0, -10;
  const auto data = umap_hdbscan_test::blobs(centers, 150, 0.7, 3);
  mutagen::Rng rng(99);
  const int64_t background = 80, n = data.X.rows() + background;
  Eigen::MatrixXd X(n, 2);
  X.topRows(data.X.rows()) = data.X;
  for (int64_t i = data.X.rows(); i < n; ++i)
    X.row(i) << -25 + 50 * rng.uniform(), -25 + 50 * rng.uniform();
  const std::vector<int64_t> labels = mutagen::hdbscan(X, 20);
  const std::vector<int64_t> blob_labels(labels.begin(), labels.begin() + data.X.rows());
  EXPECT_GE(local_ari(blob_labels, data.y), 0.95);
  // Background points near a blob join it before the blobs separate (as in every HDBSCAN); those
  // farther than 5 (7 sd) from every centre must be noise, blob points must not.
  int64_t far = 0, far_noise = 0, blob_noise = 0;
  for (int64_t i = data.X.rows(); i < n; ++i) {
    double nearest = 1e300;
    for (int64_t c = 0; c < centers.rows(); ++c)
      nearest = std::min(nearest, (X.row(i) - centers.row(c)).norm());
    if (nearest > 5) {
      ++far;
      far_noise += labels[i] == -1;
    }
  }
  for (int64_t i = 0; i < data.X.rows(); ++i) blob_noise += labels[i] == -1;
  EXPECT_GE(far, background / 2);
  EXPECT_GE(far_noise, far * 8 / 10);
  EXPECT_LE(blob_noise, data.X.rows() / 50);
  EXPECT_EQ(*std::max_element(labels.begin(), labels.end()), 3);
}

TEST(Hdbscan, UniformDataIsAllNoiseOrFewClusters) {
  mutagen::Rng rng(5);
  Eigen::MatrixXd X(400, 2);
  for (int64_t i = 0; i < X.rows(); ++i) X.row(i) << rng.uniform(), rng.uniform();
  const std::vector<int64_t> labels = mutagen::hdbscan(X, 100);
  EXPECT_LE(*std::max_element(labels.begin(), labels.end()), 2);
}

TEST(Hdbscan, HighDimensionalPathAgreesWithLowDimensional) {
  // 40-d blobs take the GEMM path; padding 2-d data with zero columns must not change the answer.
  Eigen::MatrixXd centers(3, 2);
  centers << 0, 0, 5, 0, 0, 5;
  const auto data = umap_hdbscan_test::blobs(centers, 60, 0.6, 8);
  Eigen::MatrixXd wide = Eigen::MatrixXd::Zero(data.X.rows(), 40);
  wide.leftCols(2) = data.X;
  const auto a = mutagen::hdbscan(data.X, 10), b = mutagen::hdbscan(wide, 10);
  EXPECT_DOUBLE_EQ(local_ari(a, b), 1.0);
  EXPECT_GE(local_ari(a, data.y), 0.9);
}

TEST(Hdbscan, SeparatesTwoMoonsAndDbcvPrefersThemWhileSilhouettePrefersALine) {
  const auto m = umap_hdbscan_test::moons(200, 0.06, 21);
  const std::vector<int64_t> labels = mutagen::hdbscan(m.X, 20);
  EXPECT_GE(local_ari(labels, m.y), 0.95);
  // A straight split (what KMeans with k = 2 finds on moons): by the sign of x - 0.5.
  std::vector<int64_t> line;
  for (int64_t i = 0; i < m.X.rows(); ++i) line.push_back(m.X(i, 0) < 0.5 ? 0 : 1);
  const double dbcv_moons = mutagen::dbcv(m.X, m.y), dbcv_line = mutagen::dbcv(m.X, line);
  EXPECT_GT(mutagen::dbcv(m.X, labels), dbcv_line);
  EXPECT_GT(dbcv_moons, dbcv_line);
  EXPECT_GT(local_silhouette(m.X, line), local_silhouette(m.X, m.y));  // thesis Fig. 4.3
}

TEST(Hdbscan, RejectsBadInput) {
  const Eigen::MatrixXd X = d2();
  EXPECT_THROW(mutagen::hdbscan(X, 1), mutagen::Error);
  EXPECT_THROW(mutagen::hdbscan(X, X.rows() + 1), mutagen::Error);
  EXPECT_THROW(mutagen::hdbscan(X, 5, 0), mutagen::Error);
  EXPECT_THROW(mutagen::hdbscan(Eigen::MatrixXd(0, 2), 5), mutagen::Error);
  Eigen::MatrixXd bad = X;
  bad(3, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(mutagen::hdbscan(bad, 5), mutagen::Error);
  try {
    mutagen::hdbscan(X, 1);
  } catch (const mutagen::Error& e) {
    EXPECT_NE(std::string(e.what()).find("min_cluster_size"), std::string::npos);
  }
}

// dbcv_reference.py d2.csv "<R minPts 5 labels>": validity_index of three labelings.
TEST(Dbcv, MatchesHdbscanValidityIndex) {
  const Eigen::MatrixXd X = d2();
  EXPECT_NEAR(mutagen::dbcv(X, r_to_ours(kR5)), 0.493565855990, 1e-9);
  std::vector<int64_t> thirds, xsign;
  for (int64_t i = 0; i < X.rows(); ++i) {
    thirds.push_back(i * 3 / X.rows());
    xsign.push_back(X(i, 0) > 1.0 ? 1 : 0);
  }
  EXPECT_NEAR(mutagen::dbcv(X, thirds), -0.252965872980, 1e-9);
  EXPECT_NEAR(mutagen::dbcv(X, xsign), -0.721921830298, 1e-9);
}

TEST(Dbcv, InRangeAndHigherForGoodClusteringThanRandomLabels) {
  Eigen::MatrixXd centers(3, 3);
  centers << 0, 0, 0, 6, 0, 0, 0, 6, 0;
  const auto data = umap_hdbscan_test::blobs(centers, 80, 0.8, 4);
  mutagen::Rng rng(1);
  std::vector<int64_t> random;
  for (size_t i = 0; i < data.y.size(); ++i) random.push_back(int64_t(rng.below(3)));
  const double good = mutagen::dbcv(data.X, data.y), bad = mutagen::dbcv(data.X, random);
  EXPECT_GT(good, 0.3);
  EXPECT_LE(good, 1.0);
  EXPECT_GE(bad, -1.0);
  EXPECT_GT(good, bad + 0.5);
  // Noise counts in the weights: labelling a cluster as noise can only lower its contribution.
  std::vector<int64_t> with_noise = data.y;
  for (size_t i = 0; i < 10; ++i) with_noise[i] = -1;
  EXPECT_LT(mutagen::dbcv(data.X, with_noise), good + 1e-12);
}

TEST(Dbcv, RejectsBadInput) {
  const Eigen::MatrixXd X = d2();
  EXPECT_THROW(mutagen::dbcv(X, std::vector<int64_t>(3, 0)), mutagen::Error);
  EXPECT_THROW(mutagen::dbcv(X, std::vector<int64_t>(X.rows(), 0)), mutagen::Error);  // one cluster
  std::vector<int64_t> labels(X.rows(), 0);
  labels[0] = -2;
  labels[1] = 1;
  EXPECT_THROW(mutagen::dbcv(X, labels), mutagen::Error);
}

// sklearn 1.2.1: trustworthiness(X, E, n_neighbors=k) with X the 42 points below and
// E = X[:, 0] + 0.3 X[:, 1]^2 (both rounded to 4 decimals).
const double kD1[][2] = {
    {1.3524, -0.3727}, {0.0263, 0.3260},   {-0.6311, 0.0017}, {-0.0007, -1.4038},
    {0.8141, 0.4804},  {-0.5003, -0.1372}, {0.4042, -0.2091}, {-0.1942, -1.1626},
    {0.4437, 0.0991},  {0.2196, -1.2212},  {1.3206, 0.1235},  {-0.3097, 1.6233},
    {5.9637, -1.1605}, {5.6758, -1.8307},  {6.8395, -0.3332}, {5.4060, 0.8580},
    {4.6791, 0.4283},  {4.3485, -0.5297},  {5.0366, 1.1696},  {7.4129, -0.2635},
    {6.6726, -0.1440}, {6.4544, -0.6023},  {4.6333, -1.4425}, {6.3065, 1.7981},
    {3.2155, 4.5803},  {4.5296, 5.1898},   {3.0811, 5.2021},  {2.8941, 4.7524},
    {1.8520, 5.4013},  {2.9242, 5.9545},   {2.7049, 3.4749},  {2.9203, 6.3596},
    {2.6933, 4.2881},  {2.0451, 4.1600},   {2.7598, 4.0560},  {4.1981, 4.7739},
    {7.1495, 3.3135},  {2.4488, 6.8950},   {8.4220, 5.4489},  {7.2067, 9.1476},
    {-3.4308, 8.2594}, {-0.1281, 2.6607}};

TEST(Trustworthiness, MatchesSklearn) {
  const int64_t n = sizeof(kD1) / sizeof(kD1[0]);
  Eigen::MatrixXd X(n, 2), E(n, 1);
  for (int64_t i = 0; i < n; ++i) {
    X.row(i) << kD1[i][0], kD1[i][1];
    E(i, 0) = std::round((kD1[i][0] + 0.3 * kD1[i][1] * kD1[i][1]) * 1e4) / 1e4;
  }
  EXPECT_NEAR(mutagen::trustworthiness(X, E, 3), 0.812741312741, 1e-10);
  EXPECT_NEAR(mutagen::trustworthiness(X, E, 5), 0.840896358543, 1e-10);
  EXPECT_NEAR(mutagen::trustworthiness(X, E, 10), 0.874303683738, 1e-10);
}

// The definition, evaluated directly: ranks by sorting full distance rows.
double brute_force_trustworthiness(const Eigen::MatrixXd& X, const Eigen::MatrixXd& E, int64_t k) {
  const int64_t n = X.rows();
  double t = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<std::pair<double, int64_t>> dx, de;
    for (int64_t j = 0; j < n; ++j)
      if (j != i) {
        dx.push_back({(X.row(i) - X.row(j)).norm(), j});
        de.push_back({(E.row(i) - E.row(j)).norm(), j});
      }
    std::sort(dx.begin(), dx.end());
    std::sort(de.begin(), de.end());
    std::vector<int64_t> rank(size_t(n), 0);
    for (size_t r = 0; r < dx.size(); ++r) rank[dx[r].second] = int64_t(r) + 1;
    for (int64_t c = 0; c < k; ++c) t += std::max<int64_t>(0, rank[de[c].second] - k);
  }
  return 1.0 - 2.0 / (double(n) * k * (2.0 * n - 3.0 * k - 1.0)) * t;
}

TEST(Trustworthiness, EqualsBruteForceAndIsOneForIsometries) {
  mutagen::Rng rng(12);
  Eigen::MatrixXd X(150, 6);
  for (int64_t i = 0; i < X.rows(); ++i)
    for (int64_t d = 0; d < X.cols(); ++d) X(i, d) = rng.normal();
  const Eigen::MatrixXd E = X.leftCols(2);
  for (int64_t k : {1, 5, 12})
    EXPECT_NEAR(mutagen::trustworthiness(X, E, k), brute_force_trustworthiness(X, E, k), 1e-12);
  // A rotation plus translation keeps every neighbourhood.
  const Eigen::MatrixXd Q = Eigen::HouseholderQR<Eigen::MatrixXd>(X.topRows(6)).householderQ();
  const Eigen::MatrixXd R = (X * Q).rowwise() + Eigen::RowVectorXd::Constant(6, 3.0);
  EXPECT_DOUBLE_EQ(mutagen::trustworthiness(X, R, 5), 1.0);
  EXPECT_LT(mutagen::trustworthiness(X, E, 5), 0.95);
}

TEST(Trustworthiness, RejectsBadInput) {
  const Eigen::MatrixXd X = Eigen::MatrixXd::Random(20, 3);
  EXPECT_THROW(mutagen::trustworthiness(X, X.topRows(10), 3), mutagen::Error);
  EXPECT_THROW(mutagen::trustworthiness(X, X, 10), mutagen::Error);  // k >= n / 2
  EXPECT_THROW(mutagen::trustworthiness(X, X, 0), mutagen::Error);
  Eigen::MatrixXd bad = X;
  bad(0, 0) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(mutagen::trustworthiness(bad, X, 3), mutagen::Error);
}

// The neighbour tables behind UMAP and HDBSCAN: the kd-tree path (few features), the float GEMM
// path (n^2 d > 2e8) and the double path all equal a brute-force sort.
TEST(Knn, AllPathsMatchBruteForce) {
  for (auto [n, d] : {std::pair<int64_t, int64_t>{300, 3}, {1500, 100}, {200, 20}}) {
    mutagen::Rng rng(uint64_t(n + d));
    mutagen::knn_detail::RowMatrixXd X(n, d);
    for (int64_t i = 0; i < X.size(); ++i) X.data()[i] = rng.normal();
    const int64_t k = 12;
    const auto t = mutagen::knn_detail::nearest_neighbors(X, k, 2);
    ASSERT_EQ(t.k, k);
    for (int64_t i = 0; i < n; ++i) {
      std::vector<std::pair<double, int64_t>> all;
      for (int64_t j = 0; j < n; ++j)
        if (j != i) all.push_back({(X.row(i) - X.row(j)).squaredNorm(), j});
      std::partial_sort(all.begin(), all.begin() + (k - 1), all.end());
      ASSERT_EQ(t.idx(i, 0), i);
      ASSERT_EQ(t.dist(i, 0), 0.0);
      for (int64_t c = 1; c < k; ++c) {
        ASSERT_EQ(t.idx(i, c), all[c - 1].second) << "n " << n << " d " << d << " row " << i;
        ASSERT_NEAR(t.dist(i, c), std::sqrt(all[c - 1].first), 1e-9);
      }
    }
  }
}

}  // namespace
