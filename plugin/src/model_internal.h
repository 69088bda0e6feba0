#pragma once
// Internal to mutagen_core: the architecture registry used by Model (model.cpp, architectures.cpp).
#include <torch/torch.h>

#include <string>

namespace mutagen::internal {

// True when `name` is a registered architecture (builtins included).
bool architecture_registered(const std::string& name);
// A fresh Sequential of architecture `name` (initialised from torch's global generator). Throws
// mutagen::Error listing the registered names when `name` is unknown.
torch::nn::Sequential build_architecture(const std::string& name);

}  // namespace mutagen::internal
