// The shared pairwise distance table (distances.h) and the silhouette on it.
#include "distances.h"

#include <sys/mman.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <string>

#include "knn.h"
#include "linalg.h"
#include "mutagen/error.h"

namespace mutagen::clustering_detail {
namespace {

using knn_detail::RowMatrixXd;
constexpr int64_t kTile = 64;
constexpr int kThreads = 2;

// Copies the upper triangle into the lower one, tile by tile (a row of the upper triangle is a
// column of the lower one: tiles keep both in cache).
void mirror_upper(double* D, int64_t n) {
  for (int64_t i0 = 0; i0 < n; i0 += kTile)
    for (int64_t j0 = i0; j0 < n; j0 += kTile) {
      const int64_t i1 = std::min(n, i0 + kTile), j1 = std::min(n, j0 + kTile);
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = std::max(j0, i + 1); j < j1; ++j) D[j * n + i] = D[i * n + j];
    }
  for (int64_t i = 0; i < n; ++i) D[i * n + i] = 0.0;
}

}  // namespace

PairwiseDistances::PairwiseDistances(const Eigen::MatrixXd& X, TableMemory memory)
    : memory_(std::move(memory)) {
  knn_detail::check_matrix(X, "pairwise distances");
  n_ = X.rows();
  d_ = X.cols();
  const int64_t n = n_, d = d_;
  const size_t size = size_t(n) * size_t(n);
  if (!memory_.data || memory_.capacity < size) {
    memory_.data.reset();  // the old block goes before the new one comes
    memory_.data.reset(new double[size]);
    memory_.capacity = size;
  }
  if (!memory_.scratch) memory_.scratch = std::make_unique<ScratchPool>();
  double* D = memory_.data.get();
  data_ = D;
  const RowMatrixXd R = X;
  if (d <= 32) {
    // Exact differences. Row i of the upper triangle has n - 1 - i entries: rows i and n - 1 - i
    // go together so that both threads get the same work.
    knn_detail::parallel_for((n + 1) / 2, kThreads, [&](int64_t b, int64_t e) {
      auto fill_row = [&](int64_t i) {
        const double* xi = R.row(i).data();
        double* out = D + i * n;
        for (int64_t j = i + 1; j < n; ++j)
          out[j] = std::sqrt(knn_detail::squared_distance(xi, R.row(j).data(), d));
      };
      for (int64_t p = b; p < e; ++p) {
        fill_row(p);
        if (n - 1 - p != p) fill_row(n - 1 - p);
      }
    });
  } else {
    // Upper triangle by row blocks: one double GEMM (libtorch's BLAS, threaded) per block.
    const Eigen::VectorXd norms = R.rowwise().squaredNorm();
    torch::NoGradGuard guard;
    const torch::Tensor xt =
        torch::from_blob(const_cast<double*>(R.data()), {n, d}, torch::kFloat64);
    constexpr int64_t kBlock = 512;
    for (int64_t r0 = 0; r0 < n; r0 += kBlock) {
      const int64_t rows = std::min(kBlock, n - r0), cols = n - r0;
      const torch::Tensor g = torch::mm(xt.narrow(0, r0, rows), xt.narrow(0, r0, cols).t());
      const double* gp = g.data_ptr<double>();
      knn_detail::parallel_for(rows, kThreads, [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          const double ni = norms(r0 + r);
          double* out = D + (r0 + r) * n + r0;
          const double* in = gp + r * cols;
          for (int64_t c = r + 1; c < cols; ++c) {
            const double nn = ni + norms(r0 + c);
            const double v = nn - 2.0 * in[c];
            // Close pairs lose their digits to cancellation (a duplicate would get a tiny positive
            // distance, which DBCV's core distance would then take as the nearest): recompute
            // those exactly. Rare: nearest neighbours are rarely that close.
            out[c] = v > 1e-4 * nn ? std::sqrt(v)
                                   : std::sqrt(knn_detail::squared_distance(
                                         R.row(r0 + r).data(), R.row(r0 + c).data(), d));
          }
        }
      });
    }
  }
  mirror_upper(D, n);
}

ScratchPool::~ScratchPool() {
  for (const Block& b : free_) std::free(b.data);
}

ScratchPool::Block ScratchPool::take(size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < free_.size(); ++i)
      if (free_[i].bytes >= bytes) {
        const Block b = free_[i];
        free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(i));
        return b;
      }
  }
  return allocate(bytes);
}

ScratchPool::Block ScratchPool::allocate(size_t bytes) {
  const size_t align = size_t{2} << 20;
  Block b;
  b.bytes = (bytes + align - 1) / align * align;
  b.data = std::aligned_alloc(align, b.bytes);
  if (!b.data) return Block{};
#ifdef MADV_HUGEPAGE
  madvise(b.data, b.bytes, MADV_HUGEPAGE);
#endif
  return b;
}

void ScratchPool::give(Block block) {
  if (!block.data) return;
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(block);
}

TableMemory PairwiseDistances::release_memory() {
  std::lock_guard<std::mutex> lock(mutex_);
  n_ = d_ = 0;
  data_ = nullptr;
  sorted_k_ = 0;
  sorted_.clear();
  return std::move(memory_);
}

namespace {

// The K smallest of row[0, n), ascending, into out. A threshold from every 8th value keeps the
// candidates to a few hundred (about 2K + 64) before the selection: every value up to it is
// collected, so when at least K are, the K smallest of the row are among them and the result is
// the same as selecting from the whole row, which is the fallback.
void smallest_sorted(const double* row, int64_t n, int64_t K, double* out, std::vector<double>& buf,
                     std::vector<double>& sample) {
  constexpr int64_t kStride = 8;
  buf.resize(size_t(n));
  int64_t count = 0;  // candidates in buf
  if (n > 4 * K) {
    sample.resize(size_t(n / kStride));
    for (size_t i = 0; i < sample.size(); ++i) sample[i] = row[int64_t(i) * kStride];
    const int64_t rank = std::min<int64_t>(int64_t(sample.size()) - 1, 2 * K / kStride + 8);
    std::nth_element(sample.begin(), sample.begin() + rank, sample.end());
    const double t = sample[size_t(rank)];
    for (int64_t j = 0; j < n; ++j) {  // without branches on the data
      buf[size_t(count)] = row[j];
      count += row[j] <= t;
    }
  }
  if (count < K) {
    std::copy(row, row + n, buf.begin());
    count = n;
  }
  std::nth_element(buf.begin(), buf.begin() + (K - 1), buf.begin() + count);
  std::sort(buf.begin(), buf.begin() + K);
  std::copy(buf.begin(), buf.begin() + K, out);
}

}  // namespace

double PairwiseDistances::kth_nearest(int64_t i, int64_t k) const {
  if (k < 1 || k > n_)
    throw Error("pairwise distances: neighbour rank " + std::to_string(k) + " out of [1, " +
                std::to_string(n_) + "] (internal error)");
  std::lock_guard<std::mutex> lock(mutex_);
  if (k > sorted_k_) {
    const int64_t K = std::min(n_, std::max<int64_t>(k, 256));
    std::vector<double> sorted(size_t(n_ * K));
    knn_detail::parallel_for(n_, kThreads, [&](int64_t b, int64_t e) {
      std::vector<double> buf(static_cast<size_t>(n_)), sample;
      for (int64_t r = b; r < e; ++r)
        smallest_sorted(row(r), n_, K, &sorted[size_t(r * K)], buf, sample);
    });
    sorted_ = std::move(sorted);
    sorted_k_ = K;
  }
  return sorted_[size_t(i * sorted_k_ + k - 1)];
}

namespace {

// One labelling's clusters: slot of each sample (noise: slot k), cluster sizes.
struct Slots {
  std::vector<int32_t> slot;
  std::vector<int64_t> sizes;
  int64_t k = 0, clustered = 0;
};

Slots slots_of(const std::vector<int64_t>& labels) {
  // Clusters renumbered 0..k-1 in increasing label order; noise gets slot k (summed, unused).
  std::map<int64_t, int64_t> ids;
  for (int64_t l : labels)
    if (l >= 0) ids.emplace(l, 0);
  Slots s;
  for (auto& [label, id] : ids) id = s.k++;
  const int64_t n = static_cast<int64_t>(labels.size());
  s.slot.resize(static_cast<size_t>(n));
  s.sizes.assign(static_cast<size_t>(s.k), 0);
  for (int64_t i = 0; i < n; ++i) {
    s.slot[i] = labels[i] < 0 ? int32_t(s.k) : int32_t(ids[labels[i]]);
    if (labels[i] >= 0) ++s.sizes[s.slot[i]], ++s.clustered;
  }
  return s;
}

}  // namespace

bool silhouette_defined(const std::vector<int64_t>& labels) {
  const Slots s = slots_of(labels);
  return s.k >= 2 && s.k <= s.clustered - 1;
}

double silhouette_score(const PairwiseDistances& D, const std::vector<int64_t>& labels) {
  check_labels(labels, D.size(), "silhouette");
  const Slots s = slots_of(labels);
  if (s.k < 2 || s.k > s.clustered - 1)
    throw Error("silhouette: " + std::to_string(s.k) + " cluster(s) among " +
                std::to_string(s.clustered) +
                " non-noise samples; expected 2 <= clusters <= samples - 1");
  return silhouette_scores(D, {&labels})[0];
}

std::vector<double> silhouette_scores(const PairwiseDistances& D,
                                      const std::vector<const std::vector<int64_t>*>& labelings) {
  const int64_t n = D.size();
  std::vector<Slots> slots;
  std::vector<int64_t> offset;
  int64_t columns = 0;
  for (const auto* labels : labelings) {
    check_labels(*labels, n, "silhouette");
    slots.push_back(slots_of(*labels));
    if (slots.back().k < 2 || slots.back().k > slots.back().clustered - 1)
      throw Error("silhouette: undefined for one of the labellings (internal error)");
    offset.push_back(columns);
    columns += slots.back().k;
  }
  std::vector<double> out;
  if (labelings.empty()) return out;
  // sums(c, i) = sum of distances from i to the members of cluster c = (H^T D)(c, i) with H the
  // n x columns one-hot labels (noise: a zero row). One threaded GEMM: the table is read at
  // memory speed once instead of being accumulated element by element or read once per labelling.
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(n, columns);  // column-major n x K = row-major K x n
  for (size_t l = 0; l < slots.size(); ++l)
    for (int64_t j = 0; j < n; ++j)
      if (slots[l].slot[j] < slots[l].k) H(j, offset[l] + slots[l].slot[j]) = 1.0;
  Eigen::MatrixXd sums(n, columns);  // column-major n x K = row-major K x n: sums^T = H^T D
  {
    torch::NoGradGuard guard;
    const torch::Tensor t =
        torch::from_blob(const_cast<double*>(D.row(0)), {n, n}, torch::kFloat64);
    const torch::Tensor h = torch::from_blob(H.data(), {columns, n}, torch::kFloat64);  // H^T
    torch::Tensor result = torch::from_blob(sums.data(), {columns, n}, torch::kFloat64);
    torch::mm_out(result, h, t);
  }
  for (size_t l = 0; l < slots.size(); ++l) {
    const Slots& s = slots[l];
    const int64_t k = s.k, o = offset[l];
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const int32_t own = s.slot[i];
      if (own == k || s.sizes[own] <= 1) continue;  // noise; a singleton scores 0
      const double a = sums(i, o + own) / double(s.sizes[own] - 1);
      double bmin = std::numeric_limits<double>::infinity();
      for (int64_t c = 0; c < k; ++c)
        if (c != own) bmin = std::min(bmin, sums(i, o + c) / double(s.sizes[c]));
      const double m = std::max(a, bmin);
      total += m > 0.0 ? (bmin - a) / m : 0.0;
    }
    out.push_back(total / double(s.clustered));
  }
  return out;
}

}  // namespace mutagen::clustering_detail
