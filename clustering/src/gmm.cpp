#include "mutagen/clustering/gmm.h"

#include <Eigen/Cholesky>
#include <cmath>
#include <limits>

#include "linalg.h"
#include "mutagen/clustering/kmeans.h"
#include "mutagen/error.h"

namespace mutagen {

const std::vector<std::string>& covariance_names() {
  static const std::vector<std::string> names = {"full", "tied", "diag", "spherical"};
  return names;
}

std::string to_string(CovarianceType c) { return covariance_names().at(static_cast<size_t>(c)); }

CovarianceType parse_covariance(const std::string& name) {
  const auto& names = covariance_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<CovarianceType>(i);
  throw Error("covariance type '" + name +
              "' is not known; expected one of: full | tied | diag | spherical");
}

namespace {

using clustering_detail::matmul;
constexpr double kLog2Pi = 1.8378770664093454836;

struct Params {
  Eigen::VectorXd weights;
  Eigen::MatrixXd means;                // k x d
  std::vector<Eigen::MatrixXd> covs;    // full / tied
  Eigen::MatrixXd diag;                 // k x d variances (diag, spherical: all columns equal)
  std::vector<Eigen::MatrixXd> prec_u;  // full / tied: upper U with precision = U U^T
  Eigen::MatrixXd xtx;                  // tied: X^T X, the same in every M-step
};

[[noreturn]] void not_pd(int64_t component, CovarianceType type) {
  throw Error("Gaussian mixture (" + to_string(type) + "): the covariance of component " +
              std::to_string(component) +
              " is not positive definite (collapsed or duplicate samples); raise reg_covar or use "
              "fewer components");
}

Eigen::MatrixXd precision_upper(const Eigen::MatrixXd& cov, int64_t component, CovarianceType t) {
  Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() != Eigen::Success) not_pd(component, t);
  const Eigen::MatrixXd L = llt.matrixL();
  if (L.diagonal().minCoeff() <= 0.0) not_pd(component, t);
  // U = L^{-T}: (L^{-1})^T.
  Eigen::MatrixXd Linv =
      L.triangularView<Eigen::Lower>().solve(Eigen::MatrixXd::Identity(cov.rows(), cov.cols()));
  return Linv.transpose();
}

void m_step(const Eigen::MatrixXd& X, const Eigen::MatrixXd& resp, const GmmOptions& o, Params& p) {
  const int64_t n = X.rows(), d = X.cols(), k = resp.cols();
  const double eps = std::numeric_limits<double>::epsilon();
  const Eigen::VectorXd nk = (resp.colwise().sum().array() + 10.0 * eps).transpose();
  p.weights = nk / nk.sum();
  const Eigen::MatrixXd RX = matmul(resp, true, X, false);  // k x d
  p.means = RX.array().colwise() / nk.array();
  const CovarianceType t = o.covariance();
  p.covs.clear();
  p.prec_u.clear();
  if (t == CovarianceType::Full) {
    for (int64_t c = 0; c < k; ++c) {
      Eigen::MatrixXd W = X.rowwise() - p.means.row(c);
      W.array().colwise() *= resp.col(c).array().sqrt();
      Eigen::MatrixXd cov = clustering_detail::gram(W) / nk(c);
      cov.diagonal().array() += o.reg_covar();
      p.prec_u.push_back(precision_upper(cov, c, t));
      p.covs.push_back(std::move(cov));
    }
  } else if (t == CovarianceType::Tied) {
    if (p.xtx.size() == 0) p.xtx = clustering_detail::gram(X);
    Eigen::MatrixXd cov = p.xtx;
    const Eigen::MatrixXd wm = p.means.array().colwise() * nk.array();
    cov -= matmul(wm, true, p.means, false);
    cov /= nk.sum();
    cov = 0.5 * (cov + cov.transpose());
    cov.diagonal().array() += o.reg_covar();
    p.prec_u.push_back(precision_upper(cov, 0, t));
    p.covs.push_back(std::move(cov));
  } else {
    const Eigen::MatrixXd X2 = X.array().square();
    const Eigen::MatrixXd avg_x2 = matmul(resp, true, X2, false).array().colwise() / nk.array();
    const Eigen::MatrixXd avg_means2 = p.means.array().square();
    const Eigen::MatrixXd avg_x_means = p.means.array() * (RX.array().colwise() / nk.array());
    p.diag = (avg_x2 - 2.0 * avg_x_means + avg_means2).array() + o.reg_covar();
    if (t == CovarianceType::Spherical) {
      const Eigen::VectorXd var = p.diag.rowwise().mean();
      for (int64_t c = 0; c < k; ++c) p.diag.row(c).setConstant(var(c));
    }
    for (int64_t c = 0; c < k; ++c)
      if (p.diag.row(c).minCoeff() <= 0.0) not_pd(c, t);
  }
  (void)n;
  (void)d;
}

// Weighted log probabilities log(w_c) + log N(x | c): n x k.
Eigen::MatrixXd weighted_log_prob(const Eigen::MatrixXd& X, const Params& p, CovarianceType t) {
  const int64_t n = X.rows(), d = X.cols(), k = p.means.rows();
  Eigen::MatrixXd out(n, k);
  Eigen::MatrixXd XU;  // tied: X U once for all components
  if (t == CovarianceType::Tied) XU = clustering_detail::times_upper(X, p.prec_u[0]);
  for (int64_t c = 0; c < k; ++c) {
    double log_det = 0.0;  // log det of the precision Cholesky factor
    Eigen::VectorXd sq;
    if (t == CovarianceType::Full || t == CovarianceType::Tied) {
      const Eigen::MatrixXd& U = p.prec_u[t == CovarianceType::Full ? c : 0];
      log_det = U.diagonal().array().log().sum();
      const Eigen::RowVectorXd mu = p.means.row(c) * U;
      if (t == CovarianceType::Tied) {
        sq = (XU.rowwise() - mu).rowwise().squaredNorm();
      } else {
        Eigen::MatrixXd Y = clustering_detail::times_upper(X, U);
        Y.rowwise() -= mu;
        sq = Y.rowwise().squaredNorm();
      }
    } else {
      const Eigen::RowVectorXd prec = p.diag.row(c).cwiseInverse();
      log_det = -0.5 * p.diag.row(c).array().log().sum();
      sq = ((X.rowwise() - p.means.row(c)).array().square().rowwise() * prec.array())
               .rowwise()
               .sum();
    }
    out.col(c) =
        (-0.5 * (static_cast<double>(d) * kLog2Pi + sq.array()) + log_det + std::log(p.weights(c)))
            .matrix();
  }
  return out;
}

// Turns weighted log probabilities into responsibilities (in place); returns the mean
// log-likelihood.
double e_step(Eigen::MatrixXd& wlp) {
  double total = 0.0;
  for (Eigen::Index i = 0; i < wlp.rows(); ++i) {
    const double m = wlp.row(i).maxCoeff();
    const double lse = m + std::log((wlp.row(i).array() - m).exp().sum());
    total += lse;
    wlp.row(i) = (wlp.row(i).array() - lse).exp();
  }
  return total / static_cast<double>(wlp.rows());
}

}  // namespace

GmmResult gaussian_mixture(const Eigen::MatrixXd& X, const GmmOptions& o) {
  clustering_detail::check_finite(X, "Gaussian mixture");
  const int64_t n = X.rows(), k = o.k();
  if (k < 1 || k > n)
    throw Error("Gaussian mixture: k = " + std::to_string(k) + " components for " +
                std::to_string(n) + " samples; expected 1 <= k <= samples");
  if (o.max_iter() < 1)
    throw Error("Gaussian mixture: max_iter must be >= 1, got " + std::to_string(o.max_iter()));
  if (!(o.reg_covar() >= 0.0)) throw Error("Gaussian mixture: reg_covar must be >= 0");
  if (!(o.tol() >= 0.0)) throw Error("Gaussian mixture: tol must be >= 0");

  const std::vector<int64_t> init = kmeans(X, KMeansOptions().k(k).n_init(1).seed(o.seed())).labels;
  Eigen::MatrixXd resp = Eigen::MatrixXd::Zero(n, k);
  for (int64_t i = 0; i < n; ++i) resp(i, init[i]) = 1.0;
  Params p;
  m_step(X, resp, o, p);

  GmmResult r;
  double lower = -std::numeric_limits<double>::infinity();
  for (int64_t it = 1; it <= o.max_iter(); ++it) {
    const double previous = lower;
    resp = weighted_log_prob(X, p, o.covariance());
    lower = e_step(resp);
    m_step(X, resp, o, p);
    r.iterations = it;
    if (std::abs(lower - previous) < o.tol()) {
      r.converged = true;
      break;
    }
  }
  Eigen::MatrixXd final_resp = weighted_log_prob(X, p, o.covariance());
  r.labels.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    Eigen::Index arg = 0;
    final_resp.row(i).maxCoeff(&arg);
    r.labels[i] = arg;
  }
  r.lower_bound = lower;
  r.weights = p.weights;
  r.means = p.means;
  if (o.covariance() == CovarianceType::Full || o.covariance() == CovarianceType::Tied) {
    r.covariances = p.covs;
  } else {
    for (int64_t c = 0; c < k; ++c) r.covariances.push_back(p.diag.row(c).asDiagonal());
  }
  return r;
}

}  // namespace mutagen
