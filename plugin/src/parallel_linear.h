#pragma once
// Internal to mutagen_core: a Linear layer at inference on all of torch's threads. torch runs a
// Linear as one BLAS gemm, and runtime.h keeps OpenBLAS at one thread (its threads spinning against
// torch's cost up to 7x on 2 cores), so every dense layer ran on one core. Here the rows of a batch
// are split over torch's threads, each calling its own one-threaded gemm: the thesis CNN's dense
// layer over 958 inputs 23.4 -> 13.3 ms on 2 cores (bench/README.md). Training keeps torch's
// Linear.
#include <torch/script.h>
#include <torch/torch.h>

namespace mutagen::internal {

// torch's own Linear (a C++ torch::nn::Linear, or a scripted torch.nn.Linear: its forward is
// F.linear; a user's module that is only named Linear is not).
bool is_torch_linear(const torch::nn::Module& module);
bool is_torch_linear(const torch::jit::Module& module);

// linear(x, weight, bias) for x [..., in]; undefined when splitting does not pay or does not apply
// (one thread, few rows, not float on the CPU): the caller then runs the layer's own forward.
torch::Tensor linear_on_all_threads(const torch::Tensor& x, const torch::Tensor& weight,
                                    const torch::Tensor& bias);

}  // namespace mutagen::internal
