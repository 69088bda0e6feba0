#pragma once
// Internal to the arachne family: scores many candidate values of the localised weights at once.
// The activations entering the target layer are computed once; each candidate differs from the
// original layer only in the localised weights, so its layer output is the original output plus the
// contribution of the weight deltas (for Conv2d only in the output channels that hold localised
// weights), and the rest of the model runs on all candidates' outputs in one batch.
//
// The fitness is a sum of bounded per-input scores, so the inputs are scored in stages (I_neg
// first, then the inputs to keep, those the original is least sure of first): given a bar per
// candidate (differential evolution's current member), a candidate that cannot reach its bar even
// if every remaining input scored its maximum is dropped early. The result is exact: a candidate
// that could reach its bar is scored on every input.
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "arachne_internal.h"
#include "mutagen/dataset.h"
#include "mutagen/model.h"
#include "mutagen/mutators/arachne.h"

namespace mutagen::internal {

struct CandidateScores {
  // float64 [P]: SPEC eq. 4.11-4.13, other classes in the pos term; -inf for a candidate dropped
  // because it could not reach its bar.
  torch::Tensor fitness;
  // float64 [P]: fraction of I_neg each candidate mispredicts (NaN when dropped).
  torch::Tensor neg_mispredicted;
};

// How much each input counts in the fitness; SPEC's is 1 for every input.
struct InputWeights {
  double neg = 1.0;    // each cluster member
  torch::Tensor keep;  // float64 [|keep|], one per input to keep; undefined: 1 for each
};

// How the inputs score beyond SPEC's rules (ArachneOptions keep_margin and neg_score).
struct ScoringRules {
  double keep_margin = 0.0;  // an input to keep must hold its logit margin up to this
  bool bounded_neg = false;  // a correct cluster member scores loss / (1 + loss), not its loss
};

class CandidateEvaluator {
 public:
  // `neg` must be non-empty; `keep` holds the inputs whose prediction must stay (I_pos and the
  // other classes' correctly classified inputs).
  CandidateEvaluator(const Model& model, int64_t layer, std::vector<int64_t> selected,
                     const Dataset& neg, const Dataset& keep, const InputWeights& weights = {},
                     const ScoringRules& rules = {});

  // values: [P, m] candidate values of the m localised weights. bar (optional, [P]): candidate c
  // matters only if its fitness is at least bar[c]; one that provably is not is dropped early.
  CandidateScores score(const torch::Tensor& values, const torch::Tensor& bar = {}) const;
  // The original values of the localised weights, float32 [m].
  const torch::Tensor& original_values() const { return original_; }
  // Candidates scored, and input-candidate pairs actually evaluated (what early dropping saves).
  int64_t evaluations() const { return evaluations_; }
  int64_t input_evaluations() const { return input_evaluations_; }

 private:
  // A slice of the inputs and everything precomputed for it.
  struct Stage {
    int64_t size = 0;
    torch::Tensor labels;  // [n]
    torch::Tensor is_neg;  // bool [n]
    torch::Tensor weight;  // float64 [n]: how much each input counts
    double best = 0;       // the largest score its inputs can add
    // keep_margin: per input the logit margin it must hold to count as kept (undefined: correct).
    torch::Tensor hold;
    torch::Tensor input;   // activations entering the layer, [n, ...]
    torch::Tensor output;  // the original layer output, [n, ...]
    // Conv2d: per affected channel, the input values each of its weights multiplies at every
    // output position, [weights, n*H*W]: a candidate moves the channel by sum over its weights of
    // delta times patch (one multiply-add per localised weight and output element instead of a
    // convolution).
    std::vector<torch::Tensor> channel_patches;
    torch::Tensor affected_output;  // the original output of the affected channels [n, O_aff, H, W]
    torch::Tensor tail_original;    // Flatten tail: the affected channels at the Flatten
    torch::Tensor tail_output;      // Flatten tail: the Linear's original output, [n, out]
    torch::Tensor next_input;       // next convolution: its original input, affected channels only
    torch::Tensor next_output;      // next convolution: its original output, [n, O2, H2, W2]
    int64_t chunk = 1;              // candidates per batch (memory bound)
  };

  Stage prepare_stage(const torch::Tensor& images, const torch::Tensor& labels,
                      const torch::Tensor& is_neg, const torch::Tensor& weight) const;
  void prepare_conv(const torch::Tensor& flat, const torch::Tensor& sample_output);
  torch::Tensor logits_chunk(const Stage& s, const torch::Tensor& deltas) const;  // [p, n, C]
  // The model's layers [begin, end) at inference, a ReLU followed by a max-pooling run pooling
  // first, and a batch norm in affine_ as its map when `x` holds the affected channels only.
  torch::Tensor forward(torch::Tensor x, int64_t begin, int64_t end) const;
  // Conv2d: the change of the affected channels' outputs, [p, n, O_aff, H, W].
  torch::Tensor moved_channels(const Stage& s, const torch::Tensor& deltas) const;

  Model model_;
  std::vector<std::string> kinds_;  // each layer's kind
  int64_t layer_;
  int64_t end_;
  KernelLayer kernel_;
  std::vector<int64_t> selected_;
  std::vector<Stage> stages_;
  int64_t neg_count_ = 0;
  torch::Tensor original_;  // [m]
  // Linear: input columns and output rows of the localised weights.
  torch::Tensor rows_, cols_;
  // Conv2d: affected output channels; per affected channel, the positions (into the m localised
  // weights) of its weights; per localised weight, its (input channel, kernel row, kernel column).
  torch::Tensor channels_;  // int64 [O_aff]
  std::vector<torch::Tensor> channel_weights_;
  std::vector<std::array<int64_t, 3>> taps_;
  // When the layers after the convolution act channel by channel (ReLU, pooling, dropout) up to a
  // Flatten and a Linear, only the affected channels are carried through them and the Linear's
  // output moves by its weight columns of those channels: tail_end_ is the Flatten's index (0: no
  // such tail).
  int64_t tail_end_ = 0;
  // Batch norms between the convolution and that Flatten or next convolution, by layer index: their
  // scale and shift for the affected channels, [1, O_aff, 1, 1] each.
  std::map<int64_t, std::pair<torch::Tensor, torch::Tensor>> affine_;
  torch::Tensor tail_weight_;  // the Linear's columns of those channels, [out, O_aff * h * w]
  // When they lead to another convolution instead, that convolution's output moves by its own
  // convolution of the affected channels' change (it is linear in its input): next_conv_ is its
  // index (0: none), next_weight_ its weight's columns of the affected channels.
  int64_t next_conv_ = 0;
  torch::Tensor next_weight_;
  ConvGeometry next_geometry_;
  int64_t carried_ = 1;  // elements per input and candidate a batch holds at its widest
  bool bounded_neg_ = false;
  mutable int64_t evaluations_ = 0;
  mutable int64_t input_evaluations_ = 0;
};

// The weights arachne-de scores I_neg and the inputs to keep (I_pos, then the other classes) with:
// SPEC's 1 each, keep_weight for the inputs to keep; with `balance`, I_neg and I_pos also count as
// if each had their mean size.
InputWeights input_weights(const MutationInputs& in, const ArachneOptions& options);

// A deep copy of `original` whose layer `layer` has `values` at the flat positions `selected`.
Model with_values(const Model& original, int64_t layer, const std::vector<int64_t>& selected,
                  const torch::Tensor& values);

// Checks the mutation inputs and the layer option; returns the target layer.
int64_t prepare_target(const std::string& mutator, const Model& original, const MutationInputs& in,
                       const ArachneOptions& options);

}  // namespace mutagen::internal
