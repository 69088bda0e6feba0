#include "mutagen/clustering/pipeline.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include "class_data.h"
#include "linalg.h"
#include "mutagen/clustering/pipeline_spec.h"
#include "mutagen/clustering/threshold.h"
#include "mutagen/error.h"
#include "steps.h"

namespace mutagen {
namespace {

using namespace clustering_detail;

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

ClusterFile cluster_dataset(const Dataset& data, const std::vector<int64_t>& classes,
                            const std::string& pipeline, uint64_t seed, const VaeOptions& vae) {
  const PipelineSpec spec = parse_pipeline(pipeline);
  const std::string what = "clustering '" + pipeline + "'";
  const int64_t total = check_dataset(data, what);
  check_classes(data, classes, what);
  // As run_grid: BLAS on one thread, so a pipeline alone gives its grid row's numbers.
  const OneBlasThread one_blas_thread;

  ClusterFile file;
  file.dataset_name = data.name;
  file.dataset_size = total;
  file.pipeline = spec.name();
  file.seed = seed;
  file.details = nlohmann::json::object();

  std::vector<int64_t> active;
  if (spec.threshold) {
    active = active_features_from_means(feature_means(data));
    file.details["threshold"] = {
        {"rule",
         "keep features whose mean byte value over the whole data set is >= 0.078 x the "
         "largest feature mean (thesis 4.2.1)"},
        {"fraction", kThresholdFraction},
        {"features_kept", active.size()}};
  }
  VaeSet vaes(data, vae, seed);
  nlohmann::json per_class = nlohmann::json::object();
  for (int64_t cls : classes) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<int64_t> positions = class_positions(data, cls);
    Eigen::MatrixXd X = image_bytes(data, positions);
    if (spec.threshold) X = select_features(X, active);
    nlohmann::json d = {{"samples", positions.size()}, {"input_features", X.cols()}};
    try {
      X = scale_features(X, computed_scaling(spec.scaling));
      if (computed_scaling(spec.scaling) != spec.scaling)
        d["scaling_computed_as"] = to_string(computed_scaling(spec.scaling));
      if (X.rows() > 1 && (X.rowwise() - X.row(0)).cwiseAbs().maxCoeff() == 0.0)
        throw Error("all samples are identical after preprocessing; nothing to cluster");
      std::string info;
      const Eigen::MatrixXd Z =
          reduce(X, spec, reduction_seed(seed, cls), &info, &vaes, cls, &positions);
      d["features"] = Z.cols();
      if (!info.empty()) d["reduction"] = info;
      const uint64_t cseed = clustering_seed(seed, cls);
      const std::unique_ptr<PairwiseDistances> dist = distance_table(Z);
      std::vector<int64_t> labels;
      Scores best_scores;
      const bool auto_k = spec.method == ClusteringMethod::KMeans && spec.k == 0;
      if (auto_k) {
        // kmeans:auto: k in 2..5 with the best silhouette (ties: the smaller k).
        const int64_t n = Z.rows();
        if (n < 3)
          throw Error("kmeans:auto needs at least 3 samples; class has " + std::to_string(n));
        double best = -2.0;
        nlohmann::json candidates = nlohmann::json::array();
        for (int64_t k = 2; k <= std::min<int64_t>(5, n - 1); ++k) {
          PipelineSpec s = spec;
          s.k = k;
          std::vector<int64_t> l = cluster(Z, s, cseed, dist.get());
          const Scores sc = score(Z, l, true, false, dist.get());
          candidates.push_back({{"k", k}, {"silhouette", number_or_null(sc.silhouette)}});
          if (std::isfinite(sc.silhouette) && sc.silhouette > best) {
            best = sc.silhouette;
            best_scores = sc;
            labels = std::move(l);
            d["k"] = k;
          }
        }
        d["auto_k"] = candidates;
        if (labels.empty()) throw Error("kmeans:auto found no k in 2..5 with two or more clusters");
      } else {
        labels = cluster(Z, spec, cseed, dist.get());
        if (spec.k > 0) d["k"] = spec.k;
        if (spec.method == ClusteringMethod::Hdbscan) d["min_cluster_size"] = spec.min_cluster_size;
      }
      if (!auto_k) best_scores = score(Z, labels, !spec.uses_dbcv(), spec.uses_dbcv(), dist.get());
      const Scores& sc = best_scores;
      d["clusters"] = sc.sizes.size();
      d["cluster_sizes"] = sc.sizes;
      d["noise"] = sc.noise;
      d["silhouette"] = number_or_null(sc.silhouette);
      d["dbcv"] = number_or_null(sc.dbcv);
      d["calinski_harabasz"] = number_or_null(sc.calinski_harabasz);
      d["davies_bouldin"] = number_or_null(sc.davies_bouldin);
      d["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ClassClusters cc;
      cc.cls = cls;
      cc.samples = positions;
      cc.labels = std::move(labels);
      file.classes.push_back(std::move(cc));
      spdlog::info("cluster {} class {}: {} samples, {} features -> {} clusters {} ({:.2f} s)",
                   file.pipeline, cls, positions.size(), d["features"].get<int64_t>(),
                   sc.sizes.size(), d["cluster_sizes"].dump(), d["seconds"].get<double>());
    } catch (const Error& e) {
      throw Error(what + ", class " + std::to_string(cls) + " (" +
                  std::to_string(positions.size()) + " samples): " + e.what());
    }
    per_class[std::to_string(cls)] = std::move(d);
  }
  file.details["classes"] = std::move(per_class);
  return file;
}

}  // namespace mutagen
