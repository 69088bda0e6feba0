#pragma once
// Agglomerative (hierarchical) clustering with Euclidean distances: ward, complete or average
// linkage, by the nearest-neighbour chain (as scipy.cluster.hierarchy.linkage, which sklearn's
// AgglomerativeClustering uses) with Lance-Williams updates on a float distance matrix: n^2 floats,
// 144 MB for 6,000 samples (square rather than condensed so that the chain's scans are contiguous;
// the condensed layout's strided scans took twice as long). The tree is built once and can be cut
// at any number of clusters.
#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

namespace mutagen {

enum class Linkage { Ward, Complete, Average };

// Step names: ward | complete | average.
const std::vector<std::string>& linkage_names();
std::string to_string(Linkage l);
Linkage parse_linkage(const std::string& name);  // throws mutagen::Error listing the valid names

// One merge of the dendrogram, scipy's linkage-matrix convention: clusters 0..n-1 are the samples,
// merge i creates cluster n + i; merges are sorted by height.
struct Merge {
  int64_t a = 0, b = 0;  // merged clusters, a < b
  double height = 0;     // linkage distance (ward: scipy's Ward distance)
  int64_t size = 0;      // samples in the new cluster
};

struct Dendrogram {
  int64_t n = 0;
  std::vector<Merge> merges;  // n - 1

  // Labels for k clusters (the first n - k merges), numbered 0..k-1 in order of first appearance.
  // Throws mutagen::Error for k < 1 or k > n.
  std::vector<int64_t> cut(int64_t k) const;
};

// Throws mutagen::Error for empty data, NaN/inf, or more than 30,000 samples (the matrix would
// take 3.6 GB).
Dendrogram linkage_tree(const Eigen::MatrixXd& X, Linkage linkage);

// linkage_tree(X, linkage).cut(k); throws mutagen::Error also for k < 1 or k > samples.
std::vector<int64_t> agglomerative(const Eigen::MatrixXd& X, int64_t k, Linkage linkage);

}  // namespace mutagen
