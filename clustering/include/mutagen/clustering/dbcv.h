#pragma once
// Density-Based Clustering Validation (Moulavi, Jaskowiak, Campello, Zimek & Sander, SDM 2014), as
// the Python hdbscan library's validity_index(X, labels) computes it (Euclidean, d = number of
// features).
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace mutagen {

// DBCV of `labels` (one per row of X; -1 = noise, clusters >= 0) in [-1, 1], higher is better.
// Per cluster: all-points core distances (d = X.cols()), the MST of the mutual-reachability graph
// inside the cluster, density sparseness = largest internal MST edge (edges between vertices of
// degree > 1; all edges when there are none), density separation = smallest mutual reachability
// between the internal vertices of two clusters. Score = sum over clusters of |C| / n * (sep -
// sparse) / max(sep, sparse), where n counts noise points too (so noise lowers the score, as in
// hdbscan). As hdbscan, each MST vertex hangs from the lowest-index earlier vertex at an equal
// (np.isclose) mutual reachability, which decides between tied MSTs. O(sum |C|^2 d) time, no n x n
// matrix. Differences from hdbscan: the core distance is computed relative to the nearest distance
// (no overflow for many features), clusters of one or two points use all their points as internal
// vertices (hdbscan fails there). Throws mutagen::Error for a size mismatch, NaN/inf, labels < -1,
// or fewer than two clusters.
double dbcv(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels);

}  // namespace mutagen
