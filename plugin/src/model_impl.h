#pragma once
// Internal to mutagen_core: the state behind a mutagen::Model handle. Two backends: a
// torch::nn::Sequential built by a registered architecture, or a TorchScript module (torch::jit).
#include <torch/script.h>
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mutagen/error.h"

namespace mutagen::internal {

inline constexpr const char* kTorchScriptArchitecture = "torchscript";

// A short message for any exception (c10::Error without its C++ backtrace).
inline std::string torch_message(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

// "[2, 1, 28, 28]"
inline std::string shape_of(const torch::Tensor& t) {
  if (!t.defined()) return "<undefined>";
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// "torch::nn::Conv2dImpl" -> "Conv2d".
inline std::string short_kind(std::string name) {
  const auto colon = name.rfind("::");
  if (colon != std::string::npos) name = name.substr(colon + 2);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0)
    name = name.substr(0, name.size() - 4);
  return name;
}

class ModelImpl {
 public:
  std::string architecture;
  torch::nn::Sequential seq{nullptr};
  // Structural edits applied to the registered architecture (see Model::without_layer), replayed
  // on load: "remove:3,identity:1".
  std::string layer_edits;
  // TorchScript backend: the module and, when its forward calls its children in sequence, those
  // children in call order (empty otherwise).
  bool is_jit = false;
  torch::jit::Module jit;
  std::vector<torch::jit::Module> jit_layers;

  static std::shared_ptr<ModelImpl> from_jit(torch::jit::Module module) {
    auto impl = std::make_shared<ModelImpl>();
    impl->architecture = kTorchScriptArchitecture;
    impl->is_jit = true;
    impl->jit = std::move(module);
    impl->jit_layers = sequential_children(impl->jit);
    return impl;
  }

  // The children of `m` in call order when forward(self, x) is exactly x -> child_0 -> ... ->
  // child_k (what torch.jit.script / trace make of an nn.Sequential); empty when it is anything
  // else.
  static std::vector<torch::jit::Module> sequential_children(const torch::jit::Module& m) {
    std::vector<torch::jit::Module> layers;
    const auto method = m.find_method("forward");
    if (!method) return {};
    const auto graph = method->graph();
    if (graph->inputs().size() != 2 || graph->outputs().size() != 1) return {};
    torch::jit::Value* self = graph->inputs()[0];
    torch::jit::Value* current = graph->inputs()[1];
    std::map<torch::jit::Value*, std::string> attributes;
    for (torch::jit::Node* node : graph->nodes()) {
      if (node->kind() == c10::prim::GetAttr && node->input(0) == self) {
        attributes[node->output()] = node->s(c10::attr::name);
        continue;
      }
      if (node->kind() == c10::prim::CallMethod && node->s(c10::attr::name) == "forward" &&
          node->inputs().size() == 2 && node->input(1) == current &&
          attributes.count(node->input(0))) {
        const auto child = m.attr(attributes[node->input(0)]);
        if (!child.isModule()) return {};
        layers.push_back(child.toModule());
        current = node->output();
        continue;
      }
      return {};
    }
    if (graph->outputs()[0] != current) return {};
    return layers;
  }

  torch::Tensor run(const torch::Tensor& x) {
    if (is_jit) {
      auto out = jit.forward({x});
      if (!out.isTensor()) throw Error("TorchScript model: forward returned a non-tensor value");
      return out.toTensor();
    }
    return seq->forward(x);
  }

  bool training() const { return is_jit ? jit.is_training() : seq->is_training(); }
  void set_training(bool on) {
    if (is_jit)
      jit.train(on);
    else
      seq->train(on);
  }

  int64_t num_layers() const {
    return is_jit ? static_cast<int64_t>(jit_layers.size()) : static_cast<int64_t>(seq->size());
  }

  void check_layer(int64_t k, const char* what) const {
    if (is_jit && jit_layers.empty())
      throw Error(std::string(what) +
                  ": this TorchScript model does not run its children in sequence, so it has no "
                  "layered access (script an nn.Sequential to get it)");
    if (k < 0 || k >= num_layers())
      throw Error(std::string(what) + ": layer " + std::to_string(k) + " out of range [0, " +
                  std::to_string(num_layers()) + ") of model '" + architecture + "'");
  }

  torch::Tensor run_layer(int64_t k, const torch::Tensor& x) {
    if (is_jit) {
      auto out = jit_layers[static_cast<size_t>(k)].forward({x});
      if (!out.isTensor())
        throw Error("TorchScript layer " + std::to_string(k) + " returned a non-tensor");
      return out.toTensor();
    }
    return (seq->begin() + k)->forward(x);
  }

  std::string layer_kind(int64_t k) const {
    if (is_jit) return jit_layers[static_cast<size_t>(k)].type()->name()->name();
    return short_kind(seq->ptr(static_cast<size_t>(k))->name());
  }

  torch::Tensor layer_weight(int64_t k) const {
    const std::string kind = layer_kind(k);
    if (kind != "Linear" && kind != "Conv2d") return {};
    if (is_jit) {
      const auto& layer = jit_layers[static_cast<size_t>(k)];
      if (!layer.hasattr("weight")) return {};
      const c10::IValue weight = layer.attr("weight");
      return weight.isTensor() ? weight.toTensor() : torch::Tensor();
    }
    // The dict must outlive the pointer find() returns into it.
    const auto params = seq->ptr(static_cast<size_t>(k))->named_parameters(false);
    const auto* weight = params.find("weight");
    return weight ? *weight : torch::Tensor();
  }

  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    if (is_jit) {
      for (const auto& p : jit.named_parameters(true)) out.emplace_back(p.name, p.value);
    } else {
      for (const auto& p : seq->named_parameters(true)) out.emplace_back(p.key(), p.value());
    }
    return out;
  }

  std::vector<std::pair<std::string, torch::Tensor>> named_buffers() const {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    if (is_jit) {
      for (const auto& b : jit.named_buffers(true)) out.emplace_back(b.name, b.value);
    } else {
      for (const auto& b : seq->named_buffers(true)) out.emplace_back(b.key(), b.value());
    }
    return out;
  }
};

}  // namespace mutagen::internal
