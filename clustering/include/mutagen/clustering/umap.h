#pragma once
// UMAP (McInnes, Healy & Melville 2018) as umap-learn does it: exact k nearest neighbours,
// smooth-kNN calibration, fuzzy union, spectral initialisation, a/b fitted from min_dist/spread,
// and SGD with negative sampling. Deterministic: the same input and seed give the same embedding
// (for any `threads`).
#include <torch/arg.h>

#include <Eigen/Dense>
#include <cstdint>
#include <string>

namespace mutagen {

struct UmapOptions {
  // Dimensions of the embedding.
  TORCH_ARG(int64_t, n_components) = 2;
  // Neighbourhood size, the point itself included (as umap-learn).
  TORCH_ARG(int64_t, n_neighbors) = 15;
  TORCH_ARG(double, min_dist) = 0.1;
  TORCH_ARG(double, spread) = 1.0;
  // SGD epochs; 0 = as umap-learn: 500 for n <= 10000 samples, else 200.
  TORCH_ARG(int64_t, n_epochs) = 0;
  TORCH_ARG(uint64_t, seed) = 0;
  // "spectral" (normalised-Laplacian eigenvectors; random when that fails) or "random".
  TORCH_ARG(std::string, init) = "spectral";
  // Worker threads for the neighbour search and the SGD (results do not depend on it).
  TORCH_ARG(int, threads) = 2;
};

// Embeds the rows of X (samples x features) into o.n_components() dimensions; returns samples x
// n_components. Throws mutagen::Error for empty input, NaN/inf values, fewer samples than
// n_neighbors, or options out of range (each named in the message).
Eigen::MatrixXd umap_embed(const Eigen::MatrixXd& X, const UmapOptions& o = {});

// The curve parameters (a, b) of 1 / (1 + a d^(2b)) fitted by least squares to umap-learn's target
// curve for min_dist and spread (defaults give a ~ 1.577, b ~ 0.895).
struct UmapCurve {
  double a = 0;
  double b = 0;
};
UmapCurve umap_find_ab(double spread, double min_dist);

}  // namespace mutagen
