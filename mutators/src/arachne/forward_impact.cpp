// Forward Impact (SPEC 2.4): FI(w_ji) = front_ji x behind_j. front is the share of |a_i w_ji| in
// neuron j's total input, averaged over inputs; behind is the share of |d(sum of logits)/dz_j|
// among the layer's outputs, averaged over inputs. For Conv2d a "neuron" is (output channel,
// position): front uses the input window under the kernel, and FI is summed over positions.
#include "arachne_internal.h"
#include "mutagen/error.h"
#include "mutagen/mutators/arachne.h"

namespace mutagen {
namespace {

constexpr int64_t kBatch = 64;

// x / sum over dims 1.. per row, 0 where the sum is 0.
torch::Tensor row_normalised(const torch::Tensor& x) {
  const torch::Tensor sums = x.flatten(1).sum(1);
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  const torch::Tensor safe = torch::where(sums > 0, sums, torch::ones_like(sums)).view(shape);
  return x / safe;
}

// behind: mean over inputs of the normalised |d(sum of logits)/dz|, shaped like one output of the
// layer ([out] or [O, Ho, Wo]).
torch::Tensor behind(const Model& model, int64_t layer, const internal::KernelLayer& kernel,
                     const torch::Tensor& input) {
  const int64_t n = input.size(0);
  const int64_t end = model.logits_end();
  torch::Tensor sum;
  torch::AutoGradMode grad_on(true);
  for (int64_t i = 0; i < n; i += kBatch) {
    torch::Tensor z;
    {
      torch::NoGradGuard no_grad;
      z = kernel.apply(input.slice(0, i, std::min(n, i + kBatch)));
    }
    z.requires_grad_(true);
    const torch::Tensor logits = model.forward_layers(z, layer + 1, end);
    const torch::Tensor g = torch::autograd::grad({logits.sum()}, {z})[0].abs();
    const torch::Tensor part = row_normalised(g).sum(0).to(torch::kFloat64);
    sum = sum.defined() ? sum + part : part;
  }
  return sum / static_cast<double>(n);
}

torch::Tensor linear_impact(const torch::Tensor& input, const torch::Tensor& weight,
                            const torch::Tensor& back) {
  if (input.dim() != 2)
    throw Error("forward_impact: the Linear layer's input has shape " +
                std::to_string(input.dim()) + " dimensions, expected [N, features]");
  const torch::Tensor w = weight.abs().to(torch::kFloat64);  // [out, in]
  const int64_t n = input.size(0);
  torch::Tensor acc = torch::zeros_like(w);
  for (int64_t i = 0; i < n; i += kBatch) {
    const torch::Tensor a = input.slice(0, i, std::min(n, i + kBatch)).abs().to(torch::kFloat64);
    const torch::Tensor denom = a.matmul(w.t());  // [n, out]
    const torch::Tensor ratio = torch::where(denom > 0, 1.0 / denom, torch::zeros_like(denom));
    acc += ratio.t().matmul(a);  // [out, in]
  }
  return w * acc / static_cast<double>(n) * back.view({-1, 1});
}

torch::Tensor conv_impact(const torch::Tensor& input, const internal::KernelLayer& kernel,
                          const torch::Tensor& back) {
  const auto& g = kernel.geometry;
  if (g.groups != 1)
    throw Error("forward_impact: Conv2d with groups = " + std::to_string(g.groups) +
                " is not supported, expected groups = 1");
  const torch::Tensor& weight = kernel.weight;
  const int64_t out = weight.size(0);
  const torch::Tensor w = weight.abs().to(torch::kFloat64).view({out, -1});  // [O, Q]
  const torch::Tensor b = back.view({out, -1});                              // [O, P]
  const auto unfold = torch::nn::functional::UnfoldFuncOptions({weight.size(2), weight.size(3)})
                          .dilation({g.dilation[0], g.dilation[1]})
                          .padding({g.padding[0], g.padding[1]})
                          .stride({g.stride[0], g.stride[1]});
  const int64_t n = input.size(0);
  torch::Tensor acc = torch::zeros_like(w);
  for (int64_t i = 0; i < n; i += kBatch) {
    const torch::Tensor a =
        torch::nn::functional::unfold(input.slice(0, i, std::min(n, i + kBatch)).abs(), unfold)
            .to(torch::kFloat64);                                      // [n, Q, P]
    const torch::Tensor denom = torch::einsum("oq,nqp->nop", {w, a});  // [n, O, P]
    const torch::Tensor ratio = torch::where(denom > 0, 1.0 / denom, torch::zeros_like(denom));
    acc += torch::einsum("nop,nqp->oq", {ratio * b.unsqueeze(0), a});
  }
  return (w * acc / static_cast<double>(n)).view(weight.sizes());
}

}  // namespace

torch::Tensor forward_impact(const Model& model, int64_t layer, const Dataset& data) {
  internal::check_kernel_layer(model, layer, "forward_impact");
  internal::check_data(data, "the data", "forward_impact");
  const internal::KernelLayer kernel = internal::KernelLayer::of(model, layer);
  if (data.size() == 0) return torch::zeros(kernel.weight.sizes(), torch::kFloat64);
  const torch::Tensor input = internal::layer_input(model, layer, data.images);
  const torch::Tensor back = behind(model, layer, kernel, input);
  torch::NoGradGuard no_grad;
  // On the host, where localisation ranks the weights.
  if (kernel.kind == "Linear") return linear_impact(input, kernel.weight, back).to(torch::kCPU);
  return conv_impact(input, kernel, back).to(torch::kCPU);
}

}  // namespace mutagen
