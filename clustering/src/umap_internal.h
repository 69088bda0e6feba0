#pragma once
// Internal pieces of UMAP (umap.cpp, umap_spectral.cpp, umap_sgd.cpp).
#include <Eigen/Dense>
#include <cstdint>
#include <memory>
#include <vector>

#include "knn.h"
#include "mutagen/clustering/umap.h"
#include "mutagen/random.h"

namespace mutagen::umap_detail {

using knn_detail::RowMatrixXd;

// A symmetric weighted graph in CSR form (no self loops), rows and columns sorted.
struct Graph {
  int64_t n = 0;
  std::vector<int64_t> row_ptr;  // n + 1
  std::vector<int32_t> col;
  std::vector<double> weight;
};

// umap-learn's fuzzy_simplicial_set: smooth-kNN calibration (rho, sigma by binary search to
// log2(k)), membership strengths, fuzzy union P + P^T - P o P^T.
Graph fuzzy_simplicial_set(const knn_detail::NeighborTable& knn);

// Drops edges whose weight is below max_weight / n_epochs (umap-learn's simplicial_set_embedding).
Graph prune_graph(const Graph& g, int64_t n_epochs);

// umap-learn's spectral_layout / multi_component_layout: eigenvectors 2..dim+1 of the normalised
// Laplacian per connected component, components placed apart. Returns an empty matrix when the
// eigensolver does not converge (the caller then falls back to random initialisation).
RowMatrixXd spectral_layout(const Graph& g, const RowMatrixXd& X, int64_t dim, Rng& rng);

// umap-learn's optimize_layout_euclidean (move_other = true, gamma = 1, 5 negative samples per
// positive, learning rate 1 decaying linearly, gradients clipped at 4). Deterministic for a seed.
void optimize_layout(RowMatrixXd& embedding, const Graph& g, double a, double b, int64_t n_epochs,
                     uint64_t seed, int threads);

// umap_embed with the neighbour graph (nearest neighbours, fuzzy simplicial set, pruned for the
// epochs) shared: built here when `graph` is null, else taken from it. The graph does not depend
// on n_components, so the grid builds it once for the 2-d and the 10-d embedding of the same data;
// the caller hands it only to runs on the same X with the same n_neighbors and epochs.
Eigen::MatrixXd umap_embed_sharing(const Eigen::MatrixXd& X, const UmapOptions& o,
                                   std::shared_ptr<const Graph>& graph);

}  // namespace mutagen::umap_detail
