// Reaching one kernel layer of a model and running it as a function of its weight.
#include <spdlog/spdlog.h>

#include "arachne_internal.h"
#include "mutagen/error.h"

namespace mutagen::internal {

std::string describe_layer(const Model& model, int64_t layer) {
  if (layer < 0 || layer >= model.num_layers()) return "layer " + std::to_string(layer);
  return "layer " + std::to_string(layer) + " ('" + model.layer_name(layer) + "', " +
         model.layer_kind(layer) + ")";
}

void check_layers_reachable(const Model& model) {
  if (model.num_layers() == 0) model.layer_kind(0);  // throws, naming the model and why
}

void check_kernel_layer(const Model& model, int64_t layer, const std::string& what) {
  if (!model.valid()) throw Error(what + ": the model is empty");
  check_layers_reachable(model);
  const int64_t n = model.num_layers();
  if (layer < 0 || layer >= model.logits_end())
    throw Error(what + ": layer " + std::to_string(layer) +
                " out of range, expected an index in [0, " + std::to_string(model.logits_end()) +
                ") of a model with " + std::to_string(n) + " layers");
  const std::string kind = model.layer_kind(layer);
  if ((kind != "Linear" && kind != "Conv2d") || !model.layer_weight(layer).defined())
    throw Error(what + ": " + describe_layer(model, layer) +
                " has no kernel weights, expected a Linear or Conv2d layer");
}

torch::Tensor layer_input(const Model& model, int64_t layer, const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  model.train(false);
  const int64_t n = images.size(0);
  constexpr int64_t kBatch = 256;
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < n; i += kBatch)
    parts.push_back(model.forward_layers(images.slice(0, i, std::min(n, i + kBatch)), 0, layer));
  if (parts.empty()) return model.forward_layers(images, 0, layer);
  return parts.size() == 1 ? parts[0] : torch::cat(parts);
}

KernelLayer KernelLayer::of(const Model& model, int64_t layer) {
  KernelLayer k;
  k.kind = model.layer_kind(layer);
  k.weight = model.layer_weight(layer).detach();
  const torch::Tensor bias = model.layer_bias(layer);
  if (bias.defined()) k.bias = bias.detach();
  if (k.kind == "Conv2d") k.geometry = model.layer_conv_geometry(layer);
  return k;
}

torch::Tensor KernelLayer::apply(const torch::Tensor& input, const torch::Tensor& w) const {
  if (kind == "Linear") return torch::nn::functional::linear(input, w, bias);
  const auto& g = geometry;
  return torch::conv2d(input, w, bias, {g.stride[0], g.stride[1]}, {g.padding[0], g.padding[1]},
                       {g.dilation[0], g.dilation[1]}, g.groups);
}

void check_data(const Dataset& d, const std::string& what, const std::string& where) {
  if (d.size() == 0) return;
  if (!d.images.defined() || d.images.size(0) != d.size())
    throw Error(where + ": " + what + " has " + std::to_string(d.size()) +
                " labels but its images do not match");
}

}  // namespace mutagen::internal
