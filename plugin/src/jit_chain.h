#pragma once
// Internal to mutagen_core: a TorchScript module's forward as a chain of layers, read from its
// scripted graph. Child module calls are layers; the functional steps between them (F.relu,
// F.max_pool2d, x.view(x.size(0), -1), torch.flatten, F.log_softmax, ...) become layers of their
// own, small modules that run just that step. Children whose forward is itself such a chain
// (nn.Sequential, a custom block) are flattened into it, with dotted names ("features.0").
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/script.h>

#include <memory>
#include <string>
#include <vector>

namespace mutagen::internal {

struct JitChain {
  std::vector<torch::jit::Module> layers;
  std::vector<std::string>
      names;            // attribute paths of child layers; "F.relu#2" for functional ones
  std::string why_not;  // why the forward is no chain (layers empty), for error messages
};

JitChain jit_chain(const torch::jit::Module& module);

// For a forward whose last step is softmax(z, dim=1) or log_softmax(z, dim=1) (functional, or a
// child nn.Softmax / nn.LogSoftmax): that forward returning z instead, to run with the module as
// its first argument. Models that are no chain get their logits this way; nullptr when the
// forward ends otherwise.
std::shared_ptr<torch::jit::GraphFunction> jit_logits_function(const torch::jit::Module& module);

// True for the layers jit_chain made of a functional step (they follow the model's train/eval mode
// through set_functional_training, not as children of the model).
bool is_functional_layer(const torch::jit::Module& layer);
void set_functional_training(torch::jit::Module& layer, bool on);

}  // namespace mutagen::internal
