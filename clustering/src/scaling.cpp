#include "mutagen/clustering/scaling.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "linalg.h"
#include "mutagen/error.h"

namespace mutagen {

const std::vector<std::string>& scaling_names() {
  static const std::vector<std::string> names = {"none", "scale255", "normalisation", "standard",
                                                 "minmax"};
  return names;
}

std::string to_string(Scaling s) { return scaling_names().at(static_cast<size_t>(s)); }

Scaling parse_scaling(const std::string& name) {
  const auto& names = scaling_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<Scaling>(i);
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : " | ") + n;
  throw Error("scaling '" + name + "' is not known; expected one of: " + list);
}

Eigen::MatrixXd scale_features(const Eigen::MatrixXd& X, Scaling s) {
  clustering_detail::check_finite(X, "scaling " + to_string(s));
  const double n = static_cast<double>(X.rows());
  switch (s) {
    case Scaling::None:
      return X;
    case Scaling::Scale255:
      return X / 255.0;
    case Scaling::Normalisation: {
      const double mean = X.mean();
      const double var = (X.array() - mean).square().sum() / (n * static_cast<double>(X.cols()));
      const double sd = std::sqrt(var);
      Eigen::MatrixXd out = X.array() - mean;
      if (sd > 0.0) out /= sd;
      return out;
    }
    case Scaling::Standard: {
      const Eigen::RowVectorXd mean = X.colwise().mean();
      Eigen::MatrixXd out = X.rowwise() - mean;
      const Eigen::RowVectorXd sd = (out.colwise().squaredNorm() / n).cwiseSqrt();
      for (Eigen::Index j = 0; j < X.cols(); ++j) {
        // sklearn treats a spread below ~10 eps * |mean| as constant, too.
        if (sd(j) >
            10.0 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(mean(j))))
          out.col(j) /= sd(j);
        else
          out.col(j).setZero();
      }
      return out;
    }
    case Scaling::MinMax: {
      const Eigen::RowVectorXd lo = X.colwise().minCoeff(), hi = X.colwise().maxCoeff();
      Eigen::MatrixXd out = X.rowwise() - lo;
      for (Eigen::Index j = 0; j < X.cols(); ++j) {
        const double range = hi(j) - lo(j);
        if (range > 0.0)
          out.col(j) /= range;
        else
          out.col(j).setZero();
      }
      return out;
    }
  }
  throw Error("scaling: unknown scaling (internal error)");
}

}  // namespace mutagen
