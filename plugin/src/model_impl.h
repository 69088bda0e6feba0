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

#include "jit_chain.h"
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
  bool in_place = false;                       // writes its input (nn::ReLU(inplace=true), ...)
};

template <typename Impl>
bool in_place_as(const torch::nn::Module& module) {
  const auto* layer = dynamic_cast<const Impl*>(&module);
  return layer && layer->options.inplace();
}

// True for the C++ layers built with inplace=true.
inline bool in_place_module(const torch::nn::Module& m) {
  using namespace torch::nn;
  return in_place_as<ReLUImpl>(m) || in_place_as<ReLU6Impl>(m) || in_place_as<LeakyReLUImpl>(m) ||
         in_place_as<ELUImpl>(m) || in_place_as<SELUImpl>(m) || in_place_as<CELUImpl>(m) ||
         in_place_as<HardtanhImpl>(m) || in_place_as<ThresholdImpl>(m) ||
         in_place_as<DropoutImpl>(m) || in_place_as<Dropout2dImpl>(m) ||
         in_place_as<Dropout3dImpl>(m);
}

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
  std::string
      jit_not_chain;  // why jit_layers is empty, or starts with an opaque layer (jit_chain.h)
  bool jit_opaque_start = false;  // jit_layers[0] runs the forward up to where its chain starts
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
    JitChain chain = jit_chain(impl->jit);
    impl->jit_layers = std::move(chain.layers);
    impl->jit_names = std::move(chain.names);
    impl->jit_not_chain = std::move(chain.why_not);
    impl->jit_opaque_start = chain.opaque_start;
    return impl;
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
                               plain_max_pool(*seq->ptr(i)), is_torch_linear(*seq->ptr(i)),
                               in_place_module(*seq->ptr(i))});
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
      return run_layers(x, 0, num_layers());
    }
    if (is_jit) {
      // The compiled forward gets a copy when the chain holds an in-place layer (see run_layers).
      auto out = jit.forward({any_in_place(0, num_layers()) ? x.clone() : x});
      if (!out.isTensor())
        throw Error(describe() + ": forward returned a " + out.tagKind() +
                    ", expected one tensor (the logits or probabilities of each class)");
      return out.toTensor();
    }
    return seq->forward(any_in_place(0, num_layers()) ? x.clone() : x);
  }

  // The model up to its logits: without a trailing Softmax/LogSoftmax when it has one.
  torch::Tensor run_logits(const torch::Tensor& x) {
    const int64_t end = logits_end();
    if (end == num_layers()) return run(x);
    return run_layers(x, 0, end);
  }

  // A layer that writes its input: a module built with inplace=True, or a functional step such as
  // F.relu(x, inplace=True) (jit_chain marks it with the same attribute).
  bool layer_in_place(int64_t k) const {
    if (!is_jit) return seq_layers()[static_cast<size_t>(k)].in_place;
    const auto& layer = jit_layers[static_cast<size_t>(k)];
    if (!layer.hasattr("inplace")) return false;
    const c10::IValue flag = layer.attr("inplace");
    return flag.isBool() && flag.toBool();
  }

  // Layers [begin, end) in order. When one of them works in place, the input is copied first: the
  // caller's tensor (cached activations, the user's images) must not change, and layers before
  // it may pass it on as it is (a view, an identity, dropout in eval mode).
  torch::Tensor run_layers(const torch::Tensor& x, int64_t begin, int64_t end) {
    torch::Tensor y = any_in_place(begin, end) ? x.clone() : x;
    for (int64_t k = begin; k < end; ++k) y = run_layer(k, y);
    return y;
  }

  bool any_in_place(int64_t begin, int64_t end) const {
    for (int64_t k = begin; k < end; ++k)
      if (layer_in_place(k)) return true;
    return false;
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
      for (auto& layer : jit_layers) set_functional_training(layer, on);
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
                  " is a TorchScript module whose forward is not a plain chain of child calls (" +
                  jit_not_chain + "), so layer " + std::to_string(k) +
                  " and its input activations cannot be reached; expected forward(x) to pass one " +
                  "tensor from step to step: child modules and functional steps such as F.relu, " +
                  "F.max_pool2d, torch.flatten or x.view(x.size(0), -1), without branches or " +
                  "residual sums, or to end in such a chain (whatever comes before it, residual " +
                  "sums included, then runs as one layer)");
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

// The model's implementation, or a named error for an empty (default-constructed) Model.
inline ModelImpl& checked(const std::shared_ptr<ModelImpl>& impl) {
  if (!impl)
    throw Error(
        "mutagen::Model: the model is empty (default-constructed, never created or loaded)");
  return *impl;
}

}  // namespace mutagen::internal
