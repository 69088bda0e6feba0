// Blocked pairwise distances and exact k-nearest-neighbour tables (see knn.h).
#include "knn.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <string>
#include <thread>

#define NANOFLANN_FIRST_MATCH 1  // ties go to the lower index: results do not depend on the tree
#include <torch/torch.h>

#include <nanoflann.hpp>

#include "mutagen/error.h"

namespace mutagen::knn_detail {

void check_matrix(const Eigen::MatrixXd& X, const char* what) {
  if (X.rows() == 0 || X.cols() == 0)
    throw Error(std::string(what) + ": empty input (" + std::to_string(X.rows()) + " x " +
                std::to_string(X.cols()) + "); expected at least one sample and one feature");
  if (!X.allFinite())
    throw Error(std::string(what) +
                ": input holds NaN or infinite values; expected finite numbers");
}

void parallel_for(int64_t n, int threads, const std::function<void(int64_t, int64_t)>& f) {
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(threads, n / 64));
  if (parts <= 1) {
    f(0, n);
    return;
  }
  std::vector<std::thread> pool;
  std::exception_ptr error;
  std::mutex mutex;
  for (int64_t p = 0; p < parts; ++p) {
    const int64_t b = n * p / parts, e = n * (p + 1) / parts;
    pool.emplace_back([&, b, e] {
      try {
        f(b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
      }
    });
  }
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

void for_each_distance_block(const RowMatrixXd& X,
                             const std::function<void(int64_t, int64_t, const RowMatrixXd&)>& f) {
  const int64_t n = X.rows(), d = X.cols();
  const Eigen::VectorXd norms = X.rowwise().squaredNorm();
  const int64_t block = std::max<int64_t>(16, std::min<int64_t>(1024, (int64_t(1) << 21) / n));
  RowMatrixXd sq;
  // Small problems: double precision with Eigen. Large ones: float GEMM through libtorch's BLAS,
  // which is much faster than Eigen without -mavx (the distances only rank neighbours).
  const bool use_float = double(n) * double(n) * double(d) > 2e8;
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Xf;
  torch::Tensor xt;
  if (use_float) {
    Xf = X.cast<float>();
    xt = torch::from_blob(Xf.data(), {n, d}, torch::kFloat);
  }
  for (int64_t r0 = 0; r0 < n; r0 += block) {
    const int64_t r1 = std::min(n, r0 + block), m = r1 - r0;
    if (use_float) {
      torch::NoGradGuard guard;
      const torch::Tensor g = torch::mm(xt.narrow(0, r0, m), xt.t()).contiguous();
      const float* gp = g.data_ptr<float>();
      sq = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
               gp, m, n)
               .cast<double>();
    } else {
      sq.noalias() = X.middleRows(r0, m) * X.transpose();
    }
    for (int64_t i = 0; i < m; ++i) {
      double* row = sq.row(i).data();
      const double ni = norms[r0 + i];
      for (int64_t j = 0; j < n; ++j) row[j] = std::max(0.0, ni + norms[j] - 2.0 * row[j]);
      row[r0 + i] = 0.0;
    }
    f(r0, r1, sq);
  }
}

namespace {

struct RowAdaptor {
  const RowMatrixXd& X;
  size_t kdtree_get_point_count() const { return size_t(X.rows()); }
  double kdtree_get_pt(size_t i, size_t c) const { return X(Eigen::Index(i), Eigen::Index(c)); }
  template <class Box>
  bool kdtree_get_bbox(Box&) const {
    return false;
  }
};

using KdTree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<double, RowAdaptor>,
                                                   RowAdaptor, -1, uint32_t>;

// Fills row i of the table from candidate (squared distance, index) pairs, self excluded, sorted.
void fill_row(NeighborTable& t, int64_t i, std::vector<std::pair<double, int32_t>>& cand) {
  std::sort(cand.begin(), cand.end());
  t.index[i * t.k] = int32_t(i);
  t.distance[i * t.k] = 0.0;
  for (int64_t j = 1; j < t.k; ++j) {
    t.index[i * t.k + j] = cand[j - 1].second;
    t.distance[i * t.k + j] = std::sqrt(cand[j - 1].first);
  }
}

void knn_kdtree(const RowMatrixXd& X, NeighborTable& t, int threads) {
  RowAdaptor adaptor{X};
  KdTree tree(int(X.cols()), adaptor, nanoflann::KDTreeSingleIndexAdaptorParams(16));
  const int64_t want = std::min<int64_t>(t.n, t.k + 1);
  parallel_for(t.n, threads, [&](int64_t b, int64_t e) {
    std::vector<uint32_t> idx(want);
    std::vector<double> dist(want);
    std::vector<std::pair<double, int32_t>> cand;
    for (int64_t i = b; i < e; ++i) {
      const size_t got = tree.knnSearch(X.row(i).data(), size_t(want), idx.data(), dist.data());
      cand.clear();
      for (size_t j = 0; j < got; ++j)
        if (int64_t(idx[j]) != i) cand.emplace_back(dist[j], int32_t(idx[j]));
      fill_row(t, i, cand);
    }
  });
}

// The m smallest (value, index) pairs of row s (index i excluded), via a bounded max-heap: one
// comparison for most entries. Ties go to the lower index.
template <class T>
void smallest(const T* s, int64_t n, int64_t i, int64_t m,
              std::vector<std::pair<T, int32_t>>& heap) {
  heap.clear();
  for (int64_t j = 0; j < n; ++j) {
    if (j == i) continue;
    const std::pair<T, int32_t> c{s[j], int32_t(j)};
    if (int64_t(heap.size()) < m) {
      heap.push_back(c);
      std::push_heap(heap.begin(), heap.end());
    } else if (c < heap.front()) {
      std::pop_heap(heap.begin(), heap.end());
      heap.back() = c;
      std::push_heap(heap.begin(), heap.end());
    }
  }
}

template <class T>
void select_block(const RowMatrixXd& X, NeighborTable& t, int64_t r0, const T* block, int64_t rows,
                  int64_t m, int threads) {
  const int64_t n = t.n, d = X.cols();
  parallel_for(rows, threads, [&](int64_t b, int64_t e) {
    std::vector<std::pair<T, int32_t>> heap;
    std::vector<std::pair<double, int32_t>> cand;
    for (int64_t r = b; r < e; ++r) {
      const int64_t i = r0 + r;
      smallest(block + r * n, n, i, m, heap);
      cand.clear();
      for (const auto& h : heap)  // exact distances for the final ranking
        cand.emplace_back(squared_distance(X.row(i).data(), X.row(h.second).data(), d), h.second);
      fill_row(t, i, cand);
    }
  });
}

void knn_blocked(const RowMatrixXd& X, NeighborTable& t, int threads) {
  const int64_t n = t.n, d = X.cols();
  // Candidates from a (float) GEMM block, re-ranked with exact double distances.
  const int64_t m = std::min<int64_t>(n - 1, t.k - 1 + std::max<int64_t>(4, t.k / 4));
  const int64_t block = std::max<int64_t>(16, std::min<int64_t>(512, (int64_t(1) << 20) / n));
  if (double(n) * double(n) * double(d) <= 2e8) {
    for_each_distance_block(X, [&](int64_t r0, int64_t r1, const RowMatrixXd& sq) {
      select_block(X, t, r0, sq.data(), r1 - r0, m, threads);
    });
    return;
  }
  // Large inputs: float GEMM on the upper triangle only (block of rows [r0, r0 + rows) against rows
  // r0..n-1); each product feeds the candidate heaps of both its row and its column. A heap keeps
  // the m smallest (squared distance, index) pairs, which do not depend on the order they arrive
  // in.
  using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Cand = std::pair<float, int32_t>;
  RowMatrixXf Xf = X.cast<float>();
  const Eigen::VectorXf norms = Xf.rowwise().squaredNorm();
  const torch::Tensor xt = torch::from_blob(Xf.data(), {n, d}, torch::kFloat);
  std::vector<Cand> heaps(static_cast<size_t>(n * m));
  std::vector<int64_t> fill(static_cast<size_t>(n), 0);
  std::vector<float> worst(static_cast<size_t>(n), std::numeric_limits<float>::infinity());
  auto offer = [&](int64_t i, const Cand& c) {
    if (c.first > worst[i]) return;
    Cand* h = heaps.data() + i * m;
    if (fill[i] < m) {
      h[fill[i]++] = c;
      std::push_heap(h, h + fill[i]);
      if (fill[i] == m) worst[i] = h[0].first;
    } else if (c < h[0]) {
      std::pop_heap(h, h + m);
      h[m - 1] = c;
      std::push_heap(h, h + m);
      worst[i] = h[0].first;
    }
  };
  torch::NoGradGuard guard;
  for (int64_t r0 = 0; r0 < n; r0 += block) {
    const int64_t rows = std::min(n, r0 + block) - r0, cols = n - r0;
    const torch::Tensor g =
        torch::mm(xt.narrow(0, r0, rows), xt.narrow(0, r0, cols).t()).contiguous();
    const float* gp = g.data_ptr<float>();
    auto sq = [&](int64_t r, int64_t c) {
      return norms[r0 + r] + norms[r0 + c] - 2.0f * gp[r * cols + c];
    };
    // Rows of the block: all their pairs with columns >= r0 (both directions inside the block).
    parallel_for(rows, threads, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r)
        for (int64_t c = 0; c < cols; ++c)
          if (c != r) offer(r0 + r, {sq(r, c), int32_t(r0 + c)});
    });
    // Columns past the block: their pairs with the block's rows.
    parallel_for(cols - rows, threads, [&](int64_t b, int64_t e) {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = rows + b; c < rows + e; ++c) offer(r0 + c, {sq(r, c), int32_t(r0 + r)});
    });
  }
  parallel_for(n, threads, [&](int64_t b, int64_t e) {
    std::vector<std::pair<double, int32_t>> cand;
    for (int64_t i = b; i < e; ++i) {
      cand.clear();
      for (int64_t q = 0; q < fill[i]; ++q) {
        const int32_t j = heaps[i * m + q].second;
        cand.emplace_back(squared_distance(X.row(i).data(), X.row(j).data(), d), j);
      }
      fill_row(t, i, cand);
    }
  });
}

}  // namespace

NeighborTable nearest_neighbors(const RowMatrixXd& X, int64_t k, int threads) {
  NeighborTable t;
  t.n = X.rows();
  t.k = std::min<int64_t>(k, t.n);
  t.index.assign(size_t(t.n * t.k), 0);
  t.distance.assign(size_t(t.n * t.k), 0.0);
  if (t.k <= 1) {
    for (int64_t i = 0; i < t.n; ++i) t.index[i * t.k] = int32_t(i);
    return t;
  }
  if (X.cols() <= 8)
    knn_kdtree(X, t, threads);
  else
    knn_blocked(X, t, threads);
  return t;
}

}  // namespace mutagen::knn_detail
