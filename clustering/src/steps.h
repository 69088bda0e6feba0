#pragma once
// Internal: the steps of one pipeline on one class's data, shared by cluster_dataset() and the grid
// so that a grid row and the same pipeline run on its own give identical labels (same seeds, same
// code).
#include <Eigen/Dense>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "distances.h"
#include "mutagen/clustering/pipeline_spec.h"
#include "mutagen/clustering/vae.h"
#include "mutagen/dataset.h"

namespace mutagen::umap_detail {
struct Graph;
}

namespace mutagen::clustering_detail {

// The scaling actually computed for `s`. none, scale255 and normalisation differ by one global
// affine map x -> a x + b (a > 0), to which every reduction and clustering here is invariant up to
// rounding (PCA scores scale by a; UMAP's neighbour graph and smooth-kNN memberships, the VAE's
// [0, 1] input map, KMeans, agglomerative, HDBSCAN and all four metrics are unchanged; GMM's
// reg_covar is then applied at unit scale): all three are computed as normalisation, once, so
// they give the same clusters instead of three rounding-noise variants of them.
Scaling computed_scaling(Scaling s);

// Seeds of class `cls` for the reduction (UMAP) and the clustering.
uint64_t reduction_seed(uint64_t seed, int64_t cls);
uint64_t clustering_seed(uint64_t seed, int64_t cls);

// The VAEs of one clustering run (thesis 4.2.2): "vae" is one VAE trained on every image of the
// data set, "vae-class" one per class trained on that class's images. Each is trained on first use
// (or loaded from options.cache_dir()) and then shared by every scaling and clustering. Seeds
// derive from the run's seed (options.seed() is not used): the all-class VAE is the same for every
// class.
class VaeSet {
 public:
  // A trained VAE and what it is ("all-class VAE (10-d latent, 60000 images, 30 epochs)").
  struct Entry {
    VaeEncoder encoder;
    std::string description;
  };
  VaeSet(const Dataset& data, VaeOptions options, uint64_t seed);
  // The VAE for spec.reduction (Vae or VaeClass) and class `cls` (samples `positions`).
  const Entry& get(const PipelineSpec& spec, int64_t cls, const std::vector<int64_t>& positions);

 private:
  const Dataset& data_;
  VaeOptions options_;
  uint64_t seed_;
  std::unique_ptr<Entry> all_;
  std::string all_error_;
  std::map<int64_t, Entry> per_class_;
};

// Applies the reduction of `spec` to the scaled features X of class `cls`. The VAE reductions need
// `vaes` and the class's sample positions; their input is X mapped into [0, 1] by one affine map
// (X's global minimum and maximum), so the none, scale255 and normalisation scalings all give the
// VAE exactly the images it was trained on (bytes / 255), and standard/minmax keep their per-pixel
// weighting. *info (optional) receives e.g. "168 components, 0.95 of the variance". umap_graph
// (optional): UMAP's neighbour graph of X, built on the first UMAP reduction and reused by the
// next one of the same X (the grid's 2-d and 10-d UMAP; umap_embed_sharing, umap_internal.h).
// umap_threads: UMAP's threads (the embedding does not depend on it).
Eigen::MatrixXd reduce(const Eigen::MatrixXd& X, const PipelineSpec& spec, uint64_t seed,
                       std::string* info = nullptr, VaeSet* vaes = nullptr, int64_t cls = -1,
                       const std::vector<int64_t>* positions = nullptr,
                       std::shared_ptr<const umap_detail::Graph>* umap_graph = nullptr,
                       int umap_threads = 2);

// Runs the clustering of `spec` with a fixed k (spec.k > 0 for KMeans/agglomerative/GMM). Labels
// are canonical: 0.. in order of first appearance, -1 = noise. D (optional): Z's distance table,
// which HDBSCAN then reads instead of computing distances (cluster_dataset() and the grid both pass
// it when affordable, so a grid row and the pipeline run alone take the same path).
std::vector<int64_t> cluster(const Eigen::MatrixXd& Z, const PipelineSpec& spec, uint64_t seed,
                             const PairwiseDistances* D = nullptr);

// UMAP, HDBSCAN, DBCV (umap.h, hdbscan.h, dbcv.h), with the parameters SPEC 2.1 fixes.
Eigen::MatrixXd run_umap(const Eigen::MatrixXd& X, int64_t components, uint64_t seed,
                         std::shared_ptr<const umap_detail::Graph>* graph = nullptr,
                         int threads = 2);
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
// D (optional): Z's distance table, read by the silhouette and DBCV.
Scores score(const Eigen::MatrixXd& Z, const std::vector<int64_t>& labels, bool silhouette,
             bool dbcv, const PairwiseDistances* D = nullptr);
// Z's distance table when it fits in memory (PairwiseDistances::affordable), else null; in the
// memory of an earlier table when given one.
std::unique_ptr<PairwiseDistances> distance_table(const Eigen::MatrixXd& Z,
                                                  TableMemory memory = {});

}  // namespace mutagen::clustering_detail
