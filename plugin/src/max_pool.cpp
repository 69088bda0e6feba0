#include "max_pool.h"

namespace mutagen::internal {
namespace {

// A scripted module's int or tuple-of-ints attribute as two values.
std::optional<std::array<int64_t, 2>> pair_attr(const torch::jit::Module& m, const char* name) {
  if (!m.hasattr(name)) return std::nullopt;
  const c10::IValue v = m.attr(name);
  if (v.isInt()) return std::array<int64_t, 2>{v.toInt(), v.toInt()};
  if (v.isTuple()) {
    const auto& e = v.toTupleRef().elements();
    if (e.size() == 2 && e[0].isInt() && e[1].isInt()) return {{e[0].toInt(), e[1].toInt()}};
  }
  if (v.isIntList()) {
    const auto l = v.toIntVector();
    if (l.size() == 2) return {{l[0], l[1]}};
  }
  return std::nullopt;
}

bool plain(const std::array<int64_t, 2>& kernel, const std::array<int64_t, 2>& stride,
           const std::array<int64_t, 2>& padding, const std::array<int64_t, 2>& dilation,
           bool ceil_mode) {
  return kernel == stride && kernel[0] > 0 && kernel[1] > 0 && padding[0] == 0 && padding[1] == 0 &&
         dilation[0] == 1 && dilation[1] == 1 && !ceil_mode;
}

// The maximum over offsets 0..k-1 of every k-th slice along `dim`, cropped as floor mode does.
torch::Tensor max_along(const torch::Tensor& x, int64_t dim, int64_t k) {
  if (k == 1) return x;
  const int64_t out = x.size(dim) / k;
  torch::Tensor y = x.slice(dim, 0, out * k, k);
  for (int64_t o = 1; o < k; ++o) y = torch::maximum(y, x.slice(dim, o, out * k, k));
  return y;
}

}  // namespace

std::optional<std::array<int64_t, 2>> plain_max_pool(const torch::nn::Module& module) {
  const auto* pool = dynamic_cast<const torch::nn::MaxPool2dImpl*>(&module);
  if (!pool) return std::nullopt;
  const auto& o = pool->options;
  const std::array<int64_t, 2> kernel{(*o.kernel_size())[0], (*o.kernel_size())[1]};
  const std::array<int64_t, 2> stride{(*o.stride())[0], (*o.stride())[1]};
  if (!plain(kernel, stride, {(*o.padding())[0], (*o.padding())[1]},
             {(*o.dilation())[0], (*o.dilation())[1]}, o.ceil_mode()))
    return std::nullopt;
  return kernel;
}

std::optional<std::array<int64_t, 2>> plain_max_pool(const torch::jit::Module& module) {
  const auto type = module.type()->name();
  if (!type || type->name() != "MaxPool2d") return std::nullopt;
  const auto kernel = pair_attr(module, "kernel_size"), stride = pair_attr(module, "stride");
  const auto padding = pair_attr(module, "padding"), dilation = pair_attr(module, "dilation");
  if (!kernel || !stride || !padding || !dilation || !module.hasattr("ceil_mode")) return {};
  const c10::IValue ceil = module.attr("ceil_mode");
  const c10::IValue indices =
      module.hasattr("return_indices") ? module.attr("return_indices") : c10::IValue(false);
  if (!ceil.isBool() || ceil.toBool() || !indices.isBool() || indices.toBool()) return {};
  if (!plain(*kernel, *stride, *padding, *dilation, false)) return std::nullopt;
  return kernel;
}

torch::Tensor max_pool_by_maximum(const torch::Tensor& x, const std::array<int64_t, 2>& kernel) {
  // Shapes libtorch would reject (too small, wrong rank) keep its error.
  if ((x.dim() != 3 && x.dim() != 4) || x.size(-2) < kernel[0] || x.size(-1) < kernel[1])
    return torch::max_pool2d(x, {kernel[0], kernel[1]});
  return max_along(max_along(x, x.dim() - 2, kernel[0]), x.dim() - 1, kernel[1]).contiguous();
}

}  // namespace mutagen::internal
