// Times the clustering core on Fashion-MNIST train class 0 (6000 x 784, scaled /255), as the Python
// peer (../shared/peers/bench_cluster.py): PCA(95%) + KMeans(3, 10 restarts) + silhouette; also GMM
// (3, full) and agglomerative (3, ward) on the PCA output, and the whole cluster_dataset() call.
// Usage: bench_cluster_core [fashion-mnist dir] [repeats]. Prints medians; no assertions.
// bench_cluster_core --gmm [none|scale255|standard|minmax] [mixed|double|compare] [fashion dir]:
// only the grid's Gaussian mixtures (k 2..5 x full/tied/diag/spherical, seed 1) on class 0 after
// that scaling and PCA95, with CPU seconds (all threads) and EM steps per fit; compare runs both
// precisions and prints the adjusted Rand index between their labels.
#include <spdlog/spdlog.h>
#include <sys/resource.h>

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
#include "mutagen/clustering/scaling.h"
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

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct GmmRun {
  GmmResult r;
  double cpu = 0, wall = 0;
};

GmmRun timed_gmm(const Eigen::MatrixXd& Z, const GmmOptions& o) {
  GmmRun g;
  const double c0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  g.r = gaussian_mixture(Z, o);
  g.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  g.cpu = cpu_seconds() - c0;
  return g;
}

int gmm_grid(const std::string& scaling, const std::string& mode, const std::string& dir) {
  const Dataset data = load_idx_split(dir, "train", "fashion-mnist");
  const torch::Tensor flat =
      data.subset(data.indices_of_class(0)).flat_images().to(torch::kFloat64).contiguous();
  Eigen::MatrixXd X =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          flat.data_ptr<double>(), flat.size(0), flat.size(1));
  X = (X * 255.0).array().round();  // bytes, as the grid clusters them
  const Scaling s = scaling == "none"       ? Scaling::None
                    : scaling == "standard" ? Scaling::Standard
                    : scaling == "minmax"   ? Scaling::MinMax
                                            : Scaling::Scale255;
  const Eigen::MatrixXd Z = pca_fit_transform(scale_features(X, s), PcaOptions().variance(0.95));
  std::printf("class 0, %s + pca95: %ld x %ld\n", scaling.c_str(), long(Z.rows()), long(Z.cols()));
  const bool compare = mode == "compare";
  const GmmPrecision first = mode == "double" ? GmmPrecision::Double : GmmPrecision::Mixed;
  double all_cpu = 0, all_double_cpu = 0;
  for (CovarianceType c : {CovarianceType::Full, CovarianceType::Tied, CovarianceType::Diag,
                           CovarianceType::Spherical}) {
    double type_cpu = 0, type_double_cpu = 0;
    for (int64_t k = 2; k <= 5; ++k) {
      const GmmOptions o = GmmOptions().k(k).covariance(c).seed(1);
      const GmmRun g = timed_gmm(Z, GmmOptions(o).precision(first));
      type_cpu += g.cpu;
      std::printf("  %-9s k=%ld  cpu %7.3f s  wall %7.3f s  %3ld EM steps  lower bound %.6f",
                  to_string(c).c_str(), long(k), g.cpu, g.wall, long(g.r.iterations),
                  g.r.lower_bound);
      if (compare) {
        const GmmRun h = timed_gmm(Z, GmmOptions(o).precision(GmmPrecision::Double));
        type_double_cpu += h.cpu;
        std::printf(" | double cpu %7.3f s  %3ld steps  lower bound %.6f  ARI %.6f", h.cpu,
                    long(h.r.iterations), h.r.lower_bound,
                    adjusted_rand_index(g.r.labels, h.r.labels));
      }
      std::printf("\n");
      std::fflush(stdout);
    }
    std::printf("  %-9s k 2..5 cpu %7.3f s", to_string(c).c_str(), type_cpu);
    if (compare) std::printf(" | double %7.3f s", type_double_cpu);
    std::printf("\n");
    all_cpu += type_cpu;
    all_double_cpu += type_double_cpu;
  }
  std::printf("all GMM fits: cpu %.3f s", all_cpu);
  if (compare) std::printf(" | double %.3f s", all_double_cpu);
  std::printf("\n");
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  if (argc > 1 && std::string(argv[1]) == "--gmm")
    return gmm_grid(argc > 2 ? argv[2] : "scale255", argc > 3 ? argv[3] : "mixed",
                    argc > 4 ? argv[4] : "/usr/share/datasets/fashion-mnist");
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
