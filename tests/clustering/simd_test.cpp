// The vector kernels (simd.h) run as an AVX2 build or a baseline x86-64 build, chosen by the CPU:
// both must give bit-identical results, or the same seed would give a different table on another
// machine. Here both builds run on this machine (when it has AVX2) and are compared exactly.
#include "simd.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "distances.h"
#include "mutagen/clustering/agglomerative.h"
#include "mutagen/clustering/dbcv.h"
#include "mutagen/clustering/hdbscan.h"
#include "mutagen/clustering/kmeans.h"
#include "mutagen/clustering/umap.h"
#include "umap_hdbscan_util.h"

namespace {

namespace cd = mutagen::clustering_detail;

struct Results {
  std::vector<std::vector<int64_t>> hdbscan;  // table HDBSCAN at several min_cluster_size
  std::vector<double> dbcv;                   // DBCV of each of those labellings (and the truth)
  std::vector<double> core;                   // DBCV's all-points core distances of all rows
  std::vector<std::vector<int64_t>> trees;    // each linkage's merges: a, b, size, height bits
  std::vector<std::vector<int64_t>> kmeans;   // KMeans labels, k = 2..5
  std::vector<double> inertia;                // and their inertias
};

std::vector<int64_t> merges_of(const mutagen::Dendrogram& tree) {
  std::vector<int64_t> out;
  for (const auto& m : tree.merges) {
    int64_t bits = 0;
    static_assert(sizeof(bits) == sizeof(m.height));
    std::memcpy(&bits, &m.height, sizeof bits);
    out.insert(out.end(), {m.a, m.b, m.size, bits});
  }
  return out;
}

Results run_all(const Eigen::MatrixXd& X, const std::vector<int64_t>& truth) {
  Results r;
  const cd::PairwiseDistances D(X);
  for (int64_t mcs : {4, 9, 25}) r.hdbscan.push_back(cd::hdbscan(D, mcs));
  for (const auto& l : r.hdbscan) {
    int64_t clusters = 0;
    for (int64_t v : l) clusters = std::max(clusters, v + 1);
    if (clusters >= 2) r.dbcv.push_back(cd::dbcv(X, D, l));
  }
  r.dbcv.push_back(cd::dbcv(X, D, truth));
  r.core = cd::all_points_core_distances(X);
  for (auto l : {mutagen::Linkage::Ward, mutagen::Linkage::Complete, mutagen::Linkage::Average})
    r.trees.push_back(merges_of(cd::linkage_tree(D, l)));
  for (int64_t k = 2; k <= 5; ++k) {  // whole groups of four centres and the rest
    const auto km = mutagen::kmeans(X, mutagen::KMeansOptions().k(k).n_init(3).seed(7));
    r.kmeans.push_back(km.labels);
    r.inertia.push_back(km.inertia);
  }
  return r;
}

TEST(Simd, Avx2AndBaselineBuildsGiveBitIdenticalClusteringsAndScores) {
  const bool had = mutagen::simd::set_avx2(true);
  if (!mutagen::simd::use_avx2()) GTEST_SKIP() << "this CPU has no AVX2: only one build runs";
  // Sizes that are not multiples of four (the scalar tails), the kernels' widths 2 and 10, an odd
  // width (square roots in the core distances) and a GEMM-table width.
  for (int64_t d : {2, 3, 10, 40}) {
    Eigen::MatrixXd centers = Eigen::MatrixXd::Zero(3, d);
    for (int64_t c = 0; c < 3; ++c) centers(c, c % d) = 5.0 * double(c + 1);
    auto data = umap_hdbscan_test::blobs(centers, 67, 1.0, uint64_t(d));
    // Rounded coordinates: many equal distances, so the tie rules of both Prims are exercised.
    data.X = (data.X * 2.0).array().round() / 2.0;
    mutagen::simd::set_avx2(true);
    const Results fast = run_all(data.X, data.y);
    mutagen::simd::set_avx2(false);
    const Results base = run_all(data.X, data.y);
    EXPECT_EQ(fast.hdbscan, base.hdbscan) << "d " << d;
    EXPECT_EQ(fast.dbcv, base.dbcv) << "d " << d;  // exactly, not to a tolerance
    EXPECT_EQ(fast.core, base.core) << "d " << d;
    EXPECT_EQ(fast.trees, base.trees) << "d " << d;
    EXPECT_EQ(fast.kmeans, base.kmeans) << "d " << d;
    EXPECT_EQ(fast.inertia, base.inertia) << "d " << d;
    EXPECT_GE(base.dbcv.back(), 0.3) << "d " << d;  // the true blobs score well
  }
  mutagen::simd::set_avx2(had);
}

TEST(Simd, Avx2AndBaselineBuildsGiveTheSameUmapLayouts) {
  const bool had = mutagen::simd::set_avx2(true);
  if (!mutagen::simd::use_avx2()) GTEST_SKIP() << "this CPU has no AVX2: only one build runs";
  Eigen::MatrixXd centers = Eigen::MatrixXd::Zero(3, 12);
  for (int64_t c = 0; c < 3; ++c) centers(c, c) = 6.0;
  const auto data = umap_hdbscan_test::blobs(centers, 101, 1.0, 9);
  for (int64_t dim : {2, 10}) {
    const auto o = mutagen::UmapOptions().n_components(dim).n_epochs(40).seed(3);
    mutagen::simd::set_avx2(true);
    const Eigen::MatrixXd fast = mutagen::umap_embed(data.X, o);
    mutagen::simd::set_avx2(false);
    const Eigen::MatrixXd base = mutagen::umap_embed(data.X, o);
    ASSERT_EQ(fast.rows(), base.rows());
    ASSERT_EQ(fast.cols(), dim);
    EXPECT_TRUE((fast.array() == base.array()).all()) << dim;  // exactly
    EXPECT_GT(fast.cwiseAbs().maxCoeff(), 0.0);
  }
  mutagen::simd::set_avx2(had);
}

}  // namespace
