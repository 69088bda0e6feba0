// Model: one trained classifier instance behind a shared handle. Two backends in ModelImpl: a
// torch::nn::Sequential built by a registered architecture, or a TorchScript module (torch::jit).
// Every torch/c10 exception is turned into a mutagen::Error naming the file or the model.
#include "mutagen/model.h"

#include <torch/script.h>

#include <filesystem>
#include <mutex>

#include "model_internal.h"
#include "mutagen/error.h"
#include "mutagen/hash.h"
#include "mutagen/io.h"

namespace fs = std::filesystem;

namespace mutagen {
namespace {

constexpr const char* kArchitectureKey = "mutagen_architecture";
constexpr const char* kFormatKey = "mutagen_format";
constexpr int64_t kFormatVersion = 1;
constexpr const char* kTorchScriptArchitecture = "torchscript";

// A short message for any exception (c10::Error without its C++ backtrace).
std::string message_of(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

// torch's global generator is process-wide: seeding + initialising a model is one critical section.
std::mutex& init_mutex() {
  static std::mutex m;
  return m;
}

// "torch::nn::Conv2dImpl" -> "Conv2d".
std::string short_kind(std::string name) {
  const auto colon = name.rfind("::");
  if (colon != std::string::npos) name = name.substr(colon + 2);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0)
    name = name.substr(0, name.size() - 4);
  return name;
}

std::string shape_of(const torch::Tensor& t) {
  if (!t.defined()) return "<undefined>";
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace

namespace internal {

class ModelImpl {
 public:
  std::string architecture;
  torch::nn::Sequential seq{nullptr};
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
      return layer.attr("weight").toTensor();
    }
    const auto* weight = seq->ptr(static_cast<size_t>(k))->named_parameters(false).find("weight");
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

}  // namespace internal

namespace {

internal::ModelImpl& checked(const std::shared_ptr<internal::ModelImpl>& impl) {
  if (!impl)
    throw Error(
        "mutagen::Model: the model is empty (default-constructed, never created or loaded)");
  return *impl;
}

// Runs `f`, turning torch exceptions into mutagen::Error prefixed with `context`.
template <typename F>
auto guarded(const std::string& context, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(context + ": " + message_of(e));
  }
}

}  // namespace

Model Model::create(const std::string& architecture, uint64_t seed) {
  auto impl = std::make_shared<internal::ModelImpl>();
  impl->architecture = architecture;
  {
    std::lock_guard<std::mutex> lock(init_mutex());
    torch::manual_seed(seed);
    impl->seq = internal::build_architecture(architecture);
  }
  impl->seq->eval();
  return Model(impl);
}

Model Model::from_sequential(torch::nn::Sequential net, const std::string& architecture) {
  if (!net) throw Error("Model::from_sequential('" + architecture + "'): the Sequential is empty");
  auto impl = std::make_shared<internal::ModelImpl>();
  impl->architecture = architecture;
  impl->seq = std::move(net);
  return Model(impl);
}

namespace {
void check_model_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw Error("cannot load model '" + path + "': missing (no such file)");
  if (fs::is_directory(path, ec))
    throw Error("cannot load model '" + path + "': is a folder, not a file");
}
}  // namespace

Model Model::load_torchscript(const std::string& path) {
  check_model_file(path);
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception& e) {
    throw Error("cannot load model '" + path + "': not a mutagen model or TorchScript file (" +
                message_of(e) + ")");
  }
  module.eval();
  return Model(internal::ModelImpl::from_jit(std::move(module)));
}

Model Model::load(const std::string& path) {
  check_model_file(path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path, torch::kCPU);
  } catch (const std::exception& e) {
    throw Error("cannot load model '" + path + "': not a mutagen model or TorchScript file (" +
                message_of(e) + ")");
  }
  c10::IValue arch_value;
  bool ours = false;
  try {
    ours = archive.try_read(kArchitectureKey, arch_value) && arch_value.isString();
  } catch (const std::exception&) {
    ours = false;
  }
  if (!ours) return load_torchscript(path);

  const std::string architecture = arch_value.toStringRef();
  if (!internal::architecture_registered(architecture))
    throw Error("cannot load model '" + path + "': architecture '" + architecture +
                "' not registered (call mutagen::register_architecture first)");
  auto impl = std::make_shared<internal::ModelImpl>();
  impl->architecture = architecture;
  impl->seq = internal::build_architecture(architecture);
  // InputArchive replaces tensors without checking shapes: compare against the fresh model's.
  std::vector<std::pair<std::string, std::vector<int64_t>>> expected;
  for (const auto& [name, t] : impl->named_parameters())
    expected.emplace_back(name, t.sizes().vec());
  for (const auto& [name, t] : impl->named_buffers()) expected.emplace_back(name, t.sizes().vec());
  try {
    impl->seq->load(archive);
  } catch (const std::exception& e) {
    throw Error("cannot load model '" + path + "': its parameters do not match architecture '" +
                architecture + "' (" + message_of(e) + ")");
  }
  size_t i = 0;
  auto check = [&](const std::string& name, const torch::Tensor& t) {
    if (i >= expected.size() || expected[i].first != name || expected[i].second != t.sizes().vec())
      throw Error("cannot load model '" + path + "': its parameters do not match architecture '" +
                  architecture + "' (tensor '" + name + "' has shape " + shape_of(t) + ")");
    ++i;
  };
  for (const auto& [name, t] : impl->named_parameters()) check(name, t);
  for (const auto& [name, t] : impl->named_buffers()) check(name, t);
  impl->seq->eval();
  return Model(impl);
}

void Model::save(const std::string& path) const {
  auto& m = checked(impl_);
  const std::string tmp = temp_path_for(path);
  try {
    if (m.is_jit) {
      m.jit.save(tmp);
    } else {
      torch::serialize::OutputArchive archive;
      archive.write(kArchitectureKey, c10::IValue(m.architecture));
      archive.write(kFormatKey, c10::IValue(kFormatVersion));
      m.seq->save(archive);
      archive.save_to(tmp);
    }
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw Error("cannot save model to '" + path + "': " + message_of(e));
  }
  commit_temp(tmp, path);
}

const std::string& Model::architecture() const { return checked(impl_).architecture; }

torch::Tensor Model::logits(const torch::Tensor& x, int64_t batch_size) const {
  auto& m = checked(impl_);
  if (!x.defined() || x.dim() < 1)
    throw Error("Model::logits: input must be a defined tensor [N, ...], got " + shape_of(x));
  if (batch_size <= 0) throw Error("Model::logits: batch_size must be positive");
  return guarded("model '" + m.architecture + "': inference on input " + shape_of(x) + " failed",
                 [&] {
                   torch::NoGradGuard no_grad;
                   const bool was_training = m.training();
                   if (was_training) m.set_training(false);
                   std::vector<torch::Tensor> parts;
                   const int64_t n = x.size(0);
                   try {
                     if (n <= batch_size) {
                       parts.push_back(m.run(x));
                     } else {
                       for (int64_t i = 0; i < n; i += batch_size)
                         parts.push_back(m.run(x.slice(0, i, std::min(n, i + batch_size))));
                     }
                   } catch (...) {
                     if (was_training) m.set_training(true);
                     throw;
                   }
                   if (was_training) m.set_training(true);
                   return parts.size() == 1 ? parts[0] : torch::cat(parts);
                 });
}

torch::Tensor Model::predict(const torch::Tensor& x, int64_t batch_size) const {
  return logits(x, batch_size).argmax(1);
}

torch::Tensor Model::forward(const torch::Tensor& x) const {
  auto& m = checked(impl_);
  return guarded("model '" + m.architecture + "': forward on input " + shape_of(x) + " failed",
                 [&] { return m.run(x); });
}

void Model::train(bool on) const { checked(impl_).set_training(on); }

Model Model::clone() const {
  auto& m = checked(impl_);
  return guarded("model '" + m.architecture + "': clone failed", [&] {
    if (m.is_jit) {
      // deepcopy clones tensors through autograd; without grad they stay leaves, then the
      // requires_grad flags are restored so the copy trains like the original.
      torch::jit::Module module;
      {
        torch::NoGradGuard no_grad;
        module = m.jit.deepcopy();
      }
      auto copy = internal::ModelImpl::from_jit(std::move(module));
      const auto originals = m.named_parameters();
      const auto copies = copy->named_parameters();
      for (size_t i = 0; i < copies.size() && i < originals.size(); ++i)
        copies[i].second.requires_grad_(originals[i].second.requires_grad());
      return Model(copy);
    }
    auto impl = std::make_shared<internal::ModelImpl>();
    impl->architecture = m.architecture;
    impl->seq =
        torch::nn::Sequential(std::dynamic_pointer_cast<torch::nn::SequentialImpl>(m.seq->clone()));
    impl->seq->train(m.seq->is_training());
    return Model(impl);
  });
}

std::vector<torch::Tensor> Model::parameters() const {
  std::vector<torch::Tensor> out;
  for (auto& [name, p] : checked(impl_).named_parameters()) out.push_back(p);
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> Model::named_parameters() const {
  return checked(impl_).named_parameters();
}

std::string Model::fingerprint() const {
  auto& m = checked(impl_);
  Hasher h;
  h.str("mutagen.model.v1").str(m.architecture);
  const auto params = m.named_parameters();
  h.u64(params.size());
  for (const auto& [name, p] : params) h.str(name).tensor(p);
  const auto buffers = m.named_buffers();
  h.u64(buffers.size());
  for (const auto& [name, b] : buffers) h.str(name).tensor(b);
  return h.hex();
}

int64_t Model::num_layers() const { return checked(impl_).num_layers(); }

std::string Model::layer_kind(int64_t k) const {
  auto& m = checked(impl_);
  m.check_layer(k, "Model::layer_kind");
  return m.layer_kind(k);
}

torch::Tensor Model::forward_layers(const torch::Tensor& x, int64_t begin, int64_t end) const {
  auto& m = checked(impl_);
  const int64_t n = m.num_layers();
  if (m.is_jit && m.jit_layers.empty()) m.check_layer(0, "Model::forward_layers");
  if (begin < 0 || end > n || begin > end)
    throw Error("Model::forward_layers: range [" + std::to_string(begin) + ", " +
                std::to_string(end) + ") is not within [0, " + std::to_string(n) + "] of model '" +
                m.architecture + "'");
  return guarded("model '" + m.architecture + "': forward_layers [" + std::to_string(begin) + ", " +
                     std::to_string(end) + ") on input " + shape_of(x) + " failed",
                 [&] {
                   torch::Tensor y = x;
                   for (int64_t k = begin; k < end; ++k) y = m.run_layer(k, y);
                   return y;
                 });
}

torch::Tensor Model::layer_weight(int64_t k) const {
  auto& m = checked(impl_);
  m.check_layer(k, "Model::layer_weight");
  return m.layer_weight(k);
}

double accuracy(const Model& model, const torch::Tensor& images, const torch::Tensor& labels) {
  if (!images.defined() || !labels.defined() || labels.dim() != 1 || images.dim() < 1 ||
      images.size(0) != labels.size(0))
    throw Error("accuracy: images " + shape_of(images) + " and labels " + shape_of(labels) +
                " must have the same number of rows (labels one-dimensional)");
  if (labels.size(0) == 0) throw Error("accuracy: the data set is empty");
  const torch::Tensor predicted = model.predict(images);
  return predicted.eq(labels.to(predicted.dtype())).to(torch::kFloat64).mean().item<double>();
}

}  // namespace mutagen
