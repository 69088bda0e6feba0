// Dispatch to UMAP, HDBSCAN and DBCV (umap.h, hdbscan.h, dbcv.h in this part). The *_available()
// switches stay so that the grid and the pipeline keep one place to skip a method with a note.
#include <string>

#include "mutagen/clustering/dbcv.h"
#include "mutagen/clustering/hdbscan.h"
#include "mutagen/clustering/umap.h"
#include "mutagen/error.h"
#include "steps.h"

namespace mutagen::clustering_detail {

bool umap_available() { return true; }
bool hdbscan_available() { return true; }
bool dbcv_available() { return true; }

Eigen::MatrixXd run_umap(const Eigen::MatrixXd& X, int64_t components, uint64_t seed) {
  // SPEC 2.1: n_neighbors 15 (umap-learn's default), min_dist 0.1.
  return umap_embed(X, UmapOptions().n_components(components).n_neighbors(15).seed(seed));
}

std::vector<int64_t> run_hdbscan(const Eigen::MatrixXd& X, int64_t min_cluster_size) {
  return hdbscan(X, min_cluster_size, -1);  // min_samples = min_cluster_size, as R's minPts
}

double run_dbcv(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels) {
  return dbcv(X, labels);
}

}  // namespace mutagen::clustering_detail
