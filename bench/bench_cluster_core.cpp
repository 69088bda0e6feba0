// Times the clustering core on Fashion-MNIST train class 0 (6000 x 784, scaled /255), as the Python
// peer (../shared/peers/bench_cluster.py): PCA(95%) + KMeans(3, 10 restarts) + silhouette; also GMM
// (3, full) and agglomerative (3, ward) on the PCA output, and the whole cluster_dataset() call.
// Usage: bench_cluster_core [fashion-mnist dir] [repeats]. Prints medians; no assertions.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "mutagen/clustering/agglomerative.h"
#include "mutagen/clustering/gmm.h"
#include "mutagen/clustering/kmeans.h"
#include "mutagen/clustering/metrics.h"
#include "mutagen/clustering/pca.h"
#include "mutagen/clustering/pipeline.h"
#include "mutagen/dataset.h"

using namespace mutagen;

namespace {
double median_seconds(int repeats, const std::function<void()>& f) {
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  const std::string dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  const int repeats = argc > 2 ? std::stoi(argv[2]) : 3;
  const Dataset data = load_idx_split(dir, "train", "fashion-mnist");
  const std::vector<int64_t> idx = data.indices_of_class(0);
  const torch::Tensor flat = data.subset(idx).flat_images().to(torch::kFloat64).contiguous();
  Eigen::MatrixXd X =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          flat.data_ptr<double>(), flat.size(0), flat.size(1));
  X = (X * 255.0).array().round() / 255.0;  // bytes / 255, as the peer
  std::printf("Fashion-MNIST class 0: %ld x %ld, median of %d\n", static_cast<long>(X.rows()),
              static_cast<long>(X.cols()), repeats);

  Eigen::MatrixXd Z;
  const double t_pca = median_seconds(repeats, [&] { Z = pca_fit_transform(X); });
  std::vector<int64_t> labels;
  int64_t km_iter = 0;
  const double t_km = median_seconds(repeats, [&] {
    const KMeansResult r = kmeans(Z, KMeansOptions().k(3).n_init(10).seed(0));
    labels = r.labels;
    km_iter = r.iterations;
  });
  double sil = 0;
  const double t_sil = median_seconds(repeats, [&] { sil = silhouette_score(Z, labels); });
  const double total = t_pca + t_km + t_sil;
  std::printf(
      "PCA95 %.3f s (%ld components) | KMeans3 %.3f s (best run: %ld iterations) | silhouette "
      "%.3f s (%.4f)\n",
      t_pca, static_cast<long>(Z.cols()), t_km, static_cast<long>(km_iter), t_sil, sil);
  std::printf("PCA95 + KMeans3 + silhouette: %.3f s; Python peer 0.97 s (SPEC 3): ratio %.2fx\n",
              total, 0.97 / total);
  int64_t gmm_iter = 0;
  const double t_gmm = median_seconds(repeats, [&] {
    gmm_iter =
        gaussian_mixture(Z, GmmOptions().k(3).covariance(CovarianceType::Full).seed(0)).iterations;
  });
  const double t_agg = median_seconds(repeats, [&] { agglomerative(Z, 3, Linkage::Ward); });
  std::printf("GMM3 full on PCA: %.3f s (%ld EM iterations) | agglomerative3 ward on PCA: %.3f s\n",
              t_gmm, static_cast<long>(gmm_iter), t_agg);
  const double t_cd =
      median_seconds(repeats, [&] { cluster_dataset(data, {0}, "scale255+pca95+kmeans:3", 0); });
  std::printf("cluster_dataset(scale255+pca95+kmeans:3), class 0, incl. metrics: %.3f s\n", t_cd);
  return 0;
}
