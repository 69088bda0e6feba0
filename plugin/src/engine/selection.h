#pragma once
// Inputs of a mutant (SPEC 2.2), per original instance: I_neg = the cluster's members the instance
// classifies correctly, I_pos = the correctly classified rest of the class (its other clusters and
// its noise, the samples in no cluster); a
// seeded fraction of each is held out (never used to make the mutant) to measure generalisation.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mutagen/clusters.h"
#include "mutagen/mutators/mutator.h"

namespace mutagen::internal {

struct InputSelection {
  std::vector<int64_t> neg, pos;                  // used to make the mutant
  std::vector<int64_t> heldout_neg, heldout_pos;  // held out
  std::vector<int64_t> other;                     // correctly classified other-class samples (pool)
};

// `correct`: bool [N] over the training data, true where the instance predicts the true label.
InputSelection select_inputs(const torch::Tensor& correct, const torch::Tensor& labels,
                             const ClassClusters& clusters, int64_t cluster,
                             double heldout_fraction, double other_ratio, uint64_t seed);

MutationInputs make_inputs(const Dataset& training, const InputSelection& selection, int64_t cls,
                           int64_t cluster, uint64_t seed);

}  // namespace mutagen::internal
