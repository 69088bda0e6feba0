#pragma once
// Internal: all pairwise Euclidean distances of one reduced data set, computed once and shared by
// every clustering and metric of that reduction in the grid (the silhouettes of 32 labellings, 20
// HDBSCAN runs and their DBCV scores). Recomputing them per call was most of the grid's cost
// (Fashion class 0, PCA95, 168-d: 20 HDBSCAN runs 36.7 s CPU direct, 1.8 s on the table; a
// silhouette 0.59 s direct, 0.08 s on the table). One table costs n^2 doubles (288 MB for 6000
// samples), so a grid keeps one alive at a time.
#include <Eigen/Dense>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "mutagen/clustering/agglomerative.h"

namespace mutagen::clustering_detail {

// Big scratch blocks (an agglomerative tree's 144 MB working matrix for 6000 samples), handed from
// one use to the next: a fresh block costs the kernel's zeroing of every page, and the thesis grid
// builds 72 trees per class (7% of its CPU time went to zeroing pages). Holds at most as many
// blocks as were in use at once; frees them when destroyed. Thread-safe.
class ScratchPool {
 public:
  struct Block {
    void* data = nullptr;
    size_t bytes = 0;
  };
  ScratchPool() = default;
  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;
  ~ScratchPool();
  // A free block of at least `bytes` when there is one, else a new one (2 MB aligned, transparent
  // huge pages advised); null data when the memory is not there.
  Block take(size_t bytes);
  void give(Block block);
  // A new block outside any pool (the caller frees data with std::free).
  static Block allocate(size_t bytes);

 private:
  std::mutex mutex_;
  std::vector<Block> free_;
};

// The memory of a table and the scratch pool of its users, handed from one table to the next: a
// fresh 288 MB table costs a page fault and the kernel's zeroing on each of its pages.
struct TableMemory {
  std::unique_ptr<double[]> data;
  size_t capacity = 0;  // doubles
  std::unique_ptr<ScratchPool> scratch;
};

class PairwiseDistances {
 public:
  // Distances between the rows of X (checked: non-empty, finite). Up to 32 features: exact sums
  // of squared differences (the same values knn.h's squared_distance gives, so HDBSCAN and DBCV
  // see what they computed on demand before); more features: double GEMM on the upper triangle,
  // |a|^2 + |b|^2 - 2 a.b (as silhouette_samples), pairs closer than 1% of their norms recomputed
  // exactly (no cancellation: duplicates are at 0, as in the kNN re-ranking of hdbscan(X)).
  // Exactly 0 on the diagonal, exactly symmetric. Threads: row blocks split over two threads,
  // results independent of that.
  // `memory` is used when it holds n^2 doubles, else a new block is allocated.
  explicit PairwiseDistances(const Eigen::MatrixXd& X, TableMemory memory = {});

  // The table's memory, for the next table; the table is empty afterwards.
  TableMemory release_memory();

  // Whether a table for n samples stays within kMaxBytes (800 MB: n <= 10000); above that the
  // callers keep computing distances on demand.
  static constexpr int64_t kMaxBytes = int64_t(800) << 20;
  static bool affordable(int64_t n) { return n * n * int64_t(sizeof(double)) <= kMaxBytes; }

  int64_t size() const { return n_; }
  int64_t dims() const { return d_; }
  const double* row(int64_t i) const { return data_ + i * n_; }
  double operator()(int64_t i, int64_t j) const { return data_[i * n_ + j]; }

  // Distance from row i to its k-th nearest row counting i itself (k = 1 gives 0; k = 2 the
  // nearest other row): HDBSCAN's core distance with min_samples = k, R's kNNdist(x, k - 1).
  // The sorted nearest distances of every row are computed on the first call and kept (for the
  // largest k asked so far, at least 256): a sweep over min_cluster_size pays for them once.
  // Thread-safe.
  double kth_nearest(int64_t i, int64_t k) const;

  // Scratch blocks for the table's users (the agglomerative trees), kept with its memory.
  ScratchPool& scratch() const { return *memory_.scratch; }

 private:
  int64_t n_ = 0, d_ = 0;
  TableMemory memory_;
  const double* data_ = nullptr;
  mutable std::mutex mutex_;
  mutable int64_t sorted_k_ = 0;
  mutable std::vector<double> sorted_;  // n x sorted_k_, row-major, ascending
};

// silhouette_score (metrics.h) on the table: the same value up to summation order (tested to
// 1e-12). Labels as there (-1 = noise, left out); throws the same errors.
double silhouette_score(const PairwiseDistances& D, const std::vector<int64_t>& labels);

// Whether the silhouette of `labels` is defined: 2 <= clusters <= non-noise samples - 1.
bool silhouette_defined(const std::vector<int64_t>& labels);

// silhouette_score of several labellings (each defined) in one pass over the table: one GEMM with
// the one-hot columns of all of them, instead of one memory-bound GEMM each. Same values as
// silhouette_score one by one.
std::vector<double> silhouette_scores(const PairwiseDistances& D,
                                      const std::vector<const std::vector<int64_t>*>& labelings);

// hdbscan (hdbscan.h) on the table. Same labels as hdbscan(X) up to ties that differ only in the
// last bit of a distance (hdbscan(X) compares float distances for > 32 features; the table holds
// doubles).
std::vector<int64_t> hdbscan(const PairwiseDistances& D, int64_t min_cluster_size,
                             int64_t min_samples = -1);

// linkage_tree (agglomerative.h) on the table: the same tree up to float rounding of the
// distances (Ward squares the table's distances instead of reading squared ones).
Dendrogram linkage_tree(const PairwiseDistances& D, Linkage linkage);

// dbcv (dbcv.h) of the rows of X, reading distances from D (D made from X) for more than 32
// features; up to 32 dbcv(X, labels) itself, which computes the few-feature distances faster than
// they can be gathered from the table (UMAP-2, 20 DBCVs: 6.5 s direct, 7.5 s on the table). Same
// value as dbcv(X) up to rounding (tested to 1e-6: dbcv(X) reads a float table above 32 features).
double dbcv(const Eigen::MatrixXd& X, const PairwiseDistances& D,
            const std::vector<int64_t>& labels);

// DBCV's all-points core distances of the rows of P (one cluster), dimension P.cols(): exposed
// for the test against the log-space formula.
std::vector<double> all_points_core_distances(const Eigen::MatrixXd& P);

}  // namespace mutagen::clustering_detail
