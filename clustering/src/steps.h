#pragma once
// Internal: the steps of one pipeline on one class's data, shared by cluster_dataset() and the grid
// so that a grid row and the same pipeline run on its own give identical labels (same seeds, same
// code).
#include <Eigen/Dense>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "mutagen/clustering/pipeline_spec.h"

namespace mutagen::clustering_detail {

// Seeds of class `cls` for the reduction (UMAP) and the clustering.
uint64_t reduction_seed(uint64_t seed, int64_t cls);
uint64_t clustering_seed(uint64_t seed, int64_t cls);

// Applies the reduction of `spec` (raw, PCA, UMAP). Throws mutagen::Error for the VAE reductions
// (vae.h is not wired in yet). *info (optional) receives e.g. "168 components, 0.95 of the
// variance".
Eigen::MatrixXd reduce(const Eigen::MatrixXd& X, const PipelineSpec& spec, uint64_t seed,
                       std::string* info = nullptr);

// Runs the clustering of `spec` with a fixed k (spec.k > 0 for KMeans/agglomerative/GMM). Labels
// are canonical: 0.. in order of first appearance, -1 = noise.
std::vector<int64_t> cluster(const Eigen::MatrixXd& Z, const PipelineSpec& spec, uint64_t seed);

// UMAP, HDBSCAN, DBCV (umap.h, hdbscan.h, dbcv.h), with the parameters SPEC 2.1 fixes.
// *_available() are the switches the grid consults to skip a method with a note (all true now).
bool umap_available();
bool hdbscan_available();
bool dbcv_available();
Eigen::MatrixXd run_umap(const Eigen::MatrixXd& X, int64_t components, uint64_t seed);
std::vector<int64_t> run_hdbscan(const Eigen::MatrixXd& X, int64_t min_cluster_size);
double run_dbcv(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels);

// Metrics of one labelling; NaN where a metric is undefined (fewer than 2 clusters) or not asked
// for.
struct Scores {
  double silhouette = std::numeric_limits<double>::quiet_NaN();
  double dbcv = std::numeric_limits<double>::quiet_NaN();
  double calinski_harabasz = std::numeric_limits<double>::quiet_NaN();
  double davies_bouldin = std::numeric_limits<double>::quiet_NaN();
  std::vector<int64_t> sizes;  // cluster sizes by id, noise excluded
  int64_t noise = 0;
};
Scores score(const Eigen::MatrixXd& Z, const std::vector<int64_t>& labels, bool silhouette,
             bool dbcv);

}  // namespace mutagen::clustering_detail
