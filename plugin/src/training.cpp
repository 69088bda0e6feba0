// Training original instances: seeded mini-batch training and an on-disk cache of trained
// instances.
#include "mutagen/training.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

#include "elapsed.h"
#include "model_internal.h"
#include "mutagen/error.h"
#include "mutagen/hash.h"
#include "mutagen/progress.h"
#include "mutagen/random.h"

namespace fs = std::filesystem;

namespace mutagen {
namespace {

// Adadelta (Zeiler 2012, as torch.optim.Adadelta: rho 0.9, eps 1e-6): libtorch 1.13's C++ API lacks
// it.
class Adadelta {
 public:
  Adadelta(std::vector<torch::Tensor> params, double lr) : params_(std::move(params)), lr_(lr) {
    for (const auto& p : params_) {
      square_avg_.push_back(torch::zeros_like(p));
      acc_delta_.push_back(torch::zeros_like(p));
    }
  }
  void step() {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params_.size(); ++i) {
      const torch::Tensor& g = params_[i].grad();
      if (!g.defined()) continue;
      square_avg_[i].mul_(kRho).addcmul_(g, g, 1 - kRho);
      const torch::Tensor delta =
          acc_delta_[i].add(kEps).sqrt_().div_(square_avg_[i].add(kEps).sqrt_()).mul_(g);
      acc_delta_[i].mul_(kRho).addcmul_(delta, delta, 1 - kRho);
      params_[i].add_(delta, -lr_);
    }
  }

 private:
  static constexpr double kRho = 0.9;
  static constexpr double kEps = 1e-6;
  std::vector<torch::Tensor> params_, square_avg_, acc_delta_;
  double lr_;
};

// One interface over torch's optimizers and the Adadelta above.
class Optimizer {
 public:
  Optimizer(const std::vector<torch::Tensor>& params, const TrainOptions& o) : params_(params) {
    if (o.optimizer() == "adam")
      torch_ = std::make_unique<torch::optim::Adam>(params,
                                                    torch::optim::AdamOptions(o.learning_rate()));
    else if (o.optimizer() == "sgd")
      torch_ =
          std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(o.learning_rate()));
    else if (o.optimizer() == "adadelta")
      adadelta_ = std::make_unique<Adadelta>(params, o.learning_rate());
    else
      throw Error("training option 'optimizer' is '" + o.optimizer() +
                  "'; expected adam, adadelta or sgd");
  }
  void zero_grad() {
    for (auto& p : params_)
      if (p.grad().defined()) p.mutable_grad().zero_();
  }
  void step() {
    if (torch_)
      torch_->step();
    else
      adadelta_->step();
  }

 private:
  std::vector<torch::Tensor> params_;
  std::unique_ptr<torch::optim::Optimizer> torch_;
  std::unique_ptr<Adadelta> adadelta_;
};

void check_options(const TrainOptions& o) {
  if (o.epochs() < 0)
    throw Error("training option 'epochs' must be >= 0, got " + std::to_string(o.epochs()));
  if (o.batch_size() <= 0)
    throw Error("training option 'batch_size' must be positive, got " +
                std::to_string(o.batch_size()));
  if (!(o.learning_rate() > 0))
    throw Error("training option 'learning_rate' must be positive, got " +
                std::to_string(o.learning_rate()));
}

}  // namespace

void fit(Model& model, const torch::Tensor& images, const torch::Tensor& labels,
         const TrainOptions& options) {
  check_options(options);
  if (!model.valid()) throw Error("fit: the model is empty");
  if (!images.defined() || !labels.defined() || images.dim() < 2 || labels.dim() != 1 ||
      images.size(0) != labels.size(0))
    throw Error("fit: images [N, ...] and labels [N] must have the same number of rows");
  const int64_t n = images.size(0);
  if (n == 0) throw Error("fit: no training samples");
  const torch::Tensor x_all = images.to(torch::kFloat32).contiguous();
  const torch::Tensor y_all = labels.to(torch::kInt64).contiguous();

  // Parameters with requires_grad == false (frozen by the caller) are left alone.
  std::vector<torch::Tensor> params;
  for (const auto& p : model.parameters())
    if (p.requires_grad()) params.push_back(p);
  if (params.empty())
    throw Error("fit: model '" + model.architecture() + "' has no trainable parameters");
  std::unique_ptr<Optimizer> optimizer;
  try {
    optimizer = std::make_unique<Optimizer>(params, options);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("fit: cannot optimise the parameters of model '" + model.architecture() +
                "': " + internal::torch_message(e));
  }
  // Dropout draws from torch's global generator: seed it so a fit is reproducible.
  torch::manual_seed(derive_seed(options.seed(), 0x666974));
  const torch::Device device = model.device();
  model.train(true);
  // A long fit (an instance on a large data set) reports its epochs; a short one (TMR) stays quiet.
  ProgressLog progress("fit '" + model.architecture() + "' on " + std::to_string(n) + " samples",
                       options.epochs(), 5.0);
  try {
    for (int64_t epoch = 0; epoch < options.epochs(); ++epoch) {
      // Summed on the model's device and read once per epoch: a read per batch would make a GPU
      // wait for every step.
      torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().device(device));
      const std::vector<int64_t> order =
          permutation(n, derive_seed(options.seed(), static_cast<uint64_t>(epoch)));
      const torch::Tensor order_t = torch::tensor(order, torch::kInt64);
      for (int64_t start = 0; start < n; start += options.batch_size()) {
        const torch::Tensor idx =
            order_t.slice(0, start, std::min(n, start + options.batch_size()));
        // The data stay on the CPU; each batch goes to the model's device.
        const torch::Tensor x = x_all.index_select(0, idx).to(device);
        const torch::Tensor y = y_all.index_select(0, idx).to(device);
        optimizer->zero_grad();
        const torch::Tensor loss = torch::nn::functional::cross_entropy(model.forward(x), y);
        loss.backward();
        optimizer->step();
        loss_sum += loss.detach() * static_cast<double>(idx.size(0));
      }
      progress.step("epoch " + std::to_string(epoch + 1) + ", mean loss " +
                    fmt::format("{:.4f}", loss_sum.item<double>() / static_cast<double>(n)));
    }
  } catch (const Error&) {
    model.train(false);
    throw;
  } catch (const std::exception& e) {
    model.train(false);
    throw Error("fit: training model '" + model.architecture() +
                "' failed: " + internal::torch_message(e));
  }
  model.train(false);
}

Model train_model(const std::string& architecture, const Dataset& data,
                  const TrainOptions& options) {
  check_options(options);
  // Created (and seeded) on the CPU, so that an instance starts from the same weights anywhere.
  Model model = Model::create(architecture, options.seed());
  model.to(options.device());
  fit(model, data.images, data.labels, options);
  return model;
}

std::vector<Model> train_instances(const std::string& architecture, const Dataset& data,
                                   const TrainOptions& options, int64_t count,
                                   const std::string& cache_dir) {
  check_options(options);
  if (count < 0) throw Error("train_instances: count must be >= 0, got " + std::to_string(count));
  std::string data_key;
  if (!cache_dir.empty()) {
    Hasher h;
    h.tensor(data.images).tensor(data.labels).u64(static_cast<uint64_t>(data.num_classes));
    data_key = h.hex();
  }
  std::vector<Model> models;
  for (int64_t i = 0; i < count; ++i) {
    TrainOptions o = options;
    o.seed(options.seed() + static_cast<uint64_t>(i));
    const auto start = std::chrono::steady_clock::now();
    std::string file;
    if (!cache_dir.empty()) {
      Hasher key;
      // The untrained model's fingerprint stands for the architecture's definition and its seeded
      // initialisation: re-registering a name with another network changes the key.
      key.str("mutagen.train.v1").str(architecture).str(data_key);
      key.str(Model::create(architecture, o.seed()).fingerprint());
      key.u64(static_cast<uint64_t>(o.epochs())).u64(static_cast<uint64_t>(o.batch_size()));
      key.f64(o.learning_rate()).str(o.optimizer()).u64(o.seed());
      file = (fs::path(cache_dir) / (key.hex() + ".pt")).string();
      std::error_code ec;
      if (fs::exists(file, ec)) {
        try {
          Model cached = Model::load(file);
          if (cached.architecture() == architecture) {
            cached.to(o.device());
            spdlog::info("instance {}/{} of '{}' (seed {}): reusing {} ({:.2f} s)", i + 1, count,
                         architecture, o.seed(), file, internal::seconds_since(start));
            models.push_back(std::move(cached));
            continue;
          }
          spdlog::warn("cached instance {} has architecture '{}', expected '{}': retraining", file,
                       cached.architecture(), architecture);
        } catch (const Error& e) {
          spdlog::warn("cached instance unusable, retraining: {}", e.what());
        }
      }
    }
    spdlog::info("instance {}/{} of '{}' (seed {}): training {} epochs on {} samples", i + 1, count,
                 architecture, o.seed(), o.epochs(), data.size());
    Model model = train_model(architecture, data, o);
    if (!file.empty()) model.save(file);
    spdlog::info("instance {}/{} of '{}' (seed {}): trained in {:.2f} s{}", i + 1, count,
                 architecture, o.seed(), internal::seconds_since(start),
                 file.empty() ? "" : ", saved to " + file);
    models.push_back(std::move(model));
  }
  return models;
}

}  // namespace mutagen
