#pragma once
// Gaussian mixture fitted by expectation-maximisation, as sklearn's GaussianMixture:
// responsibilities initialised from one KMeans run, reg_covar added to the covariance diagonals,
// stop when the mean log-likelihood improves by less than tol.
#include <torch/arg.h>

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

namespace mutagen {

enum class CovarianceType {
  Full,       // one full covariance matrix per component
  Tied,       // one full covariance matrix shared by all components
  Diag,       // one diagonal covariance per component
  Spherical,  // one variance per component
};

// Arithmetic of the O(samples x features^2) products of full and tied mixtures (whitening by the
// precision Cholesky factor, the weighted covariance sums). Diag and spherical are always double.
enum class GmmPrecision {
  Double,  // everything in double, as sklearn
  // Those products in float32 (about twice the BLAS speed), on data centred in double first;
  // Mahalanobis sums, log-likelihoods, means, Choleskys and tied's X^T X stay double.
  Mixed,
};

// Step names: full | tied | diag | spherical.
const std::vector<std::string>& covariance_names();
std::string to_string(CovarianceType c);
CovarianceType parse_covariance(const std::string& name);  // throws mutagen::Error listing names

struct GmmOptions {
  TORCH_ARG(int64_t, k) = 3;
  TORCH_ARG(CovarianceType, covariance) = CovarianceType::Full;
  TORCH_ARG(int64_t, max_iter) = 100;
  TORCH_ARG(double, tol) = 1e-3;
  TORCH_ARG(double, reg_covar) = 1e-6;
  TORCH_ARG(uint64_t, seed) = 0;
  TORCH_ARG(GmmPrecision, precision) = GmmPrecision::Mixed;
};

struct GmmResult {
  std::vector<int64_t> labels;  // most responsible component per sample
  Eigen::VectorXd weights;      // k
  Eigen::MatrixXd means;        // k x features
  // Full: k matrices; Tied: 1 matrix; Diag: k diagonal matrices; Spherical: k multiples of I.
  std::vector<Eigen::MatrixXd> covariances;
  double lower_bound = 0;  // mean log-likelihood per sample at the last EM step
  int64_t iterations = 0;
  bool converged = false;
};

// Throws mutagen::Error for empty data, NaN/inf, k < 1, k > samples, options out of range, or a
// covariance that is not positive definite even with reg_covar (the message suggests raising it).
GmmResult gaussian_mixture(const Eigen::MatrixXd& X, const GmmOptions& o = {});

}  // namespace mutagen
