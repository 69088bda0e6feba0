#pragma once
// Internal: the E- and M-steps of gaussian_mixture (gmm.cpp), as sklearn's GaussianMixture computes
// them. Everything lives in one Em object per fit (no shared state: fits may run concurrently).
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "mutagen/clustering/gmm.h"

namespace mutagen::gmm_detail {

class Em {
 public:
  // X must outlive the object.
  Em(const Eigen::MatrixXd& X, const GmmOptions& o);

  // Weights, means and covariances from responsibilities (n x k). Throws when a covariance is not
  // positive definite.
  void m_step(const Eigen::MatrixXd& resp);
  // log(w_c) + log N(x_i | c) into out (n x k).
  void weighted_log_prob(Eigen::MatrixXd& out);

  const Eigen::VectorXd& weights() const { return weights_; }
  const Eigen::MatrixXd& means() const { return means_; }
  std::vector<Eigen::MatrixXd> covariances() const;

 private:
  template <class S>
  Eigen::MatrixXd full_covariance(const Eigen::MatrixXd& resp, double nk, Eigen::Index c);
  void full_m_step(const Eigen::MatrixXd& resp, const Eigen::VectorXd& nk);
  template <class S>
  void full_sq_mahalanobis(Eigen::Index c, Eigen::Ref<Eigen::VectorXd> sq);
  template <class S>
  void tied_sq_mahalanobis(Eigen::MatrixXd& sq);

  const Eigen::MatrixXd& X_;
  const GmmOptions o_;
  const bool mixed_;
  Eigen::VectorXd weights_;
  Eigen::MatrixXd means_;                // k x d
  std::vector<Eigen::MatrixXd> covs_;    // full: k, tied: 1
  std::vector<Eigen::MatrixXd> prec_u_;  // full / tied: upper U with precision = U U^T
  Eigen::MatrixXd diag_;                 // diag / spherical: k x d variances
  Eigen::MatrixXd xtx_;                  // tied: X^T X, the same in every M-step
  Eigen::MatrixXd x2x_;                  // diag / spherical: [X^2 | X], n x 2d, the same throughout
  Eigen::MatrixXf xf_;                   // tied, mixed: X in float
  // Full / tied: whether each covariance's products run in float (mixed and well conditioned).
  std::vector<char> use_float_;
  // Scratch reused across steps (one n x d buffer instead of several temporaries per component).
  Eigen::MatrixXd bd_;
  Eigen::MatrixXf bf_;
};

}  // namespace mutagen::gmm_detail
