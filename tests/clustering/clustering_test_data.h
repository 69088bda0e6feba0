#pragma once
// Synthetic data for the clustering tests: Gaussian blobs, and small image data sets.
#include <torch/torch.h>

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "mutagen/dataset.h"
#include "mutagen/random.h"

namespace mutagen::clustering_test {

// `per_blob` samples around each of `centers` (rows) with standard deviation `sd`; labels 0..k-1.
inline Eigen::MatrixXd blobs(const Eigen::MatrixXd& centers, int64_t per_blob, double sd,
                             uint64_t seed, std::vector<int64_t>* truth) {
  Rng rng(seed);
  const int64_t k = centers.rows(), d = centers.cols();
  Eigen::MatrixXd X(k * per_blob, d);
  if (truth) truth->clear();
  // Interleave the blobs so that sample order carries no information.
  for (int64_t i = 0; i < per_blob; ++i)
    for (int64_t c = 0; c < k; ++c) {
      const int64_t row = i * k + c;
      for (int64_t j = 0; j < d; ++j) X(row, j) = centers(c, j) + sd * rng.normal();
      if (truth) truth->push_back(c);
    }
  return X;
}

// Three well separated blobs in 4 dimensions.
inline Eigen::MatrixXd three_blobs(int64_t per_blob, uint64_t seed, std::vector<int64_t>* truth) {
  Eigen::MatrixXd centers(3, 4);
  centers << 0, 0, 0, 0,  //
      10, 0, 0, 0,        //
      0, 10, 0, 5;
  return blobs(centers, per_blob, 1.0, seed, truth);
}

// A small image data set [N, 1, 6, 6] with values k/255: class 0 has two groups (bright top rows or
// bright bottom rows), class 1 one group (bright centre), class 2 two groups (left / right
// columns). *group receives the true group of every sample (class-local ids).
inline Dataset image_groups(int64_t per_group, uint64_t seed, std::vector<int64_t>* group) {
  Rng rng(seed);
  std::vector<float> pixels;
  std::vector<int64_t> labels;
  if (group) group->clear();
  auto add = [&](int64_t cls, int64_t g, auto bright) {
    for (int64_t r = 0; r < 6; ++r)
      for (int64_t c = 0; c < 6; ++c) {
        double v = bright(r, c) ? 200.0 + 40.0 * rng.uniform() : 20.0 * rng.uniform();
        pixels.push_back(static_cast<float>(std::round(v) / 255.0));
      }
    labels.push_back(cls);
    if (group) group->push_back(g);
  };
  for (int64_t i = 0; i < per_group; ++i) {
    add(0, 0, [](int64_t r, int64_t) { return r < 2; });
    add(1, 0, [](int64_t r, int64_t c) { return r >= 2 && r < 4 && c >= 2 && c < 4; });
    add(0, 1, [](int64_t r, int64_t) { return r >= 4; });
    add(2, 0, [](int64_t, int64_t c) { return c < 2; });
    add(2, 1, [](int64_t, int64_t c) { return c >= 4; });
  }
  Dataset d;
  d.name = "synthetic-groups";
  const int64_t n = static_cast<int64_t>(labels.size());
  d.images = torch::from_blob(pixels.data(), {n, 1, 6, 6}, torch::kFloat32).clone();
  d.labels = torch::tensor(labels, torch::kInt64);
  d.num_classes = 3;
  return d;
}

// The groups of the samples of class `cls` (in data set order).
inline std::vector<int64_t> groups_of(const Dataset& d, const std::vector<int64_t>& group,
                                      int64_t cls) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < d.labels.size(0); ++i)
    if (d.labels[i].item<int64_t>() == cls) out.push_back(group[i]);
  return out;
}

}  // namespace mutagen::clustering_test
