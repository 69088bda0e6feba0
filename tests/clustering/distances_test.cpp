// The shared pairwise distance table (distances.h) and everything computed on it must agree with
// the direct versions: silhouette, HDBSCAN labels, DBCV; also the BLAS syrk/trmm helpers (GMM) and
// DBCV's core distances without logs.
#include "distances.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "linalg.h"
#include "mutagen/clustering/agglomerative.h"
#include "mutagen/clustering/dbcv.h"
#include "mutagen/clustering/gmm.h"
#include "mutagen/clustering/hdbscan.h"
#include "mutagen/clustering/metrics.h"
#include "mutagen/error.h"
#include "mutagen/random.h"
#include "umap_hdbscan_util.h"

namespace {

using mutagen::Rng;
using mutagen::clustering_detail::PairwiseDistances;
namespace cd = mutagen::clustering_detail;

// k blobs in d dimensions, `per` points each, centres 6 apart along the axes.
umap_hdbscan_test::Labelled blobs(int64_t k, int64_t d, int64_t per, uint64_t seed) {
  Eigen::MatrixXd centers = Eigen::MatrixXd::Zero(k, d);
  for (int64_t c = 0; c < k; ++c) centers(c, c % d) = 6.0 * double(c + 1);
  return umap_hdbscan_test::blobs(centers, per, 1.0, seed);
}

TEST(PairwiseDistances, MatchBruteForceInBothPaths) {
  for (int64_t d : {3, 40}) {
    const auto data = blobs(3, d, 70, 1);
    const PairwiseDistances D(data.X);
    ASSERT_EQ(D.size(), data.X.rows());
    EXPECT_EQ(D.dims(), d);
    for (int64_t i = 0; i < D.size(); ++i) {
      EXPECT_EQ(D(i, i), 0.0);
      for (int64_t j = 0; j < D.size(); ++j) {
        EXPECT_EQ(D(i, j), D(j, i));
        const double exact = (data.X.row(i) - data.X.row(j)).norm();
        EXPECT_NEAR(D(i, j), exact, 1e-9 * (1.0 + exact)) << d;
      }
    }
    // kth_nearest counts the point itself: k = 1 is 0, then the sorted row.
    for (int64_t i : {0, 17, 209}) {
      std::vector<double> row(D.row(i), D.row(i) + D.size());
      std::sort(row.begin(), row.end());
      for (int64_t k : {1, 2, 5, 100, 210}) EXPECT_EQ(D.kth_nearest(i, k), row[k - 1]);
    }
    EXPECT_THROW(D.kth_nearest(0, 0), mutagen::Error);
  }
}

TEST(PairwiseDistances, KthNearestOnLargeRowsEqualsTheSortedRow) {
  // 1,500 samples: the selection runs on candidates under a threshold taken from every 8th value
  // of the row. Second data set: the sampled columns (multiples of 8) are the nearest points of
  // sample 0, so too few candidates pass and the whole row is selected from instead.
  Rng rng(3);
  Eigen::MatrixXd random(1500, 2), sampled_nearest(1500, 1);
  for (int64_t j = 0; j < 1500; ++j) {
    random(j, 0) = rng.normal();
    random(j, 1) = rng.normal();
    sampled_nearest(j, 0) = j % 8 == 0 ? 1e-3 * double(j) : 100.0 + double(j);
  }
  for (const Eigen::MatrixXd* X : {&random, &sampled_nearest}) {
    const PairwiseDistances D(*X);
    for (int64_t i : {0, 8, 777, 1499}) {
      std::vector<double> row(D.row(i), D.row(i) + D.size());
      std::sort(row.begin(), row.end());
      for (int64_t k : {1, 2, 10, 200, 256, 300})
        EXPECT_EQ(D.kth_nearest(i, k), row[k - 1]) << "sample " << i << " k " << k;
    }
  }
}

TEST(PairwiseDistances, SilhouetteEqualsTheDirectOneWithNoise) {
  for (int64_t d : {2, 10, 40}) {
    auto data = blobs(4, d, 60, 2);
    std::vector<int64_t> labels = data.y;
    Rng rng(3);
    for (auto& l : labels)
      if (rng.uniform() < 0.1) l = -1;
    labels[5] = 7;  // a singleton cluster scores 0
    const PairwiseDistances D(data.X);
    EXPECT_NEAR(cd::silhouette_score(D, labels), mutagen::silhouette_score(data.X, labels), 1e-12);
    std::vector<int64_t> one(labels.size(), 0);
    EXPECT_THROW(cd::silhouette_score(D, one), mutagen::Error);
    EXPECT_THROW(cd::silhouette_score(D, std::vector<int64_t>(3, 0)), mutagen::Error);
  }
}

// The grid scores all labellings of a reduction in one GEMM: each value equals the labelling
// scored alone (and the direct formula), whatever else is in the batch.
TEST(PairwiseDistances, SilhouettesInOneBatchEqualEachAlone) {
  const auto data = blobs(4, 3, 50, 8);
  const PairwiseDistances D(data.X);
  Rng rng(9);
  std::vector<std::vector<int64_t>> labellings = {data.y};
  for (int64_t k : {2, 3, 5}) {
    std::vector<int64_t> l(data.y.size());
    for (auto& v : l) v = rng.uniform() < 0.05 ? -1 : int64_t(rng.below(uint64_t(k)));
    labellings.push_back(l);
  }
  std::vector<const std::vector<int64_t>*> batch;
  for (const auto& l : labellings) batch.push_back(&l);
  const std::vector<double> together = cd::silhouette_scores(D, batch);
  ASSERT_EQ(together.size(), labellings.size());
  for (size_t i = 0; i < labellings.size(); ++i) {
    EXPECT_TRUE(cd::silhouette_defined(labellings[i]));
    EXPECT_DOUBLE_EQ(together[i], cd::silhouette_score(D, labellings[i])) << i;
    EXPECT_NEAR(together[i], mutagen::silhouette_score(data.X, labellings[i]), 1e-12) << i;
  }
  EXPECT_GT(together[0], 0.5);  // the true blobs
  EXPECT_LT(together[1], 0.1);  // random labels
  EXPECT_FALSE(cd::silhouette_defined(std::vector<int64_t>(10, 0)));
  EXPECT_FALSE(cd::silhouette_defined({0, 1, 2, -1}));  // 3 clusters among 3 samples
  EXPECT_TRUE(cd::silhouette_scores(D, {}).empty());
}

TEST(PairwiseDistances, HdbscanAndDbcvEqualTheDirectOnes) {
  // 2-d and 10-d (exact distances, as UMAP output) and 40-d (GEMM path, as PCA output).
  for (int64_t d : {2, 10, 40}) {
    const auto data = blobs(4, d, 80, 4);
    const PairwiseDistances D(data.X);
    for (int64_t mcs : {5, 10, 20, 40}) {
      const std::vector<int64_t> a = mutagen::hdbscan(data.X, mcs);
      const std::vector<int64_t> b = cd::hdbscan(D, mcs);
      EXPECT_EQ(a, b) << "d " << d << " min_cluster_size " << mcs;
      int64_t clusters = 0;
      for (int64_t l : a) clusters = std::max(clusters, l + 1);
      if (clusters >= 2) {
        EXPECT_NEAR(cd::dbcv(data.X, D, a), mutagen::dbcv(data.X, a), 1e-6) << d;
      }
    }
    EXPECT_NEAR(cd::dbcv(data.X, D, data.y), mutagen::dbcv(data.X, data.y), d > 32 ? 1e-6 : 1e-12);
    EXPECT_EQ(cd::hdbscan(D, 7, 3), mutagen::hdbscan(data.X, 7, 3));
    EXPECT_THROW(cd::hdbscan(D, 1), mutagen::Error);
    EXPECT_THROW(cd::dbcv(data.X.topRows(10), D, data.y), mutagen::Error);
    EXPECT_THROW(cd::dbcv(data.X, D, std::vector<int64_t>(data.y.size(), 0)), mutagen::Error);
  }
}

bool same_tree(const mutagen::Dendrogram& a, const mutagen::Dendrogram& b) {
  if (a.n != b.n || a.merges.size() != b.merges.size()) return false;
  for (size_t i = 0; i < a.merges.size(); ++i)
    if (a.merges[i].a != b.merges[i].a || a.merges[i].b != b.merges[i].b ||
        a.merges[i].height != b.merges[i].height || a.merges[i].size != b.merges[i].size)
      return false;
  return true;
}

TEST(PairwiseDistances, ReusedMemoryGivesTheSameTablesAndTrees) {
  // The grid hands one table's memory and scratch blocks to the next table: what the last user
  // left there must not leak into the next results.
  const auto first = blobs(3, 10, 60, 8), second = blobs(4, 2, 40, 9);
  cd::TableMemory memory;
  {
    PairwiseDistances D(first.X);
    for (mutagen::Linkage l :
         {mutagen::Linkage::Ward, mutagen::Linkage::Complete, mutagen::Linkage::Average})
      EXPECT_EQ(cd::linkage_tree(D, l).cut(3), mutagen::agglomerative(first.X, 3, l));
    memory = D.release_memory();
    EXPECT_EQ(D.size(), 0);
  }
  ASSERT_TRUE(memory.data);
  ASSERT_TRUE(memory.scratch);
  const double* block = memory.data.get();
  const PairwiseDistances fresh(second.X);
  const PairwiseDistances reused(second.X, std::move(memory));
  EXPECT_EQ(reused.row(0), block);  // 160 samples in the memory of 180
  for (int64_t i = 0; i < fresh.size(); ++i)
    for (int64_t j = 0; j < fresh.size(); ++j) ASSERT_EQ(reused(i, j), fresh(i, j));
  for (mutagen::Linkage l : {mutagen::Linkage::Average, mutagen::Linkage::Ward}) {
    // Trees in the scratch blocks the first table's trees left behind, and in new blocks.
    const mutagen::Dendrogram in_new_blocks = cd::linkage_tree(fresh, l);
    EXPECT_TRUE(same_tree(cd::linkage_tree(reused, l), in_new_blocks)) << mutagen::to_string(l);
    EXPECT_TRUE(same_tree(cd::linkage_tree(reused, l), in_new_blocks)) << "again";
    EXPECT_EQ(in_new_blocks.cut(4), second.y);
  }
  EXPECT_EQ(reused.kth_nearest(0, 1), 0.0);
}

TEST(ScratchPool, HandsBackFreeBlocksAndAllocatesLargerOnes) {
  cd::ScratchPool pool;
  const cd::ScratchPool::Block a = pool.take(1000);
  ASSERT_NE(a.data, nullptr);
  EXPECT_GE(a.bytes, size_t(1000));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data) % (uintptr_t(2) << 20), 0u);  // 2 MB aligned
  pool.give(a);
  const cd::ScratchPool::Block b = pool.take(500);
  EXPECT_EQ(b.data, a.data);  // the free block
  const cd::ScratchPool::Block c = pool.take(a.bytes + 1);
  EXPECT_NE(c.data, a.data);  // none free: a new one
  EXPECT_GT(c.bytes, a.bytes);
  pool.give(b);
  pool.give(c);  // both freed with the pool
}

// core(i) = (sum_{j: d_ij > 0} d_ij^-D / (m - 1))^(-1/D) in log space (the previous code).
std::vector<double> log_space_core(const Eigen::MatrixXd& P) {
  const int64_t m = P.rows();
  const double dims = double(P.cols());
  std::vector<double> core(size_t(m), 0.0);
  for (int64_t i = 0; i < m; ++i) {
    std::vector<double> logs;
    for (int64_t j = 0; j < m; ++j) {
      const double d = (P.row(i) - P.row(j)).norm();
      if (d > 0) logs.push_back(-dims * std::log(d));
    }
    if (logs.empty()) continue;
    const double top = *std::max_element(logs.begin(), logs.end());
    double s = 0;
    for (double l : logs) s += std::exp(l - top);
    core[i] = std::exp(-(top + std::log(s) - std::log(double(m - 1))) / dims);
  }
  return core;
}

TEST(Dbcv, CoreDistancesWithoutLogsEqualTheLogSpaceFormula) {
  for (int64_t d : {1, 2, 7, 10, 33, 150}) {
    const auto data = blobs(2, d, 40, 5);
    Eigen::MatrixXd P = data.X;
    // A duplicate: zero distances are left out. (Above 32 features dbcv(X) reads a float GEMM
    // table, where a duplicate can be a tiny positive distance, before and after this change.)
    if (d <= 32) P.row(3) = P.row(4);
    const std::vector<double> fast = cd::all_points_core_distances(P);
    const std::vector<double> slow = log_space_core(P);
    ASSERT_EQ(fast.size(), slow.size());
    // Above 32 features the distances come from a float table: 1e-6.
    for (size_t i = 0; i < fast.size(); ++i)
      EXPECT_NEAR(fast[i], slow[i], (d > 32 ? 1e-6 : 1e-12) * slow[i]) << d << " row " << i;
  }
  // One point, two identical points: no distinct neighbour, core 0.
  EXPECT_EQ(cd::all_points_core_distances(Eigen::MatrixXd::Ones(1, 3))[0], 0.0);
  EXPECT_EQ(cd::all_points_core_distances(Eigen::MatrixXd::Ones(2, 3))[1], 0.0);
}

TEST(Linalg, GramAndTimesUpperEqualEigenProducts) {
  Rng rng(6);
  for (int64_t n : {30, 2000})
    for (int64_t d : {5, 48}) {
      Eigen::MatrixXd W(n, d), U(d, d);
      for (Eigen::Index i = 0; i < W.size(); ++i) W.data()[i] = rng.normal();
      for (Eigen::Index i = 0; i < U.size(); ++i) U.data()[i] = rng.normal();
      const Eigen::MatrixXd G = cd::gram(W), ref = W.transpose() * W;
      EXPECT_LE((G - ref).cwiseAbs().maxCoeff(), 1e-10 * ref.cwiseAbs().maxCoeff()) << n << d;
      EXPECT_EQ(G, G.transpose());
      const Eigen::MatrixXd Uu = U.triangularView<Eigen::Upper>();
      const Eigen::MatrixXd Y = cd::times_upper(W, U), yref = W * Uu;  // lower part ignored
      EXPECT_LE((Y - yref).cwiseAbs().maxCoeff(), 1e-10 * yref.cwiseAbs().maxCoeff()) << n << d;
    }
}

TEST(Gmm, FullAndTiedOnTheBlasPathRecoverBlobs) {
  // 2000 x 48: large enough for syrk/trmm.
  const auto data = blobs(3, 48, 700, 7);
  for (auto cov : {mutagen::CovarianceType::Full, mutagen::CovarianceType::Tied}) {
    const auto r =
        mutagen::gaussian_mixture(data.X, mutagen::GmmOptions().k(3).covariance(cov).seed(2));
    EXPECT_DOUBLE_EQ(umap_hdbscan_test::local_ari(r.labels, data.y), 1.0);
    const auto again =
        mutagen::gaussian_mixture(data.X, mutagen::GmmOptions().k(3).covariance(cov).seed(2));
    EXPECT_EQ(r.labels, again.labels);
    EXPECT_EQ(r.lower_bound, again.lower_bound);
  }
}

}  // namespace
