#pragma once
// The cluster file: which cluster every training sample of each class belongs to, and the pipeline that
// made it. Every clustering (the minimal PCA+KMeans, the full grid) writes it; every mutator reads it.
//
// JSON layout (format "mutagen-clusters", version 1):
//   { "format": "mutagen-clusters", "version": 1,
//     "dataset": { "name": "...", "size": N },      // the data set whose positions `samples` refer to
//     "pipeline": "normalisation+pca95+kmeans:3", "seed": 0, "details": {...},
//     "classes": [ { "class": 0, "samples": [i, ...], "labels": [cluster id or -1 (noise), ...] } ] }
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mutagen {

struct ClassClusters {
  int64_t cls = 0;
  std::vector<int64_t> samples;  // positions in the data set
  std::vector<int64_t> labels;   // cluster id per sample; -1 = noise, never a cluster

  std::vector<int64_t> cluster_ids() const;  // sorted, without -1
  std::vector<int64_t> members(int64_t cluster) const;
  // Samples in any cluster other than `cluster` (noise excluded).
  std::vector<int64_t> non_members(int64_t cluster) const;
};

struct ClusterFile {
  std::string dataset_name;
  int64_t dataset_size = 0;
  std::string pipeline;
  uint64_t seed = 0;
  nlohmann::json details = nlohmann::json::object();
  std::vector<ClassClusters> classes;

  bool has_class(int64_t cls) const;
  const ClassClusters& for_class(int64_t cls) const;  // throws mutagen::Error if absent

  nlohmann::json to_json() const;
  static ClusterFile from_json(const nlohmann::json& j, const std::string& source = "<json>");
  void save(const std::string& path) const;  // atomic
  static ClusterFile load(const std::string& path);
};

}  // namespace mutagen
