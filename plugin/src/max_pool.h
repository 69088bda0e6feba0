#pragma once
// Internal to mutagen_core: max-pooling for inference without libtorch 1.13's NCHW kernel, which
// also computes the argmax indices and runs 15-30x slower than the arithmetic needs (47-106 ms
// against 3 ms for the thesis CNN's [479, 64, 24, 24] activations on 2 cores). For the common case
// (kernel == stride, no padding, dilation 1, floor mode) the same values come from element-wise
// maxima of strided slices. Training keeps libtorch's kernel (its gradient picks one input on
// ties).
#include <torch/script.h>
#include <torch/torch.h>

#include <array>
#include <optional>

namespace mutagen::internal {

// The kernel of a max-pooling layer that max_pool_by_maximum computes exactly, if it is one.
std::optional<std::array<int64_t, 2>> plain_max_pool(const torch::nn::Module& module);
std::optional<std::array<int64_t, 2>> plain_max_pool(const torch::jit::Module& module);

// max_pool2d(x, kernel) for x [N, C, H, W] or [C, H, W], stride = kernel, no padding.
torch::Tensor max_pool_by_maximum(const torch::Tensor& x, const std::array<int64_t, 2>& kernel);

}  // namespace mutagen::internal
