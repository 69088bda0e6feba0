#pragma once
// Internal helpers shared by UMAP, HDBSCAN, DBCV and trustworthiness: input checks, a tiny parallel
// loop, blocked pairwise distances (GEMM) and exact k-nearest-neighbour tables.
#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <vector>

namespace mutagen::knn_detail {

using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Throws mutagen::Error "<what>: ..." when X has no rows or columns or holds NaN/inf.
void check_matrix(const Eigen::MatrixXd& X, const char* what);

// Runs f(begin, end) on `threads` contiguous parts of [0, n) (in the calling thread when threads <=
// 1 or n is small). Exceptions from workers are rethrown in the caller.
void parallel_for(int64_t n, int threads, const std::function<void(int64_t, int64_t)>& f);

// Squared Euclidean distances from rows [r0, r1) of X to every row, one row-major block at a time:
// f(r0, r1, block) with block (r1 - r0) x n. Uses a float GEMM (libtorch's BLAS) for large inputs
// and double Eigen for small ones; values are clamped at 0. Blocks are visited in order.
void for_each_distance_block(const RowMatrixXd& X,
                             const std::function<void(int64_t, int64_t, const RowMatrixXd&)>& f);

// Exact k nearest neighbours (Euclidean) of every row among all rows. Row i of `index`/`distance`
// (row-major, n x k) starts with i itself at distance 0, then the k - 1 nearest other rows in
// increasing distance (ties by lower index). Distances are recomputed in double.
struct NeighborTable {
  int64_t n = 0;
  int64_t k = 0;
  std::vector<int32_t> index;
  std::vector<double> distance;
  int32_t idx(int64_t i, int64_t j) const { return index[i * k + j]; }
  double dist(int64_t i, int64_t j) const { return distance[i * k + j]; }
};
NeighborTable nearest_neighbors(const RowMatrixXd& X, int64_t k, int threads);

inline double squared_distance(const double* a, const double* b, int64_t d) {
  double s = 0;
  for (int64_t c = 0; c < d; ++c) {
    const double t = a[c] - b[c];
    s += t * t;
  }
  return s;
}

}  // namespace mutagen::knn_detail
