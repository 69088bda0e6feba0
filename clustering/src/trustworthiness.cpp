// Trustworthiness of an embedding, as sklearn.manifold.trustworthiness (Euclidean).
#include "mutagen/clustering/trustworthiness.h"

#include <string>

#include "knn.h"
#include "mutagen/error.h"

namespace mutagen {

double trustworthiness(const Eigen::MatrixXd& X, const Eigen::MatrixXd& embedding,
                       int64_t n_neighbors) {
  knn_detail::check_matrix(X, "trustworthiness (data)");
  knn_detail::check_matrix(embedding, "trustworthiness (embedding)");
  const int64_t n = X.rows(), k = n_neighbors;
  if (embedding.rows() != n)
    throw Error("trustworthiness: the embedding has " + std::to_string(embedding.rows()) +
                " rows for " + std::to_string(n) + " samples; expected the same number");
  if (k < 1 || 2 * k >= n)
    throw Error("trustworthiness: n_neighbors must be >= 1 and < samples / 2 (got " +
                std::to_string(k) + " for " + std::to_string(n) + " samples)");
  const knn_detail::RowMatrixXd E = embedding;
  const knn_detail::NeighborTable emb = knn_detail::nearest_neighbors(E, k + 1, 2);
  const knn_detail::RowMatrixXd Xr = X;
  std::vector<double> penalty(size_t(n), 0.0);
  knn_detail::for_each_distance_block(
      Xr, [&](int64_t r0, int64_t r1, const knn_detail::RowMatrixXd& sq) {
        knn_detail::parallel_for(r1 - r0, 2, [&](int64_t b, int64_t e) {
          for (int64_t r = b; r < e; ++r) {
            const int64_t i = r0 + r;
            const double* s = sq.row(r).data();
            for (int64_t c = 1; c <= k; ++c) {
              const int64_t j = emb.idx(i, c);
              const double dj = s[j];
              // Rank of j among i's neighbours in X (1 = nearest; ties by index, the point
              // excluded).
              int64_t rank = 1;
              for (int64_t l = 0; l < n; ++l)
                if (l != i && l != j && (s[l] < dj || (s[l] == dj && l < j))) ++rank;
              if (rank > k) penalty[i] += double(rank - k);
            }
          }
        });
      });
  double t = 0;
  for (double p : penalty) t += p;
  const double nd = double(n), kd = double(k);
  return 1.0 - t * (2.0 / (nd * kd * (2.0 * nd - 3.0 * kd - 1.0)));
}

}  // namespace mutagen
