#pragma once
// Internal to mutagen_core: a TorchScript module's forward as a chain of layers, read from its
// scripted graph. Child module calls are layers; the functional steps between them (F.relu,
// F.max_pool2d, x.view(x.size(0), -1), torch.flatten, F.log_softmax, ...) become layers of their
// own, small modules that run just that step. Children whose forward is itself such a chain
// (nn.Sequential, a custom block) are flattened into it, with dotted names ("features.0").
// A forward that is no chain from its input (a residual sum, branches) but ends in one (pooling,
// flatten, classifier) gets one layer for everything before that chain, then the chain's steps.
#include <torch/script.h>

#include <string>
#include <vector>

namespace mutagen::internal {

struct JitChain {
  std::vector<torch::jit::Module> layers;
  std::vector<std::string>
      names;            // attribute paths of child layers; "F.relu#2" for functional ones
  std::string why_not;  // why the forward is no chain (layers empty), for error messages
  // The forward is no chain from its input but ends in one: layers[0] runs everything before that
  // chain (why_not says what broke it), the other layers are the chain's steps.
  bool opaque_start = false;
};

JitChain jit_chain(const torch::jit::Module& module);

// True for the layers jit_chain made of a functional step (they follow the model's train/eval mode
// through set_functional_training, not as children of the model).
bool is_functional_layer(const torch::jit::Module& layer);
void set_functional_training(torch::jit::Module& layer, bool on);

}  // namespace mutagen::internal
