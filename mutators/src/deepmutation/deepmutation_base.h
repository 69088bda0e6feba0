#pragma once
// What the DeepMutation++ operators share: choosing the layer (explicit or seeded), choosing which
// weights or neurons, finding a layer's bias, and checking a structural mutant still runs.
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mutagen/model.h"
#include "mutagen/mutators/deepmutation.h"
#include "mutagen/random.h"

namespace mutagen::internal {

// Which layers an operator applies to: true when layer k of `model` is one.
using LayerFilter = std::function<bool(const Model& model, int64_t k)>;

// options.layer() if it exists and passes `eligible`, else (layer -1) a seeded choice among the
// layers that pass. Throws mutagen::Error naming `op` for a layer that does not exist, and
// NotApplicable for one that is not eligible (with its kind) or when no layer is (`eligible_what`
// says which layers would do).
int64_t choose_layer(const Model& model, const DeepMutationOptions& options, Rng& rng,
                     const std::string& op, const LayerFilter& eligible,
                     const std::string& eligible_what);

// Layers with a Linear or Conv2d weight.
bool has_weight(const Model& model, int64_t k);
// Activations, batch norm and square Linear layers, never the last: removing or repeating one keeps
// every shape (and, unlike dropout or identity, can change predictions).
bool shape_preserving(const Model& model, int64_t k);
// Layers f with f(f(x)) = f(x) (ReLU, ReLU6, Hardtanh): repeating one makes an equivalent mutant.
bool idempotent(const std::string& kind);
bool is_activation(const std::string& kind);

// max(1, round(ratio * total)) of `total`, at most `total`.
int64_t count_of(double ratio, int64_t total);
// `count` distinct positions of [0, total), seeded.
std::vector<int64_t> choose(int64_t total, int64_t count, Rng& rng);

// The bias of layer k (the parameter named like its weight, "bias" for "weight"), or undefined.
torch::Tensor layer_bias(const Model& model, int64_t k);

// What the weight operators (GF, WS, NEB, NAI, NS) start from: the chosen layer of a deep copy of
// the original, whose weight and bias they change in place. The tensors are detached views of the
// copy's parameters, so in-place edits need no NoGradGuard and never touch the original.
struct WeightEdit {
  Model mutant;
  int64_t layer = -1;
  torch::Tensor weight;
  torch::Tensor bias;  // undefined when the layer has none
};
WeightEdit edit_weights(const Model& original, const DeepMutationOptions& options, Rng& rng,
                        const std::string& op, const LayerFilter& eligible = has_weight,
                        const std::string& eligible_what = "a Linear or Conv2d layer");

// Structural operators: throws NotApplicable naming `op` for a model without a chain of layers
// (a TorchScript module whose forward is more than calls of its children in sequence).
void require_layers(const Model& model, const std::string& op);

// Runs one input (the first of I_neg, I_pos, other, if any) through `mutant`; throws mutagen::Error
// (NotApplicable) naming `op` when it no longer runs (a structural edit broke shapes).
void check_runs(const Model& mutant, const MutationInputs& inputs, const std::string& op);

}  // namespace mutagen::internal
