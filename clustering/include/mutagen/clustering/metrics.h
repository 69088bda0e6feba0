#pragma once
// Clustering quality metrics (Euclidean), as sklearn.metrics computes them. Samples labelled -1
// (noise) are left out of the internal metrics (silhouette, Calinski-Harabasz, Davies-Bouldin).
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace mutagen {

// Mean silhouette (Rousseeuw 1987): s(i) = (b - a) / max(a, b), a = mean distance to the other
// members of i's cluster, b = smallest mean distance to the members of another cluster (|C_J|
// members; the thesis's eq. 4.4 writes |C_J| - 1, a typo: sklearn and Rousseeuw divide by |C_J|);
// s(i) = 0 for a sample alone in its cluster. Exact, O(n^2 d) in blocked GEMMs.
// Throws mutagen::Error unless 2 <= clusters <= (non-noise samples - 1), for mismatched sizes,
// NaN/inf.
double silhouette_score(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels);
// Per-sample silhouettes (noise samples get NaN).
Eigen::VectorXd silhouette_samples(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels);

// Calinski-Harabasz: [B / (k - 1)] / [W / (n - k)] (between / within dispersion); 1.0 when W = 0
// (as sklearn). Throws mutagen::Error unless 2 <= clusters <= non-noise samples - 1.
double calinski_harabasz_score(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels);

// Davies-Bouldin: mean over clusters of max_j (s_i + s_j) / |c_i - c_j|, s = mean distance to the
// centroid; pairs with coincident centroids are skipped (as sklearn); 0 is best. Same errors.
double davies_bouldin_score(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels);

// Adjusted Rand index (Hubert & Arabie) of two labelings of the same samples; -1 is an ordinary
// label here. 1.0 for identical partitions (also when both have a single cluster). Throws
// mutagen::Error for different lengths or empty input.
double adjusted_rand_index(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

}  // namespace mutagen
