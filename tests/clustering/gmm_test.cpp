// Gaussian mixture precisions: the mixed (float32 products) path against the double path, the final
// labels against a naive density from the returned parameters, and thread-count independence.
#include "mutagen/clustering/gmm.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <vector>

#include "mutagen/clustering/metrics.h"
#include "umap_hdbscan_util.h"

namespace {

using namespace mutagen;

const std::vector<CovarianceType> kTypes = {CovarianceType::Full, CovarianceType::Tied,
                                            CovarianceType::Diag, CovarianceType::Spherical};

// k blobs in d dimensions with sd 1, centres `gap` apart along the axes, shifted away from the
// origin (whitening then works on large values) and with unequal feature scales (an
// ill-conditioned covariance, as after PCA).
umap_hdbscan_test::Labelled blobs(int64_t k, int64_t d, int64_t per, double gap, uint64_t seed) {
  Eigen::MatrixXd centers = Eigen::MatrixXd::Constant(k, d, 5.0);
  for (int64_t c = 0; c < k; ++c) centers(c, c % d) += gap * double(c + 1);
  auto data = umap_hdbscan_test::blobs(centers, per, 1.0, seed);
  for (int64_t j = 0; j < d; ++j) data.X.col(j) *= 1.0 / (1.0 + 0.2 * double(j));
  return data;
}

// argmax_c log w_c + log N(x | mu_c, Sigma_c), straight from the definition.
std::vector<int64_t> naive_labels(const Eigen::MatrixXd& X, const GmmResult& r) {
  const int64_t k = r.means.rows();
  std::vector<int64_t> out(X.rows());
  std::vector<Eigen::LLT<Eigen::MatrixXd>> llt;
  for (int64_t c = 0; c < k; ++c)
    llt.emplace_back(r.covariances[r.covariances.size() == 1 ? 0 : c]);
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    double best = -1e300;
    for (int64_t c = 0; c < k; ++c) {
      const Eigen::VectorXd diff = (X.row(i) - r.means.row(c)).transpose();
      const Eigen::MatrixXd L = llt[c].matrixL();
      const double maha = L.triangularView<Eigen::Lower>().solve(diff).squaredNorm();
      const double v = std::log(r.weights(c)) - L.diagonal().array().log().sum() - 0.5 * maha;
      if (v > best) best = v, out[i] = c;
    }
  }
  return out;
}

TEST(GmmPrecision, MixedEqualsDoubleOnSeparatedBlobs) {
  // 1800 x 48: large enough for the BLAS (float) products.
  const auto data = blobs(3, 48, 600, 6.0, 4);
  for (CovarianceType t : kTypes) {
    const GmmOptions o = GmmOptions().k(3).covariance(t).seed(5);
    const GmmResult m = gaussian_mixture(data.X, GmmOptions(o).precision(GmmPrecision::Mixed));
    const GmmResult d = gaussian_mixture(data.X, GmmOptions(o).precision(GmmPrecision::Double));
    EXPECT_EQ(m.labels, d.labels) << to_string(t);
    EXPECT_EQ(m.iterations, d.iterations) << to_string(t);
    EXPECT_NEAR(m.lower_bound, d.lower_bound, 1e-4 * std::abs(d.lower_bound)) << to_string(t);
    EXPECT_LE((m.means - d.means).cwiseAbs().maxCoeff(), 1e-4) << to_string(t);
    EXPECT_DOUBLE_EQ(umap_hdbscan_test::local_ari(m.labels, data.y), 1.0) << to_string(t);
  }
}

TEST(GmmPrecision, MixedAgreesWithDoubleOnOverlappingData) {
  // Blobs only 2 sd apart: many samples near the boundaries, where rounding could flip a label.
  const auto data = blobs(4, 40, 500, 2.0, 9);
  for (CovarianceType t : {CovarianceType::Full, CovarianceType::Tied}) {
    for (int64_t k : {2, 4, 5}) {
      const GmmOptions o = GmmOptions().k(k).covariance(t).seed(1);
      const GmmResult m = gaussian_mixture(data.X, GmmOptions(o).precision(GmmPrecision::Mixed));
      const GmmResult d = gaussian_mixture(data.X, GmmOptions(o).precision(GmmPrecision::Double));
      EXPECT_GE(adjusted_rand_index(m.labels, d.labels), 0.99) << to_string(t) << k;
      EXPECT_NEAR(m.lower_bound, d.lower_bound, 1e-3) << to_string(t) << k;
    }
  }
}

TEST(GmmPrecision, IllConditionedCovariancesFallBackToDouble) {
  // One blob flat along two directions that mix all features (after PCA, pixels constant within a
  // cluster look like this): its covariance is held up there by reg_covar alone, below what float
  // sums of O(1) entries resolve. Mixed must neither throw "not positive definite" nor differ from
  // double.
  auto data = blobs(3, 48, 600, 6.0, 21);
  const Eigen::Index d = data.X.cols();
  Eigen::MatrixXd V(d, 2);
  for (Eigen::Index j = 0; j < d; ++j) V(j, 0) = 1.0, V(j, 1) = j % 2 ? 1.0 : -1.0;
  V /= std::sqrt(double(d));
  for (Eigen::Index i = 0; i < data.X.rows(); ++i)
    if (data.y[i] == 0) data.X.row(i) -= (data.X.row(i) * V) * V.transpose();
  for (CovarianceType t : {CovarianceType::Full, CovarianceType::Tied}) {
    // reg_covar 1e-9: far below float resolution, as in Fashion after standard scaling.
    const GmmOptions o = GmmOptions().k(3).covariance(t).seed(4).reg_covar(1e-9);
    const GmmResult d = gaussian_mixture(data.X, GmmOptions(o).precision(GmmPrecision::Double));
    GmmResult m;
    ASSERT_NO_THROW(m = gaussian_mixture(data.X, GmmOptions(o).precision(GmmPrecision::Mixed)))
        << to_string(t);
    EXPECT_EQ(m.labels, d.labels) << to_string(t);
    EXPECT_EQ(m.iterations, d.iterations) << to_string(t);
    EXPECT_NEAR(m.lower_bound, d.lower_bound, 1e-5 * std::abs(d.lower_bound)) << to_string(t);
  }
}

TEST(GmmPrecision, FinalLabelsFollowTheReturnedParameters) {
  // The labels come from one more E-step on the final parameters (sklearn's fit_predict): they must
  // be the most likely component under the returned weights, means and covariances.
  const auto data = blobs(3, 50, 550, 2.5, 3);
  for (CovarianceType t : kTypes)
    for (GmmPrecision p : {GmmPrecision::Mixed, GmmPrecision::Double}) {
      const GmmResult r =
          gaussian_mixture(data.X, GmmOptions().k(3).covariance(t).seed(2).precision(p));
      const std::vector<int64_t> ref = naive_labels(data.X, r);
      int64_t differ = 0;
      for (size_t i = 0; i < ref.size(); ++i) differ += ref[i] != r.labels[i];
      // Double: exact up to ties; mixed: a float-rounding flip at a boundary at most.
      EXPECT_LE(differ, p == GmmPrecision::Double ? 0 : 2) << to_string(t);
    }
}

TEST(GmmPrecision, LabelsDoNotDependOnTheThreadCount) {
  const auto data = blobs(4, 40, 500, 2.0, 11);
  const int before = at::get_num_threads();
  for (CovarianceType t : kTypes) {
    const GmmOptions o = GmmOptions().k(4).covariance(t).seed(3);
    at::set_num_threads(1);
    const GmmResult one = gaussian_mixture(data.X, o);
    at::set_num_threads(2);
    const GmmResult two = gaussian_mixture(data.X, o);
    EXPECT_EQ(one.labels, two.labels) << to_string(t);
    EXPECT_EQ(one.iterations, two.iterations) << to_string(t);
  }
  at::set_num_threads(before);
}

}  // namespace
