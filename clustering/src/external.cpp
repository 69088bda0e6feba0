// Dispatch to UMAP, HDBSCAN and DBCV (written by another helper, in this folder). They are
// referenced as weak symbols, so this part links and runs (throwing "not available yet") while they
// are absent.
#include <string>

#include "mutagen/error.h"
#include "steps.h"

#if __has_include("mutagen/clustering/umap.h")
#include "mutagen/clustering/umap.h"
namespace mutagen {
Eigen::MatrixXd umap_embed(const Eigen::MatrixXd& X, const UmapOptions& o) __attribute__((weak));
}
#define MUTAGEN_UMAP_HEADER 1
#endif
#if __has_include("mutagen/clustering/hdbscan.h")
#include "mutagen/clustering/hdbscan.h"
namespace mutagen {
std::vector<int64_t> hdbscan(const Eigen::MatrixXd& X, int64_t min_cluster_size,
                             int64_t min_samples) __attribute__((weak));
}
#define MUTAGEN_HDBSCAN_HEADER 1
#endif
#if __has_include("mutagen/clustering/dbcv.h")
#include "mutagen/clustering/dbcv.h"
namespace mutagen {
double dbcv(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels) __attribute__((weak));
}
#define MUTAGEN_DBCV_HEADER 1
#endif

namespace mutagen::clustering_detail {

bool umap_available() {
#ifdef MUTAGEN_UMAP_HEADER
  return &mutagen::umap_embed != nullptr;
#else
  return false;
#endif
}

bool hdbscan_available() {
#ifdef MUTAGEN_HDBSCAN_HEADER
  return &mutagen::hdbscan != nullptr;
#else
  return false;
#endif
}

bool dbcv_available() {
#ifdef MUTAGEN_DBCV_HEADER
  return &mutagen::dbcv != nullptr;
#else
  return false;
#endif
}

Eigen::MatrixXd run_umap(const Eigen::MatrixXd& X, int64_t components, uint64_t seed) {
#ifdef MUTAGEN_UMAP_HEADER
  if (umap_available())
    return mutagen::umap_embed(X,
                               UmapOptions().n_components(components).n_neighbors(15).seed(seed));
#endif
  (void)X;
  (void)components;
  (void)seed;
  throw Error("reduction umap: UMAP is not available yet in this build");
}

std::vector<int64_t> run_hdbscan(const Eigen::MatrixXd& X, int64_t min_cluster_size) {
#ifdef MUTAGEN_HDBSCAN_HEADER
  if (hdbscan_available()) return mutagen::hdbscan(X, min_cluster_size, -1);
#endif
  (void)X;
  (void)min_cluster_size;
  throw Error("clustering hdbscan: HDBSCAN is not available yet in this build");
}

double run_dbcv(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels) {
#ifdef MUTAGEN_DBCV_HEADER
  if (dbcv_available()) return mutagen::dbcv(X, labels);
#endif
  (void)X;
  (void)labels;
  throw Error("metric DBCV: DBCV is not available yet in this build");
}

}  // namespace mutagen::clustering_detail
