// Timed program (no assertions): the per-class clustering grid (run_grid) on Fashion-MNIST train
// classes, with wall time, CPU time (all threads, getrusage) and peak resident memory; the table's
// fit_seconds summed per (reduction, clustering) family show where the fits go. Compare with the
// Python peer through bench/run_grid_bench.sh (same session, same machine).
//
// --hotspots times the expensive steps one by one on one class (normalisation + PCA95 and UMAP-2),
// with and without the shared distance table (distances.h), as the grid would call them.
//
// usage: bench_grid [--fashion DIR] [--grid peer|thesis|quick] [--classes 0,1,..|all] [--seed S]
//                   [--table FILE.csv] [--hotspots] [--vae-cache DIR] [--vae-epochs N]
//                   [--threads T]
// --vae-cache keeps the trained VAEs of the thesis preset (vae, vae-class) between runs: the first
// run trains them (that time is in the grid's time), later runs only encode.
#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "class_data.h"
#include "distances.h"
#include "mutagen/clustering/agglomerative.h"
#include "mutagen/clustering/dbcv.h"
#include "mutagen/clustering/gmm.h"
#include "mutagen/clustering/grid.h"
#include "mutagen/clustering/hdbscan.h"
#include "mutagen/clustering/kmeans.h"
#include "mutagen/clustering/metrics.h"
#include "mutagen/clustering/pca.h"
#include "mutagen/clustering/scaling.h"
#include "mutagen/clustering/umap.h"
#include "mutagen/dataset.h"
#include "mutagen/error.h"

namespace {

struct Usage {
  double wall = 0, cpu = 0;
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

Usage timed(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  f();
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
          cpu_seconds() - c0};
}

void report(const std::string& what, const Usage& u) {
  std::printf("  %-44s wall %8.3f s  cpu %8.3f s\n", what.c_str(), u.wall, u.cpu);
  std::fflush(stdout);
}

std::vector<int64_t> parse_classes(const std::string& s) {
  std::vector<int64_t> out;
  if (s == "all") {
    for (int64_t c = 0; c < 10; ++c) out.push_back(c);
    return out;
  }
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoll(item));
  return out;
}

// The expensive steps of one reduction, timed one by one.
void hotspots(const Eigen::MatrixXd& Z, const std::string& name, bool with_gmm) {
  using namespace mutagen;
  namespace cd = clustering_detail;
  std::printf("%s: %ld x %ld\n", name.c_str(), long(Z.rows()), long(Z.cols()));
  std::vector<std::vector<int64_t>> kl;  // KMeans-like labellings for the silhouettes
  for (int64_t k = 2; k <= 5; ++k)       // KMeans labels: what the silhouettes of a grid score
    kl.push_back(kmeans(Z, KMeansOptions().k(k).seed(1)).labels);
  {
    int64_t iters = 0;
    const Usage u = timed([&] {
      for (int64_t k = 2; k <= 5; ++k) iters += kmeans(Z, KMeansOptions().k(k).seed(1)).iterations;
    });
    report("kmeans k 2..5 (n_init 10, best runs " + std::to_string(iters) + " steps)", u);
  }
  std::unique_ptr<cd::PairwiseDistances> D;
  report("distance table", timed([&] { D = std::make_unique<cd::PairwiseDistances>(Z); }));
  report("silhouette x4 direct", timed([&] {
           for (const auto& l : kl) silhouette_score(Z, l);
         }));
  report("silhouette x4 table", timed([&] {
           for (const auto& l : kl) cd::silhouette_score(*D, l);
         }));
  std::vector<std::vector<int64_t>> hl;
  report("hdbscan mcs 10..200 direct", timed([&] {
           for (int64_t m = 10; m <= 200; m += 10) hl.push_back(hdbscan(Z, m));
         }));
  int64_t same = 0, i = 0;
  report("hdbscan mcs 10..200 table", timed([&] {
           for (int64_t m = 10; m <= 200; m += 10) same += cd::hdbscan(*D, m) == hl[i++];
         }));
  std::printf("  hdbscan labels equal (table vs direct): %ld of 20\n", long(same));
  auto clusters = [](const std::vector<int64_t>& l) {
    int64_t c = 0;
    for (int64_t v : l) c = std::max(c, v + 1);
    return c;
  };
  double worst = 0;
  report("dbcv x20 direct", timed([&] {
           for (const auto& l : hl)
             if (clusters(l) >= 2) dbcv(Z, l);
         }));
  report("dbcv x20 table", timed([&] {
           for (const auto& l : hl)
             if (clusters(l) >= 2)
               worst = std::max(worst, std::abs(cd::dbcv(Z, *D, l) - dbcv(Z, l)));
         }));
  std::printf("  dbcv largest |table - direct| = %.3g (the table run includes the direct ones)\n",
              worst);
  for (Linkage l : {Linkage::Ward, Linkage::Complete, Linkage::Average}) {
    report("linkage tree " + to_string(l) + " direct", timed([&] { linkage_tree(Z, l); }));
    report("linkage tree " + to_string(l) + " table", timed([&] { cd::linkage_tree(*D, l); }));
  }
  if (!with_gmm) return;
  for (CovarianceType c : {CovarianceType::Full, CovarianceType::Tied, CovarianceType::Diag,
                           CovarianceType::Spherical}) {
    int64_t iters = 0;
    const Usage u = timed([&] {
      for (int64_t k = 2; k <= 5; ++k)
        iters += gaussian_mixture(Z, GmmOptions().k(k).covariance(c).seed(1)).iterations;
    });
    report("gmm " + to_string(c) + " k 2..5 (" + std::to_string(iters) + " EM steps)", u);
  }
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::cfg::load_env_levels();
  std::string fashion = "/usr/share/datasets/fashion-mnist", grid = "peer", classes = "0", table;
  std::string vae_cache;
  int64_t vae_epochs = mutagen::VaeOptions().epochs(), threads = 0;
  uint64_t seed = 0;
  bool hot = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--hotspots") {
      hot = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "usage: see the top of bench/bench_grid.cpp\n");
      return 2;
    }
    const std::string v = argv[++i];
    if (a == "--fashion")
      fashion = v;
    else if (a == "--grid")
      grid = v;
    else if (a == "--classes")
      classes = v;
    else if (a == "--seed")
      seed = std::stoull(v);
    else if (a == "--table")
      table = v;
    else if (a == "--vae-cache")
      vae_cache = v;
    else if (a == "--vae-epochs")
      vae_epochs = std::stoll(v);
    else if (a == "--threads")
      threads = std::stoll(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  try {
    const mutagen::Dataset data =
        mutagen::load_idx_dataset(fashion + "/train-images-idx3-ubyte.gz",
                                  fashion + "/train-labels-idx1-ubyte.gz", "fashion-mnist");
    const std::vector<int64_t> cls = parse_classes(classes);
    if (hot) {
      using namespace mutagen;
      const Eigen::MatrixXd bytes =
          clustering_detail::image_bytes(data, clustering_detail::class_positions(data, cls[0]));
      const Eigen::MatrixXd Xs = scale_features(bytes, Scaling::Normalisation);
      Eigen::MatrixXd P, U;
      report("pca95", timed([&] { P = pca_fit_transform(Xs, PcaOptions().variance(0.95)); }));
      report("umap2", timed([&] { U = umap_embed(Xs, UmapOptions().n_components(2).seed(seed)); }));
      hotspots(P, "normalisation+pca95", true);
      hotspots(U, "normalisation+umap2", false);
      std::printf("peak_rss_mb=%.0f\n", peak_rss_mb());
      return 0;
    }
    mutagen::GridResult r;
    const Usage u = timed([&] {
      r = mutagen::run_grid(data, cls,
                            mutagen::GridOptions::preset(grid).threads(threads).vae(
                                mutagen::VaeOptions().epochs(vae_epochs).cache_dir(vae_cache)),
                            seed);
    });
    std::map<std::string, double> fit;
    for (const auto& row : r.rows) fit[row.reduction + " " + row.clustering] += row.fit_seconds;
    std::printf("fit_seconds per reduction and clustering (wall):\n");
    for (const auto& [key, s] : fit) std::printf("  %-32s %8.2f s\n", key.c_str(), s);
    if (!table.empty()) std::ofstream(table) << r.table_csv();
    std::printf("grid=%s classes=%s rows=%zu best_silhouette=%s best_dbcv=%s\n", grid.c_str(),
                classes.c_str(), r.rows.size(), r.silhouette.best.c_str(), r.dbcv.best.c_str());
    std::printf("grid_wall_s=%.2f grid_cpu_s=%.2f peak_rss_mb=%.0f\n", u.wall, u.cpu,
                peak_rss_mb());
  } catch (const mutagen::Error& e) {
    std::fprintf(stderr, "bench_grid: %s\n", e.what());
    return 1;
  }
  return 0;
}
