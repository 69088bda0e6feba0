#include "mutagen/clustering/vae.h"

#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <utility>

#include "mutagen/error.h"
#include "mutagen/hash.h"
#include "mutagen/io.h"
#include "mutagen/random.h"

namespace fs = std::filesystem;

namespace mutagen {
namespace {

constexpr int64_t kSide = 28;
constexpr int64_t kEncodeBatch = 1024;
constexpr int64_t kFormat = 1;
const char* const kFormatKey = "mutagen_vae_format";
const char* const kLossKey = "mutagen_vae_epoch_loss";

}  // namespace

// Named, not anonymous: VaeEncoder::Impl holds one, and in a unity build this file is not the main
// file, so GCC warns about a member whose type has internal linkage (-Wsubobject-linkage).
namespace vae_model {

// Thesis Table 5.1.
struct ConvVaeImpl : torch::nn::Module {
  explicit ConvVaeImpl(int64_t latent)
      : conv1(register_module("conv1",
                              torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 16, 5).stride(2)))),
        conv2(register_module("conv2",
                              torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 5).stride(2)))),
        linear1(register_module("linear1", torch::nn::Linear(512, 300))),
        mu(register_module("mu", torch::nn::Linear(300, latent))),
        logvar(register_module("logvar", torch::nn::Linear(300, latent))),
        linear2(register_module("linear2", torch::nn::Linear(latent, 300))),
        linear3(register_module("linear3", torch::nn::Linear(300, 512))),
        conv3(register_module(
            "conv3",
            torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(32, 16, 5).stride(2)))),
        conv4(register_module("conv4", torch::nn::ConvTranspose2d(
                                           torch::nn::ConvTranspose2dOptions(16, 1, 5).stride(2)))),
        conv5(register_module("conv5", torch::nn::ConvTranspose2d(
                                           torch::nn::ConvTranspose2dOptions(1, 1, 4).stride(1)))) {
  }

  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& x) {
    torch::Tensor h = torch::relu(conv1(x));
    h = torch::relu(conv2(h)).flatten(1);
    h = torch::relu(linear1(h));
    return {mu(h), logvar(h)};
  }

  // Logits of the reconstruction (the sigmoid is folded into the loss for numerical stability).
  torch::Tensor decode_logits(const torch::Tensor& z) {
    torch::Tensor h = torch::relu(linear2(z));
    h = torch::relu(linear3(h)).view({-1, 32, 4, 4});
    h = torch::relu(conv3(h));
    h = torch::relu(conv4(h));
    return conv5(h);
  }

  torch::nn::Conv2d conv1, conv2;
  torch::nn::Linear linear1, mu, logvar, linear2, linear3;
  torch::nn::ConvTranspose2d conv3, conv4, conv5;
};
TORCH_MODULE(ConvVae);

}  // namespace vae_model

namespace {

using vae_model::ConvVae;

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

// Checks and converts to contiguous float32 [N, 1, 28, 28].
torch::Tensor as_images(const torch::Tensor& t, const std::string& what) {
  if (!t.defined()) throw Error("vae: " + what + " is an undefined tensor");
  if (!at::isFloatingType(t.scalar_type()))
    throw Error("vae: " + what + " must be floating point with values in [0, 1], got dtype " +
                std::string(c10::toString(t.scalar_type())));
  const auto s = t.sizes();
  const bool ok = (s.size() == 4 && s[1] == 1 && s[2] == kSide && s[3] == kSide) ||
                  (s.size() == 3 && s[1] == kSide && s[2] == kSide) ||
                  (s.size() == 2 && s[1] == kSide * kSide);
  if (!ok)
    throw Error("vae: " + what + " has shape " + shape_of(t) +
                ": the VAE (thesis Table 5.1) takes whole 28x28 images ([N,1,28,28], [N,28,28] "
                "or [N,784]); thresholded or other-sized images cannot be encoded");
  if (s[0] == 0) throw Error("vae: " + what + " is empty (no images)");
  torch::Tensor x = t.detach().to(torch::kCPU, torch::kFloat32).reshape({-1, 1, kSide, kSide});
  x = x.contiguous();
  if (!torch::isfinite(x).all().item<bool>())
    throw Error("vae: " + what + " contains NaN or infinite values");
  if (x.min().item<float>() < 0.0f || x.max().item<float>() > 1.0f)
    throw Error("vae: " + what + " has values outside [0, 1] (range " +
                std::to_string(x.min().item<float>()) + ".." +
                std::to_string(x.max().item<float>()) +
                "); the VAE reconstructs pixel intensities in [0, 1]");
  return x;
}

void check_options(const VaeOptions& o) {
  if (o.latent_dim() < 1)
    throw Error("vae: latent_dim must be >= 1, got " + std::to_string(o.latent_dim()));
  if (o.epochs() < 1) throw Error("vae: epochs must be >= 1, got " + std::to_string(o.epochs()));
  if (o.batch_size() < 1)
    throw Error("vae: batch_size must be >= 1, got " + std::to_string(o.batch_size()));
  if (!(o.learning_rate() > 0) || !std::isfinite(o.learning_rate()))
    throw Error("vae: learning_rate must be a positive number, got " +
                std::to_string(o.learning_rate()));
}

// A freshly initialised network: torch's default CPU generator seeded for the initialisation, then
// restored, so the caller's torch random stream is untouched.
ConvVae make_model(int64_t latent, uint64_t seed) {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  torch::Tensor saved;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    saved = gen.get_state();
    gen.set_current_seed(seed);
  }
  ConvVae model(latent);
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(saved);
  }
  return model;
}

// torch's messages without the C++ backtrace c10::Error::what() appends.
std::string message_of(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Training on one intra-op thread, restored afterwards: this network's layers are too small to
// split. Measured on Fashion class 0 (6000 images, 2 idle cores): 1.79 s per epoch on one thread,
// 2.98 s on two. It also makes the trained weights independent of the caller's thread count.
class OneTorchThread {
 public:
  OneTorchThread() : saved_(at::get_num_threads()) { at::set_num_threads(1); }
  ~OneTorchThread() { at::set_num_threads(saved_); }
  OneTorchThread(const OneTorchThread&) = delete;
  OneTorchThread& operator=(const OneTorchThread&) = delete;

 private:
  int saved_;
};

std::vector<double> train(ConvVae& model, const torch::Tensor& x, const VaeOptions& o) {
  const OneTorchThread one_thread;
  const int64_t n = x.size(0);
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(o.learning_rate()));
  at::Generator noise = at::make_generator<at::CPUGeneratorImpl>(derive_seed(o.seed(), 1));
  namespace F = torch::nn::functional;
  const auto bce_sum = F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum);
  std::vector<double> losses;
  const auto first = std::chrono::steady_clock::now();
  auto last_log = first;
  model->train();
  for (int64_t epoch = 0; epoch < o.epochs(); ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<int64_t> order =
        permutation(n, derive_seed(o.seed(), 2 + static_cast<uint64_t>(epoch)));
    const torch::Tensor idx = torch::from_blob(order.data(), {n}, torch::kInt64);
    double total = 0;
    for (int64_t b = 0; b < n; b += o.batch_size()) {
      const torch::Tensor batch =
          x.index_select(0, idx.slice(0, b, std::min(n, b + o.batch_size())));
      auto [mu, logvar] = model->encode(batch);
      const torch::Tensor eps = torch::randn(mu.sizes(), noise, mu.options());
      const torch::Tensor z = mu + torch::exp(0.5 * logvar) * eps;
      const torch::Tensor rec =
          F::binary_cross_entropy_with_logits(model->decode_logits(z), batch, bce_sum);
      const torch::Tensor kl = -0.5 * torch::sum(1 + logvar - mu.pow(2) - logvar.exp());
      const torch::Tensor loss = rec + kl;
      adam.zero_grad();
      loss.backward();
      adam.step();
      total += loss.item<double>();
    }
    losses.push_back(total / static_cast<double>(n));
    if (!std::isfinite(losses.back()))
      throw Error("vae: the training loss became " + std::to_string(losses.back()) + " in epoch " +
                  std::to_string(epoch + 1) + " (try a smaller learning_rate)");
    spdlog::debug("vae: epoch {}/{}: loss {:.3f} per image ({:.2f} s)", epoch + 1, o.epochs(),
                  losses.back(), seconds_since(start));
    if (seconds_since(last_log) >= 10.0 || epoch + 1 == o.epochs()) {
      last_log = std::chrono::steady_clock::now();
      const double elapsed = seconds_since(first);
      const double eta =
          elapsed / static_cast<double>(epoch + 1) * static_cast<double>(o.epochs() - epoch - 1);
      spdlog::info("vae: epoch {}/{}, loss {:.1f} per image, elapsed {:.0f} s, ETA {:.0f} s",
                   epoch + 1, o.epochs(), losses.back(), elapsed, eta);
    }
  }
  model->eval();
  return losses;
}

void save(ConvVae& model, const std::vector<double>& losses, const std::string& file) {
  const std::string tmp = temp_path_for(file);
  try {
    torch::serialize::OutputArchive archive;
    archive.write(kFormatKey, c10::IValue(kFormat));
    archive.write(kLossKey, torch::tensor(losses, torch::kFloat64));
    model->save(archive);
    archive.save_to(tmp);
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw Error("cannot save the VAE to '" + file + "': " + message_of(e));
  }
  commit_temp(tmp, file);
}

// Loads `file` into `model` (same architecture); false (with a warning) when it is unusable.
bool load(ConvVae& model, const std::string& file, std::vector<double>* losses) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> expected;
  for (const auto& p : model->named_parameters())
    expected.emplace_back(p.key(), p.value().sizes().vec());
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(file);
    c10::IValue format;
    archive.read(kFormatKey, format);
    if (!format.isInt() || format.toInt() != kFormat)
      throw Error("unknown format " + format.tagKind());
    torch::Tensor loss_tensor;
    archive.read(kLossKey, loss_tensor);
    model->load(archive);
    size_t i = 0;
    for (const auto& p : model->named_parameters()) {
      if (i >= expected.size() || p.key() != expected[i].first ||
          p.value().sizes().vec() != expected[i].second ||
          p.value().scalar_type() != torch::kFloat32)
        throw Error("tensor '" + p.key() + "' has shape " + shape_of(p.value()));
      if (!torch::isfinite(p.value()).all().item<bool>())
        throw Error("tensor '" + p.key() + "' holds NaN or infinite values");
      ++i;
    }
    if (i != expected.size()) throw Error("missing parameters");
    loss_tensor = loss_tensor.to(torch::kFloat64).contiguous();
    losses->assign(loss_tensor.data_ptr<double>(),
                   loss_tensor.data_ptr<double>() + loss_tensor.numel());
    model->eval();
    return true;
  } catch (const std::exception& e) {
    spdlog::warn("vae: cache file '{}' is unusable ({}); retraining", file, message_of(e));
    return false;
  }
}

Eigen::MatrixXd encode_means(ConvVae& model, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  model->eval();
  const int64_t n = x.size(0);
  std::vector<torch::Tensor> parts;
  for (int64_t b = 0; b < n; b += kEncodeBatch)
    parts.push_back(model->encode(x.slice(0, b, std::min(n, b + kEncodeBatch))).first);
  const torch::Tensor mu = torch::cat(parts).to(torch::kFloat64).contiguous();
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<const RowMajor>(mu.data_ptr<double>(), mu.size(0), mu.size(1));
}

}  // namespace

struct VaeEncoder::Impl {
  vae_model::ConvVae model{nullptr};
  int64_t latent = 0;
};

VaeEncoder VaeEncoder::fit(const torch::Tensor& train_images, const VaeOptions& options,
                           VaeReport* report) {
  check_options(options);
  const torch::Tensor train_x = as_images(train_images, "training images");
  VaeReport local;
  VaeReport& r = report ? *report : local;
  r = VaeReport{};
  try {
    ConvVae model = make_model(options.latent_dim(), derive_seed(options.seed(), 0));
    if (!options.cache_dir().empty()) {
      Hasher key;
      key.str("mutagen.vae.v1").tensor(train_x);
      key.u64(static_cast<uint64_t>(options.latent_dim()))
          .u64(static_cast<uint64_t>(options.epochs()))
          .u64(static_cast<uint64_t>(options.batch_size()))
          .f64(options.learning_rate())
          .u64(options.seed());
      r.cache_file = (fs::path(options.cache_dir()) / (key.hex() + ".pt")).string();
      std::error_code ec;
      if (fs::exists(r.cache_file, ec)) {
        r.from_cache = load(model, r.cache_file, &r.epoch_loss);
        if (!r.from_cache) model = make_model(options.latent_dim(), derive_seed(options.seed(), 0));
      }
    }
    if (!r.from_cache) {
      const auto start = std::chrono::steady_clock::now();
      spdlog::info("vae: training a {}-d VAE on {} images for {} epochs", options.latent_dim(),
                   train_x.size(0), options.epochs());
      r.epoch_loss = train(model, train_x, options);
      spdlog::info("vae: trained in {:.2f} s (loss {:.3f} -> {:.3f} per image)",
                   seconds_since(start), r.epoch_loss.front(), r.epoch_loss.back());
      if (!r.cache_file.empty()) {
        try {
          save(model, r.epoch_loss, r.cache_file);
        } catch (const Error& e) {
          spdlog::warn("vae: not cached: {}", e.what());
        }
      }
    } else {
      spdlog::info("vae: reusing {}", r.cache_file);
    }
    VaeEncoder encoder;
    encoder.impl_ = std::make_shared<Impl>();
    encoder.impl_->model = model;
    encoder.impl_->latent = options.latent_dim();
    return encoder;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string("vae: torch failed: ") + message_of(e));
  }
}

Eigen::MatrixXd VaeEncoder::encode(const torch::Tensor& images) const {
  if (!impl_) throw Error("vae: encode() on an encoder that was not fitted (use VaeEncoder::fit)");
  const torch::Tensor x = as_images(images, "images to encode");
  try {
    return encode_means(impl_->model, x);
  } catch (const std::exception& e) {
    throw Error(std::string("vae: torch failed: ") + message_of(e));
  }
}

int64_t VaeEncoder::latent_dim() const { return impl_ ? impl_->latent : 0; }

Eigen::MatrixXd vae_embed(const torch::Tensor& train_images, const torch::Tensor& encode_images,
                          const VaeOptions& options, VaeReport* report) {
  // Check both inputs before spending minutes on training.
  check_options(options);
  as_images(encode_images, "images to encode");
  return VaeEncoder::fit(train_images, options, report).encode(encode_images);
}

}  // namespace mutagen
