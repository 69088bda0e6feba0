#pragma once
// HDBSCAN* (Campello, Moulavi & Sander 2013) with excess-of-mass cluster selection, as the Python
// hdbscan library (and sklearn's port of it) computes it, Euclidean distance. The core distance
// counts as R's dbscan::hdbscan(minPts) does. Condensed tree: a branch smaller than
// min_cluster_size leaves its parent cluster as a whole at the split (the library, Campello et
// al.); R keeps it until its points separate one by one, so R can select more, smaller clusters in
// rare cases (see tests/clustering/hdbscan_test.cpp). Prim on the dense mutual-reachability graph:
// O(n^2) time.
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace mutagen {

// Clusters the rows of X. min_samples = -1 means min_cluster_size (R's minPts). The core distance
// of a point is the distance to its min_samples-th nearest neighbour counting the point itself (R:
// kNNdist(x, minPts - 1)); clusters smaller than min_cluster_size are not formed. Returns one label
// per row: 0..k-1 for clusters (numbered in order of their node in the condensed tree), -1 for
// noise; the root is never selected, so data without structure is all noise. Throws mutagen::Error
// for empty input, NaN/inf, min_cluster_size < 2 or > n, or min_samples < 1 or > n.
std::vector<int64_t> hdbscan(const Eigen::MatrixXd& X, int64_t min_cluster_size,
                             int64_t min_samples = -1);

}  // namespace mutagen
