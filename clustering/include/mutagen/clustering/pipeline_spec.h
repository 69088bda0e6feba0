#pragma once
// A parsed pipeline name (grammar in mutagen/clustering/pipeline.h): which preprocessing, scaling,
// reduction and clustering (with parameters) one combination uses.
#include <cstdint>
#include <string>
#include <vector>

#include "mutagen/clustering/agglomerative.h"
#include "mutagen/clustering/gmm.h"
#include "mutagen/clustering/scaling.h"

namespace mutagen {

enum class Reduction { Raw, Pca, Umap, Vae, VaeClass };
enum class ClusteringMethod { KMeans, Agglomerative, Gmm, Hdbscan };

struct PipelineSpec {
  bool threshold = false;
  Scaling scaling = Scaling::None;
  Reduction reduction = Reduction::Raw;
  double pca_variance = 0.95;  // pca95
  int64_t pca_components = 0;  // pca:<components> (> 0), else variance
  int64_t umap_components = 2;
  ClusteringMethod method = ClusteringMethod::KMeans;
  int64_t k = 0;  // KMeans/agglomerative/GMM; 0 = auto (kmeans only): best silhouette over 2..5
  Linkage linkage = Linkage::Ward;
  CovarianceType covariance = CovarianceType::Full;
  int64_t min_cluster_size = 0;  // HDBSCAN

  // Canonical name with every step spelled out: "[threshold+]<scaling>+<reduction>+<clustering>",
  // e.g. "normalisation+pca95+kmeans:3"; parse_pipeline(name()) gives this spec back.
  std::string name() const;
  std::string preprocessing_name() const;  // "threshold+normalisation" or "normalisation"
  std::string reduction_name() const;   // raw | pca95 | pca:<n> | umap2 | umap10 | vae | vae-class
  std::string clustering_name() const;  // e.g. "gmm:3:full"
  std::string method_name() const;      // kmeans | agglomerative | gmm | hdbscan
  bool uses_dbcv() const { return method == ClusteringMethod::Hdbscan; }
};

// Parses a pipeline name. Throws mutagen::Error naming the pipeline and the offending step and
// listing the valid steps, for: unknown steps, bad parameters, steps out of order or repeated, a
// missing clustering step, and threshold combined with a VAE (the VAEs take whole 28x28 images).
PipelineSpec parse_pipeline(const std::string& name);

// The valid steps, one line per kind (for messages and --help).
std::string pipeline_grammar();

}  // namespace mutagen
