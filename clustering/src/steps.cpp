#include "steps.h"

#include "linalg.h"
#include "mutagen/clustering/kmeans.h"
#include "mutagen/clustering/metrics.h"
#include "mutagen/clustering/pca.h"
#include "mutagen/error.h"
#include "mutagen/random.h"

namespace mutagen::clustering_detail {

uint64_t reduction_seed(uint64_t seed, int64_t cls) {
  return derive_seed(derive_seed(seed, static_cast<uint64_t>(cls)), 1);
}
uint64_t clustering_seed(uint64_t seed, int64_t cls) {
  return derive_seed(derive_seed(seed, static_cast<uint64_t>(cls)), 2);
}

Eigen::MatrixXd reduce(const Eigen::MatrixXd& X, const PipelineSpec& spec, uint64_t seed,
                       std::string* info) {
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
      return run_umap(X, spec.umap_components, seed);
    case Reduction::Vae:
    case Reduction::VaeClass:
      throw Error("reduction " + spec.reduction_name() +
                  ": the VAE reductions are not implemented yet (planned)");
  }
  throw Error("reduction: unknown (internal error)");
}

std::vector<int64_t> cluster(const Eigen::MatrixXd& Z, const PipelineSpec& spec, uint64_t seed) {
  switch (spec.method) {
    case ClusteringMethod::KMeans:
      if (spec.k < 1) throw Error("kmeans: k must be set (internal error)");
      return canonical_labels(kmeans(Z, KMeansOptions().k(spec.k).seed(seed)).labels);
    case ClusteringMethod::Agglomerative:
      return canonical_labels(agglomerative(Z, spec.k, spec.linkage));
    case ClusteringMethod::Gmm:
      return canonical_labels(
          gaussian_mixture(Z, GmmOptions().k(spec.k).covariance(spec.covariance).seed(seed))
              .labels);
    case ClusteringMethod::Hdbscan:
      return canonical_labels(run_hdbscan(Z, spec.min_cluster_size));
  }
  throw Error("clustering: unknown method (internal error)");
}

Scores score(const Eigen::MatrixXd& Z, const std::vector<int64_t>& labels, bool silhouette,
             bool dbcv) {
  Scores s;
  s.sizes = cluster_sizes(labels, &s.noise);
  const int64_t clustered = static_cast<int64_t>(labels.size()) - s.noise;
  const int64_t k = static_cast<int64_t>(s.sizes.size());
  if (k < 2 || k > clustered - 1) return s;  // every metric undefined
  if (silhouette) s.silhouette = silhouette_score(Z, labels);
  if (dbcv) s.dbcv = run_dbcv(Z, labels);
  s.calinski_harabasz = calinski_harabasz_score(Z, labels);
  s.davies_bouldin = davies_bouldin_score(Z, labels);
  return s;
}

}  // namespace mutagen::clustering_detail
