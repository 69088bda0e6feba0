#pragma once
// Internal to mutagen_core: the architecture registry, layer edits and torch error messages used by
// Model (model.cpp, model_layers.cpp, architectures.cpp) and the engine.
#include <torch/script.h>
#include <torch/torch.h>

#include <string>

namespace mutagen::internal {

// A short message for any exception: c10::Error without its C++ backtrace, and a TorchScript
// interpreter error without its two tracebacks (its last line says what failed:
// "RuntimeError: mat1 and mat2 shapes cannot be multiplied (7168x28 and 784x32)").
inline std::string torch_message(const std::exception& e) {
  std::string s = e.what();
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) s = c->what_without_backtrace();
  if (s.find("TorchScript interpreter") == std::string::npos) return s;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  const auto last = s.rfind('\n');
  return last == std::string::npos ? s : s.substr(last + 1);
}

// True when `name` is a registered architecture (builtins included).
bool architecture_registered(const std::string& name);
// A fresh Sequential of architecture `name` (initialised from torch's global generator). Throws
// mutagen::Error listing the registered names when `name` is unknown.
torch::nn::Sequential build_architecture(const std::string& name);

class ModelImpl;
// Applies structural edits ("remove:3,identity:1", see Model::without_layer) to a C++ model or a
// TorchScript chain and appends them to its edit list. Throws mutagen::Error for a malformed
// edit, a layer out of range, or a TorchScript module that is no chain.
void apply_layer_edits(ModelImpl& impl, const std::string& edits);
// Replays the edits of `from` on `to`, a fresh copy of the same unedited model (clone()).
void copy_layer_edits(const ModelImpl& from, ModelImpl& to);

// A TorchScript model's edits travel as extra files of its archive (torch::jit::Module::save):
// the edit list and the repeated layers' tensors.
inline constexpr const char* kJitEditsFile = "mutagen_layer_edits";
inline constexpr const char* kJitCopiesFile = "mutagen_layer_copies.pkl";
torch::jit::ExtraFilesMap jit_edit_files(const ModelImpl& impl);
// Replays what jit_edit_files wrote on a freshly loaded chain; throws mutagen::Error if the files
// do not fit it.
void restore_jit_edits(ModelImpl& impl, const torch::jit::ExtraFilesMap& files);

}  // namespace mutagen::internal
