#include "preprocessing_check.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <vector>

namespace mutagen::internal {
namespace {

// Images of the sample that the transformations run on: enough to tell 10 points apart.
constexpr int64_t kSample = 1000;
// How much better a transformation must do to be named.
constexpr double kGain = 0.10;

struct Transformation {
  std::string formula;  // "(x - 0.1307) / 0.3081"
  std::string source;   // "MNIST's mean and std"
  std::function<torch::Tensor(const torch::Tensor&)> apply;
};

std::vector<Transformation> usual_transformations(const torch::Tensor& images) {
  auto standardise = [](double mean, double std, const std::string& source) {
    return Transformation{fmt::format("(x - {:.4f}) / {:.4f}", mean, std), source,
                          [=](const torch::Tensor& x) { return (x - mean) / std; }};
  };
  const double mean = images.mean().item<double>();
  const double std = images.std().item<double>();
  std::vector<Transformation> out;
  if (std > 0) out.push_back(standardise(mean, std, "this data's mean and std"));
  out.push_back(standardise(0.1307, 0.3081, "MNIST's mean and std"));
  out.push_back(standardise(0.2860, 0.3530, "Fashion-MNIST's mean and std"));
  out.push_back({"2x - 1", "inputs in [-1, 1]", [](const torch::Tensor& x) { return 2 * x - 1; }});
  out.push_back({"x * 255", "raw bytes", [](const torch::Tensor& x) { return x * 255; }});
  out.push_back({"1 - x", "inverted images", [](const torch::Tensor& x) { return 1 - x; }});
  return out;
}

}  // namespace

double warn_if_inaccurate(const torch::Tensor& correct, const std::string& name,
                          const std::string& data) {
  if (!correct.defined() || correct.numel() == 0) return 0.0;
  const double accuracy = correct.to(torch::kFloat64).mean().item<double>();
  if (accuracy < 0.5)
    spdlog::warn(
        "{} classifies only {:.1f}% of the training data '{}' correctly. mutagen feeds images as "
        "IDX bytes / 255, in [0, 1]: if the model was trained on other inputs (normalised with a "
        "mean and std, say), put that preprocessing into the model's forward or into the "
        "Dataset's images",
        name, 100.0 * accuracy, data);
  return accuracy;
}

double check_preprocessing(const Model& model, const Dataset& data, const torch::Tensor& correct,
                           const std::string& name) {
  const int64_t n = data.size();
  if (!correct.defined() || correct.numel() != n || n == 0)
    return warn_if_inaccurate(correct, name, data.name);
  const double accuracy = correct.to(torch::kFloat64).mean().item<double>();
  if (accuracy >= 1.0 - kGain) return accuracy;
  // Evenly spaced, so that a data set sorted by class gives every class its share.
  const torch::Tensor rows =
      torch::linspace(0, static_cast<double>(n - 1), std::min(n, kSample)).round().to(torch::kLong);
  const torch::Tensor images = data.images.index_select(0, rows.to(data.images.device()));
  const torch::Tensor labels =
      data.labels.index_select(0, rows.to(data.labels.device())).to(torch::kCPU);
  const double as_given =
      correct.to(torch::kCPU).index_select(0, rows).to(torch::kFloat64).mean().item<double>();
  const Transformation* best = nullptr;
  double best_accuracy = as_given + kGain;
  const auto candidates = usual_transformations(images);
  for (const Transformation& t : candidates) {
    torch::Tensor predicted;
    try {
      predicted = model.predict(t.apply(images).to(torch::kFloat32));
    } catch (const std::exception& e) {
      spdlog::debug("{}: x -> {} fails: {}", name, t.formula, e.what());
      continue;  // a transformation the model cannot take says nothing about it
    }
    const double a = predicted.to(torch::kCPU).eq(labels).to(torch::kFloat64).mean().item<double>();
    spdlog::debug("{}: {:.1f}% of the sample right after x -> {}, {:.1f}% as given", name,
                  100.0 * a, t.formula, 100.0 * as_given);
    if (a >= best_accuracy) {
      best = &t;
      best_accuracy = a;
    }
  }
  if (!best) return warn_if_inaccurate(correct, name, data.name);
  spdlog::warn(
      "{} classifies {:.1f}% of a sample of the training data '{}' right as given, but {:.1f}% "
      "after x -> {} ({}): it was probably trained on inputs preprocessed that way. mutagen "
      "feeds IDX images as bytes / 255, in [0, 1]: put that preprocessing into the model's "
      "forward (or into the Dataset's images)",
      name, 100.0 * as_given, data.name, 100.0 * best_accuracy, best->formula, best->source);
  return accuracy;
}

}  // namespace mutagen::internal
