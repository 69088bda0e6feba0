// KMeans, Gaussian mixture, agglomerative clustering and PCA against known answers.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "clustering_test_data.h"
#include "mutagen/clustering/agglomerative.h"
#include "mutagen/clustering/gmm.h"
#include "mutagen/clustering/kmeans.h"
#include "mutagen/clustering/metrics.h"
#include "mutagen/clustering/pca.h"
#include "mutagen/error.h"
#include "mutagen/random.h"

using namespace mutagen;
using clustering_test::three_blobs;

TEST(KMeans, RecoversSeparatedBlobs) {
  std::vector<int64_t> truth;
  const Eigen::MatrixXd X = three_blobs(50, 1, &truth);
  const KMeansResult r = kmeans(X, KMeansOptions().k(3).seed(7));
  EXPECT_GE(adjusted_rand_index(truth, r.labels), 0.95);
  // Inertia is the sum of squared distances to the assigned centres.
  double inertia = 0;
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    inertia += (X.row(i) - r.centers.row(r.labels[i])).squaredNorm();
  EXPECT_NEAR(r.inertia, inertia, 1e-6 * inertia);
}

TEST(KMeans, SameSeedSameLabels) {
  const Eigen::MatrixXd X = three_blobs(40, 2, nullptr);
  Eigen::MatrixXd noisy = X + 4.0 * Eigen::MatrixXd::Ones(X.rows(), X.cols())
                                        .cwiseProduct(Eigen::MatrixXd::Random(X.rows(), X.cols()));
  const auto a = kmeans(noisy, KMeansOptions().k(4).seed(11)).labels;
  const auto b = kmeans(noisy, KMeansOptions().k(4).seed(11)).labels;
  EXPECT_EQ(a, b);
}

// Uniform points have no clusters: many sit near a boundary between centres and Lloyd runs for
// dozens of passes, the case where the passes skip samples by their distance bounds. Run to strict
// convergence, the result must be a fixed point: every centre the mean of its samples and every
// sample at its nearest centre (a sample wrongly kept would break the first).
TEST(KMeans, ConvergedRunIsAFixedPoint) {
  Rng rng(5);
  Eigen::MatrixXd X(2000, 3);
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    for (Eigen::Index j = 0; j < X.cols(); ++j) X(i, j) = rng.uniform();
  const KMeansResult r = kmeans(X, KMeansOptions().k(5).n_init(3).tol(0.0).max_iter(1000).seed(2));
  ASSERT_LT(r.iterations, 1000);
  EXPECT_GT(r.iterations, 5);
  Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(5, 3);
  std::vector<int64_t> counts(5, 0);
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    sums.row(r.labels[i]) += X.row(i);
    ++counts[r.labels[i]];
    Eigen::Index nearest = 0;
    (r.centers.rowwise() - X.row(i)).rowwise().squaredNorm().minCoeff(&nearest);
    EXPECT_EQ(r.labels[i], nearest) << "sample " << i;
  }
  for (int64_t c = 0; c < 5; ++c) {
    ASSERT_GT(counts[c], 0);
    EXPECT_LT((sums.row(c) / double(counts[c]) - r.centers.row(c)).norm(), 1e-12) << "centre " << c;
  }
}

TEST(KMeans, BadInputThrows) {
  Eigen::MatrixXd X = three_blobs(5, 3, nullptr);
  EXPECT_THROW(kmeans(X, KMeansOptions().k(16)), Error);  // k > n
  EXPECT_THROW(kmeans(X, KMeansOptions().k(0)), Error);
  EXPECT_THROW(kmeans(Eigen::MatrixXd(0, 3), KMeansOptions().k(2)), Error);
  Eigen::MatrixXd same = Eigen::MatrixXd::Constant(10, 3, 4.0);
  EXPECT_THROW(kmeans(same, KMeansOptions().k(2)), Error);  // one distinct sample
  X(3, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(kmeans(X, KMeansOptions().k(2)), Error);
  X(3, 1) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(kmeans(X, KMeansOptions().k(2)), Error);
}

class GmmCovariance : public ::testing::TestWithParam<CovarianceType> {};

TEST_P(GmmCovariance, RecoversSeparatedBlobs) {
  std::vector<int64_t> truth;
  const Eigen::MatrixXd X = three_blobs(60, 4, &truth);
  const GmmResult r = gaussian_mixture(X, GmmOptions().k(3).covariance(GetParam()).seed(3));
  EXPECT_GE(adjusted_rand_index(truth, r.labels), 0.95);
  EXPECT_NEAR(r.weights.sum(), 1.0, 1e-9);
  EXPECT_TRUE(r.converged);
  // Means near the true centres (blob sd 1, 60 samples per blob).
  Eigen::MatrixXd centers(3, 4);
  centers << 0, 0, 0, 0, 10, 0, 0, 0, 0, 10, 0, 5;
  for (int64_t c = 0; c < 3; ++c) {
    double best = 1e9;
    for (int64_t j = 0; j < 3; ++j) best = std::min(best, (r.means.row(j) - centers.row(c)).norm());
    EXPECT_LT(best, 0.6) << "centre " << c;
  }
  const auto again = gaussian_mixture(X, GmmOptions().k(3).covariance(GetParam()).seed(3)).labels;
  EXPECT_EQ(r.labels, again);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, GmmCovariance,
                         ::testing::Values(CovarianceType::Full, CovarianceType::Tied,
                                           CovarianceType::Diag, CovarianceType::Spherical),
                         [](const auto& info) { return to_string(info.param); });

TEST(Gmm, CovarianceShapesFollowTheType) {
  const Eigen::MatrixXd X = three_blobs(30, 5, nullptr);
  const auto tied = gaussian_mixture(X, GmmOptions().k(3).covariance(CovarianceType::Tied));
  EXPECT_EQ(tied.covariances.size(), 1u);
  const auto sph = gaussian_mixture(X, GmmOptions().k(3).covariance(CovarianceType::Spherical));
  ASSERT_EQ(sph.covariances.size(), 3u);
  for (const auto& c : sph.covariances) {
    EXPECT_NEAR(c(0, 0), c(3, 3), 1e-12);
    EXPECT_EQ(c(0, 1), 0.0);
  }
}

TEST(Gmm, BadInputThrows) {
  Eigen::MatrixXd X = three_blobs(3, 6, nullptr);
  EXPECT_THROW(gaussian_mixture(X, GmmOptions().k(10)), Error);
  X(0, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(gaussian_mixture(X, GmmOptions().k(2)), Error);
}

// ---- agglomerative: naive O(n^3) reference from the linkage definitions.
namespace {
std::vector<double> naive_heights(const Eigen::MatrixXd& X, Linkage linkage) {
  std::vector<std::vector<int64_t>> clusters;
  for (int64_t i = 0; i < X.rows(); ++i) clusters.push_back({i});
  auto dist = [&](const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    if (linkage == Linkage::Ward) {
      Eigen::RowVectorXd ca = Eigen::RowVectorXd::Zero(X.cols()), cb = ca;
      for (auto i : a) ca += X.row(i);
      for (auto i : b) cb += X.row(i);
      ca /= a.size();
      cb /= b.size();
      const double na = a.size(), nb = b.size();
      return std::sqrt(2.0 * na * nb / (na + nb)) * (ca - cb).norm();
    }
    double agg = 0.0;
    for (auto i : a)
      for (auto j : b) {
        const double d = (X.row(i) - X.row(j)).norm();
        agg = linkage == Linkage::Complete ? std::max(agg, d) : agg + d;
      }
    return linkage == Linkage::Complete ? agg : agg / (a.size() * b.size());
  };
  std::vector<double> heights;
  while (clusters.size() > 1) {
    size_t ba = 0, bb = 1;
    double best = std::numeric_limits<double>::infinity();
    for (size_t a = 0; a < clusters.size(); ++a)
      for (size_t b = a + 1; b < clusters.size(); ++b) {
        const double d = dist(clusters[a], clusters[b]);
        if (d < best) {
          best = d;
          ba = a;
          bb = b;
        }
      }
    heights.push_back(best);
    clusters[ba].insert(clusters[ba].end(), clusters[bb].begin(), clusters[bb].end());
    clusters.erase(clusters.begin() + bb);
  }
  std::sort(heights.begin(), heights.end());
  return heights;
}
}  // namespace

class AgglomerativeLinkage : public ::testing::TestWithParam<Linkage> {};

TEST_P(AgglomerativeLinkage, RecoversSeparatedBlobs) {
  std::vector<int64_t> truth;
  const Eigen::MatrixXd X = three_blobs(50, 8, &truth);
  const auto labels = agglomerative(X, 3, GetParam());
  EXPECT_GE(adjusted_rand_index(truth, labels), 0.95);
}

TEST_P(AgglomerativeLinkage, MergeHeightsMatchTheDefinition) {
  Eigen::MatrixXd X = Eigen::MatrixXd::Random(24, 3) * 5.0;
  const Dendrogram tree = linkage_tree(X, GetParam());
  ASSERT_EQ(tree.merges.size(), 23u);
  const std::vector<double> expected = naive_heights(X, GetParam());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(tree.merges[i].height, expected[i], 1e-5 * (1.0 + expected[i])) << "merge " << i;
    if (i) {
      EXPECT_LE(tree.merges[i - 1].height, tree.merges[i].height);
    }
  }
  EXPECT_EQ(tree.merges.back().size, 24);
  // Cutting: k clusters, each non-empty; k = n gives singletons.
  for (int64_t k = 1; k <= 6; ++k) {
    const auto l = tree.cut(k);
    EXPECT_EQ(*std::max_element(l.begin(), l.end()) + 1, k);
  }
  const auto singles = tree.cut(24);
  EXPECT_EQ(std::set<int64_t>(singles.begin(), singles.end()).size(), 24u);
  EXPECT_THROW(tree.cut(25), Error);
  EXPECT_THROW(tree.cut(0), Error);
}

INSTANTIATE_TEST_SUITE_P(AllLinkages, AgglomerativeLinkage,
                         ::testing::Values(Linkage::Ward, Linkage::Complete, Linkage::Average),
                         [](const auto& info) { return to_string(info.param); });

TEST(Agglomerative, BadInputThrows) {
  Eigen::MatrixXd X = three_blobs(3, 9, nullptr);
  EXPECT_THROW(agglomerative(X, 10, Linkage::Ward), Error);
  X(1, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(agglomerative(X, 2, Linkage::Average), Error);
  EXPECT_THROW(parse_linkage("single"), Error);
}

// ---- PCA
TEST(Pca, ExplainedVarianceIsTheCovarianceSpectrum) {
  Eigen::MatrixXd X = Eigen::MatrixXd::Random(80, 6);
  X.col(2) = 3.0 * X.col(0) + 0.1 * X.col(2);  // correlated features
  X.col(5) *= 4.0;
  const PcaModel m = pca_fit(X, PcaOptions().n_components(6));
  const Eigen::MatrixXd centred = X.rowwise() - X.colwise().mean();
  const Eigen::MatrixXd cov = centred.transpose() * centred / 79.0;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  const Eigen::VectorXd expected = eig.eigenvalues().reverse();
  ASSERT_EQ(m.explained_variance.size(), 6);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(m.explained_variance(i), expected(i), 1e-10);
  EXPECT_NEAR(m.explained_variance_ratio.sum(), 1.0, 1e-12);
  EXPECT_NEAR(m.total_variance, cov.trace(), 1e-10);
  // Orthonormal components, sign convention: largest-magnitude entry positive.
  EXPECT_TRUE((m.components.transpose() * m.components).isIdentity(1e-10));
  for (int c = 0; c < 6; ++c) {
    Eigen::Index arg;
    m.components.col(c).cwiseAbs().maxCoeff(&arg);
    EXPECT_GT(m.components(arg, c), 0.0);
  }
  // The projection's per-component variance equals the eigenvalues.
  const Eigen::MatrixXd Z = m.transform(X);
  for (int c = 0; c < 6; ++c) EXPECT_NEAR(Z.col(c).squaredNorm() / 79.0, expected(c), 1e-9);
}

TEST(Pca, VarianceFractionKeepsTheFewestComponentsAboveIt) {
  Eigen::MatrixXd X = Eigen::MatrixXd::Random(200, 5);
  X.col(0) *= 10.0;
  X.col(1) *= 5.0;
  const PcaModel all = pca_fit(X, PcaOptions().n_components(5));
  const PcaModel m = pca_fit(X, PcaOptions().variance(0.95));
  double cum = 0;
  int expected = 0;
  for (int i = 0; i < 5; ++i) {
    cum += all.explained_variance_ratio(i);
    if (cum > 0.95) {
      expected = i + 1;
      break;
    }
  }
  EXPECT_EQ(m.components.cols(), expected);
  EXPECT_GT(m.explained_variance_ratio.sum(), 0.95);
  // Deterministic.
  EXPECT_TRUE(pca_fit(X).components.isApprox(pca_fit(X).components));
}

TEST(Pca, ConstantAndBadData) {
  const PcaModel m = pca_fit(Eigen::MatrixXd::Constant(10, 4, 2.0));
  EXPECT_EQ(m.components.cols(), 1);
  EXPECT_TRUE(m.transform(Eigen::MatrixXd::Constant(10, 4, 2.0)).allFinite());
  Eigen::MatrixXd X = Eigen::MatrixXd::Random(10, 3);
  X(2, 2) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(pca_fit(X), Error);
  EXPECT_THROW(pca_fit(Eigen::MatrixXd::Random(1, 3)), Error);
  EXPECT_THROW(pca_fit(Eigen::MatrixXd::Random(10, 3), PcaOptions().n_components(4)), Error);
}
