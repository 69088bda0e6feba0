#pragma once
// Internal to the arachne family: reaching one kernel layer of a model, running it as a plain
// function of (input, weight, bias) so that candidates can replace its weight without touching the
// model, and the per-input losses the fitness and the noise bisection share.
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "mutagen/dataset.h"
#include "mutagen/model.h"

namespace mutagen::internal {

// Throws the model's own error when its layers cannot be reached (a TorchScript forward that is no
// chain: it says why), before any layer index is looked at.
void check_layers_reachable(const Model& model);

// "layer 3 ('3', Linear)": how errors name a layer.
std::string describe_layer(const Model& model, int64_t layer);

// Throws mutagen::Error unless `layer` is a Linear or Conv2d with a weight, before the logits.
void check_kernel_layer(const Model& model, int64_t layer, const std::string& what);

// The activations entering `layer` for `images` (eval mode, no grad, batched).
torch::Tensor layer_input(const Model& model, int64_t layer, const torch::Tensor& images);

// The kernel layer as a function: F.linear / F.conv2d of `input` with `weight` and `bias`.
struct KernelLayer {
  std::string kind;  // "Linear" or "Conv2d"
  torch::Tensor weight;
  torch::Tensor bias;  // may be undefined
  ConvGeometry geometry;

  static KernelLayer of(const Model& model, int64_t layer);
  torch::Tensor apply(const torch::Tensor& input, const torch::Tensor& weight) const;
  torch::Tensor apply(const torch::Tensor& input) const { return apply(input, weight); }
};

// Rows of a data set that are not empty, checked: throws naming `what` when images and labels
// differ.
void check_data(const Dataset& d, const std::string& what, const std::string& where);

}  // namespace mutagen::internal
