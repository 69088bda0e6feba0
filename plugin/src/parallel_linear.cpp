#include "parallel_linear.h"

#include <ATen/Parallel.h>

#include <algorithm>

namespace mutagen::internal {
namespace {

// Rows per thread below which splitting is not worth a parallel region (the thesis CNN's
// 9216 -> 128 layer: 16 rows on each of 2 threads still ran 1.5x faster than one gemm of 32).
constexpr int64_t kMinRowsPerThread = 16;

}  // namespace

bool is_torch_linear(const torch::nn::Module& module) {
  return dynamic_cast<const torch::nn::LinearImpl*>(&module) != nullptr;
}

bool is_torch_linear(const torch::jit::Module& module) {
  const auto type = module.type()->name();
  if (!type || type->name() != "Linear") return false;
  // Scripting a model with several Linear layers mangles the later ones' type names:
  // "__torch__.torch.nn.modules.linear.___torch_mangle_1.Linear".
  std::string prefix = type->prefix();
  const auto mangle = prefix.rfind(".___torch_mangle_");
  if (mangle != std::string::npos) prefix = prefix.substr(0, mangle);
  return prefix == "__torch__.torch.nn.modules.linear";
}

torch::Tensor linear_on_all_threads(const torch::Tensor& x, const torch::Tensor& weight,
                                    const torch::Tensor& bias) {
  const int threads = at::get_num_threads();
  if (threads < 2 || at::GradMode::is_enabled() || at::in_parallel_region() || !x.defined() ||
      !weight.defined() || weight.dim() != 2 || x.dim() < 1 || x.size(-1) != weight.size(1) ||
      !x.device().is_cpu() || x.scalar_type() != torch::kFloat32 ||
      weight.scalar_type() != torch::kFloat32 || !weight.device().is_cpu())
    return {};
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0) ||
                         bias.scalar_type() != torch::kFloat32 || !bias.device().is_cpu()))
    return {};
  const torch::Tensor rows = x.reshape({-1, x.size(-1)}).contiguous();
  const int64_t n = rows.size(0);
  if (n < 2 * kMinRowsPerThread) return {};
  torch::Tensor out = torch::empty({n, weight.size(0)}, rows.options());
  // Detached: grad mode is thread-local and torch's worker threads do not inherit the caller's.
  const torch::Tensor w_t = weight.detach().t();
  const torch::Tensor b = bias.defined() ? bias.detach() : bias;
  at::parallel_for(0, n, std::max(kMinRowsPerThread, (n + threads - 1) / threads),
                   [&](int64_t begin, int64_t end) {
                     torch::NoGradGuard no_grad;
                     torch::Tensor part = out.slice(0, begin, end);
                     if (b.defined())
                       torch::addmm_out(part, b, rows.slice(0, begin, end), w_t);
                     else
                       torch::mm_out(part, rows.slice(0, begin, end), w_t);
                   });
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = weight.size(0);
  return out.view(shape);
}

}  // namespace mutagen::internal
