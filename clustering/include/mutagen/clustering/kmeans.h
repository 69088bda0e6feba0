#pragma once
// KMeans: greedy k-means++ seeding (as sklearn: 2 + log(k) local trials), Lloyd iterations, several
// seeded restarts, the lowest inertia wins.
#include <torch/arg.h>

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace mutagen {

struct KMeansOptions {
  TORCH_ARG(int64_t, k) = 3;
  TORCH_ARG(int64_t, n_init) = 10;     // restarts (sklearn's n_init=10)
  TORCH_ARG(int64_t, max_iter) = 300;  // Lloyd iterations per restart
  // Stop when the squared centre shift is <= tol * mean feature variance (sklearn's rule).
  TORCH_ARG(double, tol) = 1e-4;
  TORCH_ARG(uint64_t, seed) = 0;
};

struct KMeansResult {
  std::vector<int64_t> labels;  // 0..k-1 per sample (nearest centre)
  Eigen::MatrixXd centers;      // k x features
  double inertia = 0;           // sum of squared distances to the nearest centre
  int64_t iterations = 0;       // of the winning restart
};

// Throws mutagen::Error for empty data, NaN/inf, k < 1, k > samples, fewer than k distinct samples,
// n_init < 1 or max_iter < 1.
// An empty cluster is re-seeded with the sample farthest from its centre, so every cluster is
// non-empty whenever the data has at least k distinct samples.
KMeansResult kmeans(const Eigen::MatrixXd& X, const KMeansOptions& o = {});

}  // namespace mutagen
