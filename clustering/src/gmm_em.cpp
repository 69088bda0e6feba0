#include "gmm_em.h"

#include <Eigen/Cholesky>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "linalg.h"
#include "mutagen/error.h"

namespace mutagen::gmm_detail {

namespace {

using clustering_detail::matmul;
constexpr double kLog2Pi = 1.8378770664093454836;

[[noreturn]] void not_pd(int64_t component, CovarianceType type) {
  throw Error("Gaussian mixture (" + to_string(type) + "): the covariance of component " +
              std::to_string(component) +
              " is not positive definite (collapsed or duplicate samples); raise reg_covar or use "
              "fewer components");
}

// Upper U = L^{-T} with precision = U U^T from the Cholesky factor L of cov; false when cov is not
// numerically positive definite.
bool try_precision_upper(const Eigen::MatrixXd& cov, Eigen::MatrixXd& U) {
  Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() != Eigen::Success) return false;
  const Eigen::MatrixXd L = llt.matrixL();
  if (!(L.diagonal().minCoeff() > 0.0)) return false;
  Eigen::MatrixXd Linv =
      L.triangularView<Eigen::Lower>().solve(Eigen::MatrixXd::Identity(cov.rows(), cov.cols()));
  U = Linv.transpose();
  return true;
}

Eigen::MatrixXd precision_upper(const Eigen::MatrixXd& cov, int64_t component, CovarianceType t) {
  Eigen::MatrixXd U;
  if (!try_precision_upper(cov, U)) not_pd(component, t);
  return U;
}

// Float32 products serve a covariance only while trace(cov) trace(cov^-1) (an upper bound of its
// condition number) stays below this. A float covariance entry is rounded to ~1e-7 of its scale:
// far beyond 1e8 (standard-scaled pixels constant within a cluster, held up by reg_covar 1e-6
// alone) it may not even be positive definite, and whitened distances lose their digits. Fashion
// PCA95 after /255 stays below 1e7; standard scaling reaches 1e12 on some components.
constexpr double kMaxFloatCondition = 1e8;

bool float_conditioned(const Eigen::MatrixXd& cov, const Eigen::MatrixXd& U) {
  return cov.trace() * U.squaredNorm() <= kMaxFloatCondition;  // U is exactly upper
}

template <class S>
Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>& scratch(Eigen::MatrixXd& bd,
                                                          Eigen::MatrixXf& bf) {
  if constexpr (std::is_same_v<S, float>)
    return bf;
  else
    return bd;
}

// sq += the squared rows of B, summed in double whatever B's type (float sums over 100s of
// features would cost the log-likelihood digits that the tol test looks at).
template <class S>
void add_row_norms(const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>& B,
                   Eigen::Ref<Eigen::VectorXd> sq) {
  for (Eigen::Index j = 0; j < B.cols(); ++j)
    sq.array() += B.col(j).template cast<double>().array().square();
}

}  // namespace

Em::Em(const Eigen::MatrixXd& X, const GmmOptions& o)
    : X_(X),
      o_(o),
      mixed_(o.precision() == GmmPrecision::Mixed &&
             (o.covariance() == CovarianceType::Full || o.covariance() == CovarianceType::Tied)) {
  const CovarianceType t = o.covariance();
  if (t == CovarianceType::Tied) {
    xtx_ = clustering_detail::gram(X);
    if (mixed_) xf_ = X.cast<float>();
  }
  if (t == CovarianceType::Diag || t == CovarianceType::Spherical) {
    x2x_.resize(X.rows(), 2 * X.cols());
    x2x_.leftCols(X.cols()) = X.array().square();
    x2x_.rightCols(X.cols()) = X;
  }
}

std::vector<Eigen::MatrixXd> Em::covariances() const {
  if (!covs_.empty()) return covs_;
  std::vector<Eigen::MatrixXd> out;
  for (Eigen::Index c = 0; c < diag_.rows(); ++c) out.push_back(diag_.row(c).asDiagonal());
  return out;
}

template <class S>
Eigen::MatrixXd Em::full_covariance(const Eigen::MatrixXd& resp, double nk, Eigen::Index c) {
  const Eigen::Index n = X_.rows(), d = X_.cols();
  auto& W = scratch<S>(bd_, bf_);
  W.resize(n, d);
  // sqrt(r_i) (x_i - mu_c) in one pass: the covariance is then W^T W / n_c (sklearn's
  // (r * diff^T) diff) as a syrk.
  const Eigen::ArrayXd sqrt_r = resp.col(c).array().sqrt();
  for (Eigen::Index j = 0; j < d; ++j)
    W.col(j) = ((X_.col(j).array() - means_(c, j)) * sqrt_r).template cast<S>();
  Eigen::MatrixXd cov = clustering_detail::gram(W) / nk;
  cov.diagonal().array() += o_.reg_covar();
  return cov;
}

void Em::full_m_step(const Eigen::MatrixXd& resp, const Eigen::VectorXd& nk) {
  for (Eigen::Index c = 0; c < resp.cols(); ++c) {
    Eigen::MatrixXd cov, U;
    bool use_float = mixed_;
    if (use_float) {
      cov = full_covariance<float>(resp, nk(c), c);
      use_float = try_precision_upper(cov, U) && float_conditioned(cov, U);
    }
    if (!use_float) {  // double, or mixed on a covariance too ill-conditioned for float sums
      cov = full_covariance<double>(resp, nk(c), c);
      U = precision_upper(cov, c, o_.covariance());
    }
    use_float_.push_back(use_float);
    prec_u_.push_back(std::move(U));
    covs_.push_back(std::move(cov));
  }
}

void Em::m_step(const Eigen::MatrixXd& resp) {
  const Eigen::Index k = resp.cols(), d = X_.cols();
  const double eps = std::numeric_limits<double>::epsilon();
  const Eigen::VectorXd nk = (resp.colwise().sum().array() + 10.0 * eps).transpose();
  weights_ = nk / nk.sum();
  const CovarianceType t = o_.covariance();
  covs_.clear();
  prec_u_.clear();
  use_float_.clear();
  if (t == CovarianceType::Diag || t == CovarianceType::Spherical) {
    // resp^T [X^2 | X] / n_k: E[x^2] and the means in one product.
    const Eigen::MatrixXd avg = matmul(resp, true, x2x_, false).array().colwise() / nk.array();
    means_ = avg.rightCols(d);
    const Eigen::MatrixXd avg_means2 = means_.array().square();
    diag_ = (avg.leftCols(d) - 2.0 * avg_means2 + avg_means2).array() + o_.reg_covar();
    if (t == CovarianceType::Spherical) {
      const Eigen::VectorXd var = diag_.rowwise().mean();
      for (Eigen::Index c = 0; c < k; ++c) diag_.row(c).setConstant(var(c));
    }
    for (Eigen::Index c = 0; c < k; ++c)
      if (diag_.row(c).minCoeff() <= 0.0) not_pd(c, t);
    return;
  }
  means_ = matmul(resp, true, X_, false).array().colwise() / nk.array();  // k x d
  if (t == CovarianceType::Full) {
    full_m_step(resp, nk);
    return;
  }
  // Tied: (X^T X - sum_c n_c mu_c mu_c^T) / n, as sklearn.
  Eigen::MatrixXd cov = xtx_;
  const Eigen::MatrixXd wm = means_.array().colwise() * nk.array();
  cov -= matmul(wm, true, means_, false);
  cov /= nk.sum();
  cov = 0.5 * (cov + cov.transpose());
  cov.diagonal().array() += o_.reg_covar();
  prec_u_.push_back(precision_upper(cov, 0, t));
  use_float_.push_back(mixed_ && float_conditioned(cov, prec_u_[0]));
  covs_.push_back(std::move(cov));
}

template <class S>
void Em::full_sq_mahalanobis(Eigen::Index c, Eigen::Ref<Eigen::VectorXd> sq) {
  const Eigen::Index n = X_.rows(), d = X_.cols();
  auto& B = scratch<S>(bd_, bf_);
  B.resize(n, d);
  // (x - mu) U rather than sklearn's x U - mu U: the same in exact arithmetic, and centring in
  // double before the (possibly float) product avoids cancelling two large whitened vectors.
  for (Eigen::Index j = 0; j < d; ++j)
    B.col(j) = (X_.col(j).array() - means_(c, j)).template cast<S>();
  clustering_detail::times_upper_in_place(B, prec_u_[c].template cast<S>().eval());
  sq.setZero();
  add_row_norms(B, sq);
}

template <class S>
void Em::tied_sq_mahalanobis(Eigen::MatrixXd& sq) {
  const Eigen::Index d = X_.cols();
  auto& B = scratch<S>(bd_, bf_);
  if constexpr (std::is_same_v<S, float>)
    B = xf_;
  else
    B = X_;
  // One product for all components (x U - mu_c U, as sklearn): the covariance is shared.
  clustering_detail::times_upper_in_place(B, prec_u_[0].template cast<S>().eval());
  const Eigen::MatrixXd MU = means_ * prec_u_[0].triangularView<Eigen::Upper>();
  sq.setZero();
  for (Eigen::Index c = 0; c < means_.rows(); ++c)
    for (Eigen::Index j = 0; j < d; ++j)
      sq.col(c).array() += (B.col(j).template cast<double>().array() - MU(c, j)).square();
}

void Em::weighted_log_prob(Eigen::MatrixXd& out) {
  const Eigen::Index n = X_.rows(), d = X_.cols(), k = means_.rows();
  const CovarianceType t = o_.covariance();
  out.resize(n, k);
  Eigen::VectorXd log_det(k);  // log det of each precision Cholesky factor
  if (t == CovarianceType::Full || t == CovarianceType::Tied) {
    for (Eigen::Index c = 0; c < k; ++c)
      log_det(c) = prec_u_[t == CovarianceType::Full ? c : 0].diagonal().array().log().sum();
    for (Eigen::Index c = 0; t == CovarianceType::Full && c < k; ++c) {
      if (use_float_[c])
        full_sq_mahalanobis<float>(c, out.col(c));
      else
        full_sq_mahalanobis<double>(c, out.col(c));
    }
    if (t == CovarianceType::Tied && use_float_[0]) tied_sq_mahalanobis<float>(out);
    if (t == CovarianceType::Tied && !use_float_[0]) tied_sq_mahalanobis<double>(out);
  } else {
    // sklearn's expansion: sum_j (x_j - m_j)^2 p_j = [x^2 | x] . [p | -2 m p] + sum_j m_j^2 p_j,
    // one n x 2d x k product instead of k passes over the data.
    const Eigen::MatrixXd prec = diag_.cwiseInverse();  // k x d
    Eigen::MatrixXd Q(k, 2 * d);
    Q.leftCols(d) = prec;
    Q.rightCols(d) = -2.0 * means_.cwiseProduct(prec);
    out = matmul(x2x_, false, Q, true);
    const Eigen::RowVectorXd m2p =
        means_.cwiseAbs2().cwiseProduct(prec).rowwise().sum().transpose();
    out.rowwise() += m2p;
    log_det = -0.5 * diag_.array().log().rowwise().sum();
  }
  for (Eigen::Index c = 0; c < k; ++c)
    out.col(c) = (-0.5 * (static_cast<double>(d) * kLog2Pi + out.col(c).array()) + log_det(c) +
                  std::log(weights_(c)))
                     .matrix();
}

}  // namespace mutagen::gmm_detail
