// Structural edits of layered models: removing a layer, replacing one by Identity, repeating one.
// The edit list travels with the model (ModelImpl::layer_edits, saved by Model::save) because a
// model reloads from what it was made of: a C++ model by rebuilding its registered architecture, a
// TorchScript chain from its compiled graph. Without the list an edited mutant would come back as
// the original structure. A TorchScript chain keeps its compiled module untouched and runs the
// edited chain of its layers instead (ModelImpl::run); the layers a "repeat" added, with their own
// parameters, are saved beside the graph.
#include <torch/serialize.h>

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

// A TorchScript module that returns its input, standing in for a replaced layer.
torch::jit::Module jit_identity() {
  torch::jit::Module m(c10::QualifiedName("__torch__.mutagen.Identity"));
  m.define("def forward(self, x):\n    return x\n");
  return m;
}

// Edits the chain of a TorchScript model in place (its compiled module stays as loaded).
void edit_jit_chain(ModelImpl& impl, const LayerEdit& e) {
  if (impl.jit_layers.empty())
    throw Error("layer edit " + e.op + ":" + std::to_string(e.layer) + ": " + impl.describe() +
                " is a TorchScript module whose forward is not a plain chain of child calls");
  const auto n = static_cast<int64_t>(impl.jit_layers.size());
  if (e.layer < 0 || e.layer >= n)
    throw Error("layer edit " + e.op + ":" + std::to_string(e.layer) + ": layer out of range [0, " +
                std::to_string(n) + ")");
  if (e.op == "remove" && n == 1) throw Error("layer edit remove: cannot remove the only layer");
  const auto at = static_cast<size_t>(e.layer);
  if (e.op == "remove") {
    impl.jit_layers.erase(impl.jit_layers.begin() + static_cast<std::ptrdiff_t>(at));
    impl.jit_names.erase(impl.jit_names.begin() + static_cast<std::ptrdiff_t>(at));
  } else if (e.op == "identity") {
    impl.jit_layers[at] = jit_identity();
  } else {  // repeat
    torch::jit::Module copy;
    {
      torch::NoGradGuard no_grad;  // deepcopy clones through autograd otherwise
      copy = impl.jit_layers[at].deepcopy();
    }
    copy.train(impl.jit_layers[at].is_training());
    const std::string name =
        impl.jit_names[at] + "_repeat" + std::to_string(impl.jit_copies.size());
    impl.jit_copies.push_back(copy);
    impl.jit_copy_names.push_back(name);
    impl.jit_layers.insert(impl.jit_layers.begin() + static_cast<std::ptrdiff_t>(at) + 1, copy);
    impl.jit_names.insert(impl.jit_names.begin() + static_cast<std::ptrdiff_t>(at) + 1, name);
  }
}

// The tensors of the layers a "repeat" added, parameters then buffers, in order.
std::vector<torch::Tensor> copy_tensors(const ModelImpl& impl) {
  std::vector<torch::Tensor> out;
  for (const auto& copy : impl.jit_copies) {
    for (const auto& p : copy.named_parameters(true)) out.push_back(p.value);
    for (const auto& b : copy.named_buffers(true)) out.push_back(b.value);
  }
  return out;
}

// Overwrites the repeated layers' tensors of `impl` with `values` (same order as copy_tensors).
void set_copy_tensors(ModelImpl& impl, const std::vector<torch::Tensor>& values) {
  const auto targets = copy_tensors(impl);
  if (targets.size() != values.size())
    throw Error("the repeated layers hold " + std::to_string(targets.size()) +
                " tensors, the saved ones " + std::to_string(values.size()));
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].sizes() != values[i].sizes())
      throw Error("repeated layer tensor " + std::to_string(i) + " has shape " +
                  shape_of(values[i]) + ", expected " + shape_of(targets[i]));
    targets[i].copy_(values[i]);
  }
}

}  // namespace

void apply_layer_edits(ModelImpl& impl, const std::string& edits) {
  for (const LayerEdit& e : parse_edits(edits)) {
    if (impl.is_jit) {
      edit_jit_chain(impl, e);
    } else {
      const bool training = impl.seq->is_training();
      impl.seq = edited(impl.seq, e);
      impl.seq->train(training);
    }
    const std::string item = e.op + ":" + std::to_string(e.layer);
    impl.layer_edits += (impl.layer_edits.empty() ? "" : ",") + item;
  }
}

void copy_layer_edits(const ModelImpl& from, ModelImpl& to) {
  if (from.layer_edits.empty()) return;
  apply_layer_edits(to, from.layer_edits);
  if (from.is_jit) set_copy_tensors(to, copy_tensors(from));
}

torch::jit::ExtraFilesMap jit_edit_files(const ModelImpl& impl) {
  torch::jit::ExtraFilesMap files;
  if (impl.layer_edits.empty()) return files;
  files[kJitEditsFile] = impl.layer_edits;
  c10::List<torch::Tensor> tensors;
  for (const auto& t : copy_tensors(impl)) tensors.push_back(t.to(torch::kCPU));
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(tensors));
  files[kJitCopiesFile] = std::string(bytes.begin(), bytes.end());
  return files;
}

void restore_jit_edits(ModelImpl& impl, const torch::jit::ExtraFilesMap& files) {
  const auto edits = files.find(kJitEditsFile);
  if (edits == files.end() || edits->second.empty()) return;
  apply_layer_edits(impl, edits->second);
  const auto copies = files.find(kJitCopiesFile);
  if (copies == files.end() || copies->second.empty()) {
    if (!impl.jit_copies.empty()) throw Error("the repeated layers' tensors are missing");
    return;
  }
  c10::IValue value;
  try {
    value = torch::pickle_load(std::vector<char>(copies->second.begin(), copies->second.end()));
  } catch (const std::exception& e) {
    throw Error(std::string("the repeated layers' tensors are unreadable (") + torch_message(e) +
                ")");
  }
  if (!value.isTensorList()) throw Error("the repeated layers' tensors are not a tensor list");
  set_copy_tensors(impl, value.toTensorVector());
}

}  // namespace internal

Model Model::edited_copy(const std::string& edit, const char* what) const {
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
