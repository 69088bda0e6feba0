#pragma once
// Trustworthiness of an embedding (Venna & Kaski 2001), as sklearn.manifold.trustworthiness.
#include <Eigen/Dense>
#include <cstdint>

namespace mutagen {

// 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in N_k^emb(i)} max(0, r(i, j) - k), where r(i, j) is
// the rank of j among i's neighbours in X (1 = nearest, the point itself excluded) and N_k^emb(i)
// are i's k nearest neighbours in the embedding. Euclidean in both spaces. 1.0 = every embedded
// neighbourhood is a true one. Throws mutagen::Error for row-count mismatch, NaN/inf, n_neighbors <
// 1 or n_neighbors >= n / 2 (as sklearn).
double trustworthiness(const Eigen::MatrixXd& X, const Eigen::MatrixXd& embedding,
                       int64_t n_neighbors = 5);

}  // namespace mutagen
