// Model: one trained classifier instance behind a shared handle (state: internal::ModelImpl in
// model_impl.h). Every torch/c10 exception is turned into a mutagen::Error naming the file or
// model.
#include "mutagen/model.h"

#include <filesystem>
#include <mutex>

#include "model_impl.h"
#include "model_internal.h"
#include "mutagen/error.h"
#include "mutagen/hash.h"
#include "mutagen/io.h"

namespace fs = std::filesystem;

namespace mutagen {
namespace {

using internal::shape_of;

constexpr const char* kArchitectureKey = "mutagen_architecture";
constexpr const char* kFormatKey = "mutagen_format";
// Structural edits of the registered architecture (model_layers.cpp), replayed before the weights
// load.
constexpr const char* kLayerEditsKey = "mutagen_layer_edits";
constexpr int64_t kFormatVersion = 1;

// torch's global generator is process-wide: seeding + initialising a model is one critical section.
std::mutex& init_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

namespace {

using internal::checked;

// Runs `f`, turning torch exceptions into mutagen::Error prefixed with `context`.
template <typename F>
auto guarded(const std::string& context, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(context + ": " + internal::torch_message(e));
  }
}

// Data sets are float32 images: a model saved in another precision (model.double() in Python)
// gets a clear error instead of torch's dtype mismatch deep in its first layer.
void check_float(const internal::ModelImpl& m, const torch::Tensor& x) {
  const auto params = m.named_parameters();
  if (params.empty()) return;
  const auto& [name, p] = params.front();
  if (p.scalar_type() == x.scalar_type()) return;
  throw Error(m.describe() + ": parameter '" + name + "' is " +
              std::string(c10::toString(p.scalar_type())) + ", but the input is " +
              c10::toString(x.scalar_type()) + " (mutagen's data sets are float32 images " +
              "[N, 1, H, W] in [0, 1]); save the model in float32 (model.float() in Python)");
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
// Why a model file did not load, with the fix for the usual mistake: a file of torch.save (a
// pickled module or a state_dict) is a zip archive without TorchScript's constants.
std::string not_a_model(const std::string& path, const std::exception& e) {
  const std::string why = internal::torch_message(e);
  std::string hint;
  if (why.find("constants.pkl") != std::string::npos)
    hint =
        ". It looks like a file of torch.save (a pickled module or a state_dict); mutagen needs "
        "TorchScript: torch.jit.save(torch.jit.script(model), path), or torch.jit.trace";
  return "cannot load model '" + path + "': not a mutagen model or TorchScript file (" + why + ")" +
         hint;
}

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
  // Present when the file is an edited mutant of a TorchScript chain (Model::save).
  torch::jit::ExtraFilesMap edits{{internal::kJitEditsFile, ""}, {internal::kJitCopiesFile, ""}};
  try {
    module = torch::jit::load(path, torch::kCPU, edits);
  } catch (const std::exception& e) {
    throw Error(not_a_model(path, e));
  }
  module.eval();
  auto impl = internal::ModelImpl::from_jit(std::move(module));
  impl->source = path;
  try {
    internal::restore_jit_edits(*impl, edits);
  } catch (const Error& e) {
    throw Error("cannot load model '" + path + "': its layer edits do not fit its graph (" +
                e.what() + ")");
  }
  impl->set_training(false);
  return Model(impl);
}

Model Model::load(const std::string& path) {
  check_model_file(path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path, torch::kCPU);
  } catch (const std::exception& e) {
    throw Error(not_a_model(path, e));
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
  c10::IValue edits_value;
  bool has_edits = false;
  try {
    has_edits = archive.try_read(kLayerEditsKey, edits_value) && edits_value.isString();
  } catch (const std::exception&) {
    has_edits = false;
  }
  if (has_edits) {
    try {
      internal::apply_layer_edits(*impl, edits_value.toStringRef());
    } catch (const Error& e) {
      throw Error("cannot load model '" + path + "': " + e.what());
    }
  }
  // InputArchive replaces tensors without checking shapes: compare against the fresh model's.
  std::vector<std::pair<std::string, std::vector<int64_t>>> expected;
  for (const auto& [name, t] : impl->named_parameters())
    expected.emplace_back(name, t.sizes().vec());
  for (const auto& [name, t] : impl->named_buffers()) expected.emplace_back(name, t.sizes().vec());
  try {
    impl->seq->load(archive);
  } catch (const std::exception& e) {
    throw Error("cannot load model '" + path + "': its parameters do not match architecture '" +
                architecture + "' (" + internal::torch_message(e) + ")");
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
  impl->source = path;
  return Model(impl);
}

void Model::save(const std::string& path) const {
  auto& m = checked(impl_);
  const std::string tmp = temp_path_for(path);
  try {
    const fs::path folder = fs::path(path).parent_path();  // created, as write_file_atomic does
    if (!folder.empty()) fs::create_directories(folder);
    if (m.is_jit) {
      m.jit.save(tmp, internal::jit_edit_files(m));
    } else {
      torch::serialize::OutputArchive archive;
      archive.write(kArchitectureKey, c10::IValue(m.architecture));
      archive.write(kFormatKey, c10::IValue(kFormatVersion));
      if (!m.layer_edits.empty()) archive.write(kLayerEditsKey, c10::IValue(m.layer_edits));
      m.seq->save(archive);
      archive.save_to(tmp);
    }
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(tmp, ec);
    const std::string why = internal::torch_message(e);
    // torch names its temp file; what the user can act on is the folder.
    throw Error("cannot save model to '" + path + "': " +
                (why.find("cannot be opened") != std::string::npos
                     ? "the file cannot be created (expected an existing, writable folder)"
                     : why));
  }
  commit_temp(tmp, path);
}

const std::string& Model::architecture() const { return checked(impl_).architecture; }

torch::Tensor Model::logits(const torch::Tensor& x, int64_t batch_size) const {
  auto& m = checked(impl_);
  if (!x.defined() || x.dim() < 1)
    throw Error("Model::logits: input must be a defined tensor [N, ...], got " + shape_of(x));
  if (batch_size <= 0) throw Error("Model::logits: batch_size must be positive");
  check_float(m, x);
  return guarded(m.describe() + ": inference on input " + shape_of(x) + " failed", [&] {
    torch::NoGradGuard no_grad;
    const bool was_training = m.training();
    if (was_training) m.set_training(false);
    std::vector<torch::Tensor> parts;
    const int64_t n = x.size(0);
    // Data sets stay where the caller keeps them (the CPU): each batch goes to
    // the model's device and its logits come back to the input's.
    const torch::Device device = m.device();
    auto run = [&](const torch::Tensor& b) { return m.run_logits(b.to(device)).to(x.device()); };
    try {
      if (n <= batch_size) {
        parts.push_back(run(x));
      } else {
        for (int64_t i = 0; i < n; i += batch_size)
          parts.push_back(run(x.slice(0, i, std::min(n, i + batch_size))));
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
  check_float(m, x);
  return guarded(m.describe() + ": forward on input " + shape_of(x) + " failed",
                 [&] { return m.run_logits(x.to(m.device())); });
}

void Model::train(bool on) const { checked(impl_).set_training(on); }

void Model::to(const torch::Device& device) const {
  auto& m = checked(impl_);
  guarded(m.describe() + ": moving to " + device.str() + " failed", [&] {
    if (m.is_jit) {
      m.jit.to(device);
      for (auto& copy : m.jit_copies) copy.to(device);
    } else {
      m.seq->to(device);
    }
  });
}

torch::Device Model::device() const { return checked(impl_).device(); }

Model Model::clone() const {
  auto& m = checked(impl_);
  return guarded(m.describe() + ": clone failed", [&] {
    if (m.is_jit) {
      // deepcopy clones tensors through autograd; without grad they stay leaves, then the
      // requires_grad flags are restored so the copy trains like the original.
      torch::jit::Module module;
      {
        torch::NoGradGuard no_grad;
        module = m.jit.deepcopy();
      }
      auto copy = internal::ModelImpl::from_jit(std::move(module));
      copy->source = m.source;
      internal::copy_layer_edits(m, *copy);
      const auto originals = m.named_parameters();
      const auto copies = copy->named_parameters();
      for (size_t i = 0; i < copies.size() && i < originals.size(); ++i)
        copies[i].second.requires_grad_(originals[i].second.requires_grad());
      return Model(copy);
    }
    auto impl = std::make_shared<internal::ModelImpl>();
    impl->architecture = m.architecture;
    impl->source = m.source;
    impl->layer_edits = m.layer_edits;
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
  // Only edited models hash their edits, so that unedited fingerprints (cache keys) stay as they
  // were.
  if (!m.layer_edits.empty()) h.str("layer_edits").str(m.layer_edits);
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
  return guarded(m.describe() + ": forward_layers [" + std::to_string(begin) + ", " +
                     std::to_string(end) + ") on input " + shape_of(x) + " failed",
                 [&] { return m.run_layers(x.to(m.device()), begin, end); });
}

torch::Tensor Model::layer_weight(int64_t k) const {
  auto& m = checked(impl_);
  m.check_layer(k, "Model::layer_weight");
  return m.layer_parameter(k, "weight");
}

torch::Tensor Model::layer_bias(int64_t k) const {
  auto& m = checked(impl_);
  m.check_layer(k, "Model::layer_bias");
  return m.layer_parameter(k, "bias");
}

std::string Model::layer_name(int64_t k) const {
  auto& m = checked(impl_);
  m.check_layer(k, "Model::layer_name");
  return m.layer_name(k);
}

int64_t Model::layer_index(const std::string& name) const {
  auto& m = checked(impl_);
  for (int64_t k = 0; k < m.num_layers(); ++k)
    if (m.layer_name(k) == name) return k;
  return -1;
}

int64_t Model::logits_end() const { return checked(impl_).logits_end(); }

std::string Model::unreachable_layers() const {
  const auto& m = checked(impl_);
  if (!m.jit_opaque_start || m.jit_layers.empty()) return "";
  return "the layers inside layer 0 ('" + m.jit_names[0] + "') of " + m.describe() +
         " cannot be reached: that layer runs its forward up to where its chain of steps starts, "
         "since " +
         m.jit_not_chain;
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
