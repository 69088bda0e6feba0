#pragma once
// The thesis's clustering grid per class (thesis 5.2, SPEC 2.1): preprocessing x scaling x
// reduction x clustering with its parameters, each result scored, filtered and rank-scored
// (ranking.h). Every reduction is computed once per class and preprocessing and shared by all
// clusterings on it; an agglomerative tree is built once per linkage and cut at every k. Row i of
// the grid for class c gives the same labels as cluster_dataset(data, {c}, row.combination, seed)
// (same seeds and code).
#include <torch/arg.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "mutagen/clustering/pipeline_spec.h"
#include "mutagen/clustering/ranking.h"
#include "mutagen/clustering/vae.h"
#include "mutagen/dataset.h"

namespace mutagen {

struct GridOptions {
  TORCH_ARG(std::vector<bool>, thresholds) = std::vector<bool>{false, true};
  TORCH_ARG(std::vector<Scaling>, scalings) = std::vector<Scaling>{
      Scaling::None, Scaling::Scale255, Scaling::Normalisation, Scaling::Standard, Scaling::MinMax};
  // Reduction step names (pipeline grammar): raw | pca95 | pca:<n> | umap2 | umap10 | vae |
  // vae-class.
  TORCH_ARG(std::vector<std::string>, reductions) = std::vector<std::string>{
      "pca95", "umap2", "umap10", "vae", "vae-class"};
  TORCH_ARG(std::vector<int64_t>, ks) = std::vector<int64_t>{2, 3, 4, 5};
  TORCH_ARG(bool, kmeans) = true;
  TORCH_ARG(std::vector<Linkage>, linkages) = std::vector<Linkage>{Linkage::Ward, Linkage::Complete,
                                                                   Linkage::Average};
  TORCH_ARG(std::vector<CovarianceType>, covariances) = std::vector<CovarianceType>{
      CovarianceType::Full, CovarianceType::Tied, CovarianceType::Diag, CovarianceType::Spherical};
  // HDBSCAN min_cluster_size 10..200 step 10 (SPEC 2.1; the thesis's 71 clusterings suggest step 5
  // from 10, which is grid "thesis-fine").
  TORCH_ARG(std::vector<int64_t>, min_cluster_sizes) = range(10, 200, 10);
  // Training of the VAE reductions (epochs, cache_dir, ...; seed() unused: derived from the grid's
  // seed). Without a cache_dir each VAE is still trained only once per run.
  TORCH_ARG(VaeOptions, vae) = VaeOptions();
  // Threads running the clusterings of one reduction side by side (0 = one per core); with two or
  // more, one more thread computes the next reductions meanwhile. The rows do not depend on it (nor
  // on the machine's cores): every clustering has its own seed and row, and BLAS runs on one
  // thread throughout.
  TORCH_ARG(int64_t, threads) = 0;

 public:  // (TORCH_ARG leaves the access at private)
  // Presets: "thesis" (the defaults above), "thesis-fine" (HDBSCAN step 5), "peer" (the Python
  // peer's timed grid, ../shared/peers/bench_grid.py: no threshold; none, standard, minmax,
  // scale255; pca95 and umap2; KMeans, agglomerative, GMM; no HDBSCAN), "quick" (no threshold;
  // normalisation; pca95; k 2..5; ward; full; HDBSCAN 50, 100). Throws mutagen::Error listing them
  // for another name.
  static GridOptions preset(const std::string& name);
  static std::vector<int64_t> range(int64_t from, int64_t to, int64_t step);
};

// One combination on one class: a row of the results table.
struct GridRow {
  int64_t cls = 0;
  std::string combination;    // canonical pipeline name, e.g. "threshold+standard+pca95+gmm:3:diag"
  std::string preprocessing;  // "threshold+standard"
  std::string reduction;      // "pca95"
  int64_t features = 0;       // columns after the reduction
  std::string clustering;     // kmeans | agglomerative | gmm | hdbscan
  std::string params;         // e.g. "k=3 covariance=diag", "min_cluster_size=50"
  std::vector<int64_t> cluster_sizes;  // noise excluded
  int64_t noise = 0;
  double silhouette = std::numeric_limits<double>::quiet_NaN();  // non-HDBSCAN rows
  double dbcv = std::numeric_limits<double>::quiet_NaN();        // HDBSCAN rows
  double calinski_harabasz = std::numeric_limits<double>::quiet_NaN();
  double davies_bouldin = std::numeric_limits<double>::quiet_NaN();
  double fit_seconds = 0;  // the clustering fit alone (agglomerative: tree + cut)
  std::string verdict;     // filter verdict (ranking.h) or "failed"
  std::string error;       // why a fit failed
  bool uses_dbcv() const { return clustering == "hdbscan"; }
};

struct GridResult {
  std::vector<int64_t> classes;
  std::vector<GridRow> rows;
  Ranking silhouette;              // KMeans / agglomerative / GMM rows
  Ranking dbcv;                    // HDBSCAN rows
  std::vector<std::string> notes;  // skipped reductions and methods, with the reason
  double seconds = 0;

  // CSV: class,cluster_sizes,noise,preprocessing,reduction,features,clustering,params,silhouette,
  // dbcv,calinski_harabasz,davies_bouldin,fit_seconds,verdict,combination,error
  // (cluster_sizes as "[2778 1241 1904]", as the thesis's tables).
  std::string table_csv() const;
  // {"silhouette": Ranking::to_json(), "dbcv": ..., "notes": [...], "seconds": s}
  nlohmann::json ranking_json() const;
  // Both families' ranked combinations, then (after one blank line) both families' losses.
  std::string ranking_csv() const;
};

// Runs the grid on the samples of `classes` (images as bytes 0..255). The VAE reductions train one
// VAE on all images of `data` and one per class (or load them from o.vae().cache_dir()); a
// reduction that fails on a class (e.g. a VAE on images that are not 28x28) is skipped with a
// note; a clustering that
// fails on some data (e.g. a GMM covariance that is not positive definite) gives a row with verdict
// "failed". Progress with an ETA is logged (spdlog info). Throws mutagen::Error for bad
// data/classes.
GridResult run_grid(const Dataset& data, const std::vector<int64_t>& classes, const GridOptions& o,
                    uint64_t seed);

}  // namespace mutagen
