#pragma once
// Feature scaling before reduction (thesis 4.2.2). Every scaler is fitted on the data it
// transforms.
#include <Eigen/Dense>
#include <string>
#include <vector>

namespace mutagen {

enum class Scaling {
  None,           // unchanged
  Scale255,       // x / 255 (bytes to [0, 1])
  Normalisation,  // (x - m) / s with ONE mean m and std s over all features and samples
  Standard,       // per feature: (x - mean_j) / std_j (population std, as sklearn StandardScaler)
  MinMax,         // per feature: (x - min_j) / (max_j - min_j), into [0, 1]
};

// Pipeline-step names: none | scale255 | normalisation | standard | minmax.
const std::vector<std::string>& scaling_names();
std::string to_string(Scaling s);
// Throws mutagen::Error naming `name` and listing the valid names.
Scaling parse_scaling(const std::string& name);

// Scales the rows of X (samples x features). A feature (or, for normalisation, the whole data) with
// zero spread becomes 0 instead of NaN. Throws mutagen::Error for empty data or NaN/inf values.
Eigen::MatrixXd scale_features(const Eigen::MatrixXd& X, Scaling s);

}  // namespace mutagen
