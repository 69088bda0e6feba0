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

class ModelImpl;
// Applies structural edits ("remove:3,identity:1", see Model::without_layer) to a C++ model and
// appends them to its edit list. Throws mutagen::Error for a malformed edit or a layer out of
// range.
void apply_layer_edits(ModelImpl& impl, const std::string& edits);

}  // namespace mutagen::internal
