// Structural edits of sequential C++ models: removing a layer, replacing one by Identity, repeating
// one. The edit list travels with the model (ModelImpl::layer_edits, saved by Model::save) because
// a C++ model reloads by rebuilding its registered architecture: without it an edited mutant would
// come back as the original structure.
#include <sstream>

#include "model_impl.h"
#include "model_internal.h"
#include "mutagen/error.h"
#include "mutagen/model.h"

namespace mutagen {
namespace internal {
namespace {

struct LayerEdit {
  std::string op;  // "remove", "identity", "repeat"
  int64_t layer = 0;
};

std::vector<LayerEdit> parse_edits(const std::string& edits) {
  std::vector<LayerEdit> out;
  std::stringstream in(edits);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto colon = item.find(':');
    LayerEdit e;
    e.op = item.substr(0, colon);
    if (colon == std::string::npos || (e.op != "remove" && e.op != "identity" && e.op != "repeat"))
      throw Error("layer edit '" + item + "' is not remove:K, identity:K or repeat:K");
    try {
      e.layer = std::stoll(item.substr(colon + 1));
    } catch (const std::exception&) {
      throw Error("layer edit '" + item + "': the layer is not an integer");
    }
    out.push_back(e);
  }
  return out;
}

// Rebuilds `seq` with one edit; modules not edited are shared with the input.
torch::nn::Sequential edited(const torch::nn::Sequential& seq, const LayerEdit& e) {
  const auto n = static_cast<int64_t>(seq->size());
  if (e.layer < 0 || e.layer >= n)
    throw Error("layer edit " + e.op + ":" + std::to_string(e.layer) + ": layer out of range [0, " +
                std::to_string(n) + ")");
  if (e.op == "remove" && n == 1) throw Error("layer edit remove: cannot remove the only layer");
  torch::nn::Sequential out;
  int64_t k = 0;
  for (const auto& layer : *seq) {
    if (k++ != e.layer) {
      out->push_back(layer);
    } else if (e.op == "identity") {
      out->push_back(torch::nn::Identity());
    } else if (e.op == "repeat") {
      out->push_back(layer);
      out->push_back(layer.clone());
    }  // remove: nothing
  }
  return out;
}

}  // namespace

void apply_layer_edits(ModelImpl& impl, const std::string& edits) {
  if (impl.is_jit)
    throw Error("layer edits need a C++ sequential model; a TorchScript model's graph is compiled");
  for (const LayerEdit& e : parse_edits(edits)) {
    const bool training = impl.seq->is_training();
    impl.seq = edited(impl.seq, e);
    impl.seq->train(training);
    const std::string item = e.op + ":" + std::to_string(e.layer);
    impl.layer_edits += (impl.layer_edits.empty() ? "" : ",") + item;
  }
}

}  // namespace internal

Model Model::edited_copy(const std::string& edit, const char* what) const {
  if (valid() && impl_->is_jit)
    throw Error(std::string("Model::") + what +
                ": structural edits need a C++ sequential model; a TorchScript model's graph is "
                "compiled");
  Model copy = clone();
  try {
    internal::apply_layer_edits(*copy.impl_, edit);
  } catch (const Error& e) {
    throw Error(std::string("Model::") + what + " on model '" + architecture() + "': " + e.what());
  }
  return copy;
}

const std::string& Model::layer_edits() const {
  if (!impl_)
    throw Error(
        "mutagen::Model: the model is empty (default-constructed, never created or loaded)");
  return impl_->layer_edits;
}

Model Model::without_layer(int64_t k) const {
  return edited_copy("remove:" + std::to_string(k), "without_layer");
}
Model Model::with_identity_at(int64_t k) const {
  return edited_copy("identity:" + std::to_string(k), "with_identity_at");
}
Model Model::with_layer_repeated(int64_t k) const {
  return edited_copy("repeat:" + std::to_string(k), "with_layer_repeated");
}

}  // namespace mutagen
