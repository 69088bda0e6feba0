#pragma once
// Internal to the arachne family: scores many candidate values of the localised weights at once.
// The activations entering the target layer are computed once; each candidate differs from the
// original layer only in the localised weights, so its layer output is the original output plus the
// contribution of the weight deltas (for Conv2d only in the output channels that hold localised
// weights), and the rest of the model runs on all candidates' outputs in one batch.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "arachne_internal.h"
#include "mutagen/dataset.h"
#include "mutagen/model.h"
#include "mutagen/mutators/arachne.h"

namespace mutagen::internal {

struct CandidateScores {
  torch::Tensor fitness;           // float64 [P]: SPEC eq. 4.11-4.13, other classes in the pos term
  torch::Tensor neg_mispredicted;  // float64 [P]: fraction of I_neg each candidate mispredicts
};

class CandidateEvaluator {
 public:
  // `neg` must be non-empty; `keep` holds the inputs whose prediction must stay (I_pos and the
  // other classes' correctly classified inputs).
  // `keep_weight` scales the keep inputs' term of the fitness (ArachneOptions::keep_weight).
  CandidateEvaluator(const Model& model, int64_t layer, std::vector<int64_t> selected,
                     const Dataset& neg, const Dataset& keep, double keep_weight = 1.0);

  // values: [P, m] candidate values of the m localised weights.
  CandidateScores score(const torch::Tensor& values) const;
  // The original values of the localised weights, float32 [m].
  const torch::Tensor& original_values() const { return original_; }
  int64_t evaluations() const { return evaluations_; }

 private:
  torch::Tensor logits_chunk(const torch::Tensor& deltas) const;  // [p, N, C]
  // Conv2d: the change of the affected channels' outputs, [p, N, O_aff, H, W].
  torch::Tensor moved_channels(const torch::Tensor& deltas) const;
  void prepare_conv(const torch::Tensor& flat);

  Model model_;
  int64_t layer_;
  int64_t end_;
  KernelLayer kernel_;
  std::vector<int64_t> selected_;
  torch::Tensor input_;   // activations entering the layer, [N, ...]
  torch::Tensor output_;  // the original layer output, [N, ...]
  torch::Tensor labels_;  // [N]
  torch::Tensor is_neg_;  // bool [N]
  int64_t neg_count_ = 0;
  double keep_weight_ = 1.0;
  torch::Tensor original_;  // [m]
  // Linear: input columns and output rows of the localised weights. Conv2d: affected output
  // channels, and where each localised weight sits in the [channels, Q] delta kernel.
  torch::Tensor rows_, cols_;
  torch::Tensor channels_;  // int64 [O_aff]
  // Per affected channel, the positions (into the m localised weights) of its weights.
  std::vector<torch::Tensor> channel_weights_;
  // Per affected channel, the input values each of its weights multiplies at every output
  // position, [weights, N*H*W]: a candidate moves the channel by sum over its weights of delta
  // times patch (one multiply-add per localised weight and output element instead of a
  // convolution).
  std::vector<torch::Tensor> channel_patches_;
  torch::Tensor affected_output_;  // the original output of the affected channels, [N, O_aff, H, W]
  // When the layers after the convolution act channel by channel (ReLU, pooling, dropout) up to a
  // Flatten and a Linear, only the affected channels are carried through them and the Linear's
  // output moves by its weight columns of those channels: tail_end_ is the Flatten's index (0: no
  // such tail).
  int64_t tail_end_ = 0;
  torch::Tensor tail_original_;  // the original affected channels at the Flatten, [N, O_aff, h, w]
  torch::Tensor tail_weight_;    // the Linear's columns of those channels, [out, O_aff * h * w]
  torch::Tensor tail_output_;    // the Linear's original output, [N, out]
  int64_t chunk_ = 1;            // candidates per batch (memory bound)
  mutable int64_t evaluations_ = 0;
};

// A deep copy of `original` whose layer `layer` has `values` at the flat positions `selected`.
Model with_values(const Model& original, int64_t layer, const std::vector<int64_t>& selected,
                  const torch::Tensor& values);

// Checks the mutation inputs and the layer option; returns the target layer.
int64_t prepare_target(const std::string& mutator, const Model& original, const MutationInputs& in,
                       const ArachneOptions& options);

}  // namespace mutagen::internal
