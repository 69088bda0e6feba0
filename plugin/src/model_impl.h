#pragma once
// Internal to mutagen_core: the state behind a mutagen::Model handle. Two backends: a
// torch::nn::Sequential built by a registered architecture, or a TorchScript module (torch::jit).
#include <torch/script.h>
#include <torch/torch.h>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "max_pool.h"
#include "model_internal.h"
#include "mutagen/error.h"
#include "parallel_linear.h"

namespace mutagen::internal {

inline constexpr const char* kTorchScriptArchitecture = "torchscript";

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

// One layer of the flattened chain: the module, how to call it, and its parameter-name prefix.
struct SeqLayer {
  std::string name;  // "3": the child's name, the prefix of its parameters
  std::shared_ptr<torch::nn::Module> module;
  mutable torch::nn::AnyModule any;            // forward() is non-const
  std::optional<std::array<int64_t, 2>> pool;  // a max-pooling max_pool_by_maximum can compute
  bool linear = false;                         // a Linear: linear_on_all_threads at inference
};

class ModelImpl {
 public:
  std::string architecture;
  std::string source;  // the file it was loaded from, for error messages ("" when built in memory)
  torch::nn::Sequential seq{nullptr};
  // Structural edits applied to the registered architecture (see Model::without_layer), replayed
  // on load: "remove:3,identity:1".
  std::string layer_edits;
  // TorchScript backend: the module and, when its forward calls its children in sequence, those
  // children in call order, nested chains flattened (empty otherwise), with their attribute paths.
  bool is_jit = false;
  torch::jit::Module jit;
  std::vector<torch::jit::Module> jit_layers;
  std::vector<std::string> jit_names;
  // Layers that a "repeat" edit of a TorchScript chain added (model_layers.cpp). They are not
  // children of `jit`: registering one would change the class type that the original instance
  // shares. So their parameters are listed, moved, trained and saved alongside, named
  // "<name>.<parameter>".
  std::vector<torch::jit::Module> jit_copies;
  std::vector<std::string> jit_copy_names;

  static std::shared_ptr<ModelImpl> from_jit(torch::jit::Module module) {
    auto impl = std::make_shared<ModelImpl>();
    impl->architecture = kTorchScriptArchitecture;
    impl->is_jit = true;
    impl->jit = std::move(module);
    impl->jit_layers.clear();
    impl->jit_names.clear();
    flatten_jit(impl->jit, "", impl->jit_layers, impl->jit_names);
    return impl;
  }

  // Appends the chain of `m` (see sequential_children), descending into children that are chains
  // themselves (nested nn.Sequential). Leaves `layers` empty when `m` is no chain.
  static void flatten_jit(const torch::jit::Module& m, const std::string& prefix,
                          std::vector<torch::jit::Module>& layers,
                          std::vector<std::string>& names) {
    for (auto& [attr, child] : sequential_children(m)) {
      const std::string path = prefix.empty() ? attr : prefix + "." + attr;
      std::vector<torch::jit::Module> inner;
      std::vector<std::string> inner_names;
      if (child.type()->name() && child.type()->name()->name() == "Sequential")
        flatten_jit(child, path, inner, inner_names);
      if (inner.empty()) {
        layers.push_back(child);
        names.push_back(path);
      } else {
        layers.insert(layers.end(), inner.begin(), inner.end());
        names.insert(names.end(), inner_names.begin(), inner_names.end());
      }
    }
  }

  // The children of `m` (attribute name, module) in call order when forward(self, x) is exactly
  // x -> child_0 -> ... -> child_k (what torch.jit.script / trace make of an nn.Sequential); empty
  // when it is anything else.
  static std::vector<std::pair<std::string, torch::jit::Module>> sequential_children(
      const torch::jit::Module& m) {
    std::vector<std::pair<std::string, torch::jit::Module>> layers;
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
        const std::string& attr = attributes[node->input(0)];
        const auto child = m.attr(attr);
        if (!child.isModule()) return {};
        layers.emplace_back(attr, child.toModule());
        current = node->output();
        continue;
      }
      return {};
    }
    if (graph->outputs()[0] != current) return {};
    return layers;
  }

  // The C++ Sequential's layers with their names, built on first use. (A C++ Sequential cannot hold
  // another one, since AnyModule needs a non-template forward: nesting is a TorchScript matter.)
  const std::vector<SeqLayer>& seq_layers() const {
    if (!seq_layers_built_) {
      seq_layers_.clear();
      const auto named = seq->named_children();
      for (size_t i = 0; i < seq->size(); ++i)
        seq_layers_.push_back({i < named.size() ? named[i].key() : std::to_string(i), seq->ptr(i),
                               *(seq->begin() + static_cast<std::ptrdiff_t>(i)),
                               plain_max_pool(*seq->ptr(i)), is_torch_linear(*seq->ptr(i))});
      seq_layers_built_ = true;
    }
    return seq_layers_;
  }

  torch::Tensor run(const torch::Tensor& x) {
    // Inference through a chain with a max-pooling or a Linear layer runs layer by layer, for the
    // faster pooling (max_pool.h) and Linear (parallel_linear.h); the compiled TorchScript forward
    // would call libtorch's.
    const bool layered = !at::GradMode::is_enabled() && has_fast_inference_layer();
    if ((is_jit && !layer_edits.empty()) || layered) {
      // An edited chain no longer matches the compiled forward: run its layers in order.
      torch::Tensor y = x;
      for (int64_t k = 0; k < num_layers(); ++k) y = run_layer(k, y);
      return y;
    }
    if (is_jit) {
      auto out = jit.forward({x});
      if (!out.isTensor()) throw Error("TorchScript model: forward returned a non-tensor value");
      return out.toTensor();
    }
    return seq->forward(x);
  }

  // The model up to its logits: without a trailing Softmax/LogSoftmax when it has one.
  torch::Tensor run_logits(const torch::Tensor& x) {
    const int64_t end = logits_end();
    if (end == num_layers()) return run(x);
    torch::Tensor y = x;
    for (int64_t k = 0; k < end; ++k) y = run_layer(k, y);
    return y;
  }

  // The device of the first parameter (or buffer); the CPU for a model without tensors.
  torch::Device device() const {
    for (const auto& [name, p] : named_parameters()) return p.device();
    for (const auto& [name, b] : named_buffers()) return b.device();
    return torch::Device(torch::kCPU);
  }

  bool training() const { return is_jit ? jit.is_training() : seq->is_training(); }
  void set_training(bool on) {
    if (is_jit) {
      jit.train(on);
      for (auto& copy : jit_copies) copy.train(on);
    } else
      seq->train(on);
  }

  int64_t num_layers() const {
    return is_jit ? static_cast<int64_t>(jit_layers.size())
                  : static_cast<int64_t>(seq_layers().size());
  }

  int64_t logits_end() const {
    const int64_t n = num_layers();
    if (n == 0) return n;
    const std::string last = layer_kind(n - 1);
    return last == "Softmax" || last == "LogSoftmax" ? n - 1 : n;
  }

  std::string describe() const {
    return "model '" + (source.empty() ? architecture : source) + "'";
  }

  void check_layer(int64_t k, const char* what) const {
    if (is_jit && jit_layers.empty())
      throw Error(std::string(what) + ": " + describe() +
                  " is a TorchScript module whose forward " +
                  "is not a plain chain of child calls, so layer " + std::to_string(k) +
                  " and its input activations cannot be reached; expected forward(x) to be " +
                  "x -> child_0(x) -> ... -> child_n (script an nn.Sequential, with nn.ReLU / " +
                  "nn.Flatten modules instead of F.relu, x.view or torch.flatten in forward)");
    if (k < 0 || k >= num_layers())
      throw Error(std::string(what) + ": layer " + std::to_string(k) + " out of range [0, " +
                  std::to_string(num_layers()) + ") of " + describe());
  }

  bool has_fast_inference_layer() const {
    if (is_jit) {
      for (const auto& layer : jit_layers)
        if (plain_max_pool(layer) || is_torch_linear(layer)) return true;
      return false;
    }
    for (const auto& layer : seq_layers())
      if (layer.pool || layer.linear) return true;
    return false;
  }

  torch::Tensor run_layer(int64_t k, const torch::Tensor& x) {
    if (!at::GradMode::is_enabled()) {
      const auto pool = is_jit ? plain_max_pool(jit_layers[static_cast<size_t>(k)])
                               : seq_layers()[static_cast<size_t>(k)].pool;
      if (pool) return max_pool_by_maximum(x, *pool);
      const bool linear = is_jit ? is_torch_linear(jit_layers[static_cast<size_t>(k)])
                                 : seq_layers()[static_cast<size_t>(k)].linear;
      if (linear) {
        torch::Tensor y =
            linear_on_all_threads(x, layer_parameter(k, "weight"), layer_parameter(k, "bias"));
        if (y.defined()) return y;
      }
    }
    if (is_jit) {
      auto out = jit_layers[static_cast<size_t>(k)].forward({x});
      if (!out.isTensor())
        throw Error("TorchScript layer " + std::to_string(k) + " returned a non-tensor");
      return out.toTensor();
    }
    return seq_layers()[static_cast<size_t>(k)].any.forward(x);
  }

  std::string layer_kind(int64_t k) const {
    if (is_jit) return jit_layers[static_cast<size_t>(k)].type()->name()->name();
    return short_kind(seq_layers()[static_cast<size_t>(k)].module->name());
  }

  std::string layer_name(int64_t k) const {
    return is_jit ? jit_names[static_cast<size_t>(k)] : seq_layers()[static_cast<size_t>(k)].name;
  }

  torch::Tensor layer_parameter(int64_t k, const char* which) const {
    const std::string kind = layer_kind(k);
    if (kind != "Linear" && kind != "Conv2d") return {};
    if (is_jit) {
      const auto& layer = jit_layers[static_cast<size_t>(k)];
      if (!layer.hasattr(which)) return {};
      const c10::IValue value = layer.attr(which);
      return value.isTensor() ? value.toTensor() : torch::Tensor();
    }
    // The dict must outlive the pointer find() returns into it.
    const auto params = seq_layers()[static_cast<size_t>(k)].module->named_parameters(false);
    const auto* p = params.find(which);
    return p ? *p : torch::Tensor();
  }

  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    if (is_jit) {
      for (const auto& p : jit.named_parameters(true)) out.emplace_back(p.name, p.value);
      for (size_t i = 0; i < jit_copies.size(); ++i)
        for (const auto& p : jit_copies[i].named_parameters(true))
          out.emplace_back(jit_copy_names[i] + "." + p.name, p.value);
    } else {
      for (const auto& p : seq->named_parameters(true)) out.emplace_back(p.key(), p.value());
    }
    return out;
  }

  std::vector<std::pair<std::string, torch::Tensor>> named_buffers() const {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    if (is_jit) {
      for (const auto& b : jit.named_buffers(true)) out.emplace_back(b.name, b.value);
      for (size_t i = 0; i < jit_copies.size(); ++i)
        for (const auto& b : jit_copies[i].named_buffers(true))
          out.emplace_back(jit_copy_names[i] + "." + b.name, b.value);
    } else {
      for (const auto& b : seq->named_buffers(true)) out.emplace_back(b.key(), b.value());
    }
    return out;
  }

 private:
  mutable std::vector<SeqLayer> seq_layers_;
  mutable bool seq_layers_built_ = false;
};

}  // namespace mutagen::internal
