#include "mutagen/clustering/gmm.h"

#include <cmath>
#include <limits>

#include "gmm_em.h"
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
  gmm_detail::Em em(X, o);
  em.m_step(resp);

  GmmResult r;
  double lower = -std::numeric_limits<double>::infinity();
  for (int64_t it = 1; it <= o.max_iter(); ++it) {
    const double previous = lower;
    em.weighted_log_prob(resp);
    lower = e_step(resp);
    em.m_step(resp);
    r.iterations = it;
    if (std::abs(lower - previous) < o.tol()) {
      r.converged = true;
      break;
    }
  }
  // A last E-step with the final parameters, as sklearn's fit_predict, so the labels agree with
  // predict() on the returned model.
  em.weighted_log_prob(resp);
  r.labels.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    Eigen::Index arg = 0;
    resp.row(i).maxCoeff(&arg);
    r.labels[i] = arg;
  }
  r.lower_bound = lower;
  r.weights = em.weights();
  r.means = em.means();
  r.covariances = em.covariances();
  return r;
}

}  // namespace mutagen
