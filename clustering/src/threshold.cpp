#include "mutagen/clustering/threshold.h"

#include <string>

#include "linalg.h"
#include "mutagen/error.h"

namespace mutagen {

std::vector<int64_t> active_features(const Eigen::MatrixXd& X, double fraction) {
  clustering_detail::check_finite(X, "threshold");
  return active_features_from_means(X.colwise().mean(), fraction);
}

std::vector<int64_t> active_features_from_means(const Eigen::RowVectorXd& mean, double fraction) {
  if (mean.size() == 0 || !mean.allFinite())
    throw Error("threshold: feature means are empty or not finite");
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw Error("threshold: fraction " + std::to_string(fraction) +
                " out of range; expected [0, 1)");
  if (mean.minCoeff() < 0.0)
    throw Error(
        "threshold: feature activity must be >= 0 (pixel intensities); a feature has mean " +
        std::to_string(mean.minCoeff()));
  const double top = mean.maxCoeff();
  if (top <= 0.0) throw Error("threshold: every feature is 0 over the data; nothing would be kept");
  const double cut = fraction * top;
  std::vector<int64_t> keep;
  for (Eigen::Index j = 0; j < mean.size(); ++j)
    if (mean(j) >= cut) keep.push_back(j);
  return keep;
}

Eigen::MatrixXd select_features(const Eigen::MatrixXd& X, const std::vector<int64_t>& features) {
  Eigen::MatrixXd out(X.rows(), static_cast<Eigen::Index>(features.size()));
  for (size_t c = 0; c < features.size(); ++c) {
    if (features[c] < 0 || features[c] >= X.cols())
      throw Error("select_features: feature " + std::to_string(features[c]) +
                  " out of range; the data has " + std::to_string(X.cols()) + " features");
    out.col(static_cast<Eigen::Index>(c)) = X.col(features[c]);
  }
  return out;
}

}  // namespace mutagen
