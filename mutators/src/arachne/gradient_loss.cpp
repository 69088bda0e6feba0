// Gradient Loss (SPEC 2.4): |sum over inputs of dCE/dw| per kernel weight, on the logits. The layer
// runs as a function of a detached copy of its weight, so the model's own tensors get no gradient.
#include "arachne_internal.h"
#include "mutagen/error.h"
#include "mutagen/mutators/arachne.h"

namespace mutagen {

torch::Tensor gradient_loss(const Model& model, int64_t layer, const Dataset& data) {
  internal::check_kernel_layer(model, layer, "gradient_loss");
  internal::check_data(data, "the data", "gradient_loss");
  const internal::KernelLayer kernel = internal::KernelLayer::of(model, layer);
  torch::Tensor total = torch::zeros(
      kernel.weight.sizes(), torch::TensorOptions(torch::kFloat64).device(kernel.weight.device()));
  if (data.size() == 0) return total.to(torch::kCPU);
  const torch::Tensor input = internal::layer_input(model, layer, data.images);
  const int64_t end = model.logits_end();
  const int64_t n = data.size();
  constexpr int64_t kBatch = 256;
  torch::AutoGradMode grad_on(true);
  for (int64_t i = 0; i < n; i += kBatch) {
    const int64_t stop = std::min(n, i + kBatch);
    const torch::Tensor w = kernel.weight.clone().requires_grad_(true);
    const torch::Tensor z = kernel.apply(input.slice(0, i, stop), w);
    const torch::Tensor logits = model.forward_layers(z, layer + 1, end);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(
        logits, data.labels.slice(0, i, stop).to(logits.device(), torch::kLong),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    total += torch::autograd::grad({loss}, {w})[0].to(torch::kFloat64);
  }
  // On the host, where localisation ranks the weights.
  return total.abs().to(torch::kCPU);
}

}  // namespace mutagen
