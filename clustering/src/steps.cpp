#include "steps.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "linalg.h"
#include "mutagen/clustering/dbcv.h"
#include "mutagen/clustering/hdbscan.h"
#include "mutagen/clustering/kmeans.h"
#include "mutagen/clustering/metrics.h"
#include "mutagen/clustering/pca.h"
#include "mutagen/clustering/umap.h"
#include "mutagen/error.h"
#include "mutagen/random.h"
#include "umap_internal.h"

namespace mutagen::clustering_detail {

Scaling computed_scaling(Scaling s) {
  return s == Scaling::None || s == Scaling::Scale255 ? Scaling::Normalisation : s;
}

uint64_t reduction_seed(uint64_t seed, int64_t cls) {
  return derive_seed(derive_seed(seed, static_cast<uint64_t>(cls)), 1);
}
uint64_t clustering_seed(uint64_t seed, int64_t cls) {
  return derive_seed(derive_seed(seed, static_cast<uint64_t>(cls)), 2);
}

Eigen::MatrixXd run_umap(const Eigen::MatrixXd& X, int64_t components, uint64_t seed,
                         std::shared_ptr<const umap_detail::Graph>* graph, int threads) {
  // SPEC 2.1: n_neighbors 15 (umap-learn's default), min_dist 0.1.
  const UmapOptions o =
      UmapOptions().n_components(components).n_neighbors(15).seed(seed).threads(threads);
  if (!graph) return umap_embed(X, o);
  return umap_detail::umap_embed_sharing(X, o, *graph);
}

std::vector<int64_t> run_hdbscan(const Eigen::MatrixXd& X, int64_t min_cluster_size) {
  // min_samples = min_cluster_size (-1), as R's minPts.
  return mutagen::hdbscan(X, min_cluster_size, -1);
}

double run_dbcv(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels) {
  return mutagen::dbcv(X, labels);
}

VaeSet::VaeSet(const Dataset& data, VaeOptions options, uint64_t seed)
    : data_(data), options_(std::move(options)), seed_(seed) {}

const VaeSet::Entry& VaeSet::get(const PipelineSpec& spec, int64_t cls,
                                 const std::vector<int64_t>& positions) {
  auto fit = [&](const std::string& what, const torch::Tensor& images, uint64_t seed) {
    VaeOptions o = options_;
    o.seed(seed);
    VaeReport report;
    spdlog::debug("vae: the {} ({} images)", what, images.size(0));
    VaeEncoder encoder = VaeEncoder::fit(images, o, &report);
    return Entry{std::move(encoder), what + " (" + std::to_string(options_.latent_dim()) +
                                         "-d latent, " + std::to_string(images.size(0)) +
                                         " images, " + std::to_string(options_.epochs()) +
                                         " epochs" + (report.from_cache ? ", from the cache" : "") +
                                         ")"};
  };
  if (spec.reduction == Reduction::Vae) {
    // A VAE that cannot be trained fails once, not once per class and scaling.
    if (!all_error_.empty()) throw Error(all_error_);
    if (!all_) {
      try {
        // One seed for every class: the all-class VAE must not depend on the class.
        all_ = std::make_unique<Entry>(
            fit("all-class VAE", data_.images, derive_seed(seed_, 0x766165)));
      } catch (const Error& e) {
        all_error_ = e.what();
        throw;
      }
    }
    return *all_;
  }
  if (spec.reduction != Reduction::VaeClass)
    throw Error("VaeSet: not a VAE reduction (internal error)");
  auto it = per_class_.find(cls);
  if (it == per_class_.end()) {
    const torch::Tensor idx = torch::tensor(positions, torch::kInt64);
    it = per_class_
             .emplace(cls, fit("VAE of class " + std::to_string(cls),
                               data_.images.index_select(0, idx), reduction_seed(seed_, cls)))
             .first;
  }
  return it->second;
}

Eigen::MatrixXd reduce(const Eigen::MatrixXd& X, const PipelineSpec& spec, uint64_t seed,
                       std::string* info, VaeSet* vaes, int64_t cls,
                       const std::vector<int64_t>* positions,
                       std::shared_ptr<const umap_detail::Graph>* umap_graph, int umap_threads) {
  switch (spec.reduction) {
    case Reduction::Raw:
      return X;
    case Reduction::Pca: {
      PcaModel model;
      Eigen::MatrixXd Z = pca_fit_transform(
          X, PcaOptions().variance(spec.pca_variance).n_components(spec.pca_components), &model);
      if (info)
        *info = std::to_string(Z.cols()) + " components, " +
                std::to_string(model.explained_variance_ratio.sum()) + " of the variance";
      return Z;
    }
    case Reduction::Umap:
      return run_umap(X, spec.umap_components, seed, umap_graph, umap_threads);
    case Reduction::Vae:
    case Reduction::VaeClass: {
      if (!vaes || !positions)
        throw Error("reduction " + spec.reduction_name() + ": no VAE set given (internal error)");
      const double lo = X.minCoeff(), hi = X.maxCoeff();
      if (!(hi > lo))
        throw Error("reduction " + spec.reduction_name() +
                    ": every pixel value is the same after scaling; nothing to encode");
      using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
      RowMajorF unit = ((X.array() - lo) / (hi - lo)).cwiseMax(0.0).cwiseMin(1.0).cast<float>();
      const torch::Tensor images =
          torch::from_blob(unit.data(), {unit.rows(), unit.cols()}, torch::kFloat32);
      const VaeSet::Entry& vae = vaes->get(spec, cls, *positions);
      if (info) *info = vae.description;
      return vae.encoder.encode(images);
    }
  }
  throw Error("reduction: unknown (internal error)");
}

std::unique_ptr<PairwiseDistances> distance_table(const Eigen::MatrixXd& Z, TableMemory memory) {
  if (!PairwiseDistances::affordable(Z.rows())) return nullptr;
  return std::make_unique<PairwiseDistances>(Z, std::move(memory));
}

std::vector<int64_t> cluster(const Eigen::MatrixXd& Z, const PipelineSpec& spec, uint64_t seed,
                             const PairwiseDistances* D) {
  switch (spec.method) {
    case ClusteringMethod::KMeans:
      if (spec.k < 1) throw Error("kmeans: k must be set (internal error)");
      return canonical_labels(kmeans(Z, KMeansOptions().k(spec.k).seed(seed)).labels);
    case ClusteringMethod::Agglomerative:
      return canonical_labels(D ? linkage_tree(*D, spec.linkage).cut(spec.k)
                                : agglomerative(Z, spec.k, spec.linkage));
    case ClusteringMethod::Gmm:
      return canonical_labels(
          gaussian_mixture(Z, GmmOptions().k(spec.k).covariance(spec.covariance).seed(seed))
              .labels);
    case ClusteringMethod::Hdbscan:
      return canonical_labels(D ? hdbscan(*D, spec.min_cluster_size, -1)
                                : run_hdbscan(Z, spec.min_cluster_size));
  }
  throw Error("clustering: unknown method (internal error)");
}

Scores score(const Eigen::MatrixXd& Z, const std::vector<int64_t>& labels, bool silhouette,
             bool dbcv, const PairwiseDistances* D) {
  Scores s;
  s.sizes = cluster_sizes(labels, &s.noise);
  const int64_t clustered = static_cast<int64_t>(labels.size()) - s.noise;
  const int64_t k = static_cast<int64_t>(s.sizes.size());
  if (k < 2 || k > clustered - 1) return s;  // every metric undefined
  if (silhouette)
    s.silhouette = D ? silhouette_score(*D, labels) : mutagen::silhouette_score(Z, labels);
  if (dbcv) s.dbcv = D ? clustering_detail::dbcv(Z, *D, labels) : run_dbcv(Z, labels);
  s.calinski_harabasz = calinski_harabasz_score(Z, labels);
  s.davies_bouldin = davies_bouldin_score(Z, labels);
  return s;
}

}  // namespace mutagen::clustering_detail
