#pragma once
// Internal: a Dataset's images as bytes (0..255, as the thesis clusters them), per class, in Eigen.
// Uses only the Dataset's tensors (not its member functions).
#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "mutagen/dataset.h"

namespace mutagen::clustering_detail {

// Checks images [N, ...] and labels [N] are defined and agree; returns N (> 0).
int64_t check_dataset(const Dataset& data, const std::string& what);
// Checks `classes` is non-empty, without repeats, each with samples in `data`.
void check_classes(const Dataset& data, const std::vector<int64_t>& classes,
                   const std::string& what);
// Positions of the samples labelled `cls`, increasing.
std::vector<int64_t> class_positions(const Dataset& data, int64_t cls);
// Rows `positions` of the flattened images, as round(value * 255): positions.size() x features.
Eigen::MatrixXd image_bytes(const Dataset& data, const std::vector<int64_t>& positions);
// Mean byte value of every feature over all samples of `data` (the thesis's eq. 4.1).
Eigen::RowVectorXd feature_means(const Dataset& data);

}  // namespace mutagen::clustering_detail
