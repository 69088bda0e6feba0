// arachne-noise: Gaussian noise on the localised weights. With target_misprediction the noise
// direction is drawn once from the seed and only its scale sigma is searched (doubling, then
// bisection), so the mutant's severity is chosen rather than left to chance.
#include <spdlog/spdlog.h>

#include "candidate_evaluator.h"
#include "mutagen/error.h"
#include "mutagen/random.h"

namespace mutagen {
namespace {

constexpr int kMaxDoublings = 16;
constexpr int kDirections = 8;
constexpr int kBisections = 20;

}  // namespace

Model ArachneNoiseMutator::mutate(const Model& original, const MutationInputs& in) const {
  const ArachneOptions& o = options_;
  const int64_t layer = internal::prepare_target(kName, original, in, o);
  const Localisation loc = localise(original, layer, in.neg, in.pos, o.count());
  const auto m = static_cast<int64_t>(loc.selected.size());
  Rng rng(derive_seed(in.seed, o.seed()));
  auto draw = [&] {
    std::vector<float> noise(static_cast<size_t>(m));
    for (float& x : noise) x = static_cast<float>(rng.normal());
    return torch::tensor(noise, torch::kFloat32);
  };
  // The selected weights on the host, where the noise is drawn (the evaluator and with_values
  // move candidates to the model's device).
  const torch::Tensor weight = original.layer_weight(layer).detach().reshape(-1);
  const torch::Tensor base =
      weight.index_select(0, torch::tensor(loc.selected, torch::kLong).to(weight.device()))
          .to(torch::kCPU, torch::kFloat32);
  torch::Tensor direction = draw();
  double sigma = o.sigma();
  if (o.target_misprediction() > 0) {
    const internal::CandidateEvaluator evaluator(original, layer, loc.selected, in.neg, Dataset{});
    auto mispredicted = [&](double s) {
      return evaluator.score((base + s * direction).unsqueeze(0)).neg_mispredicted.item<double>();
    };
    const double target = o.target_misprediction();
    // A direction can only ever strengthen the cluster's prediction (e.g. noise on the weights of
    // units that vote for its class): then no scale reaches the target, and the next one is drawn.
    bool reached = false;
    double lo = 0, hi = o.sigma();
    for (int attempt = 0; attempt < kDirections && !reached; ++attempt) {
      if (attempt > 0) direction = draw();
      lo = 0;
      hi = o.sigma();
      for (int d = 0; d <= kMaxDoublings && !reached; ++d) {
        reached = mispredicted(hi) >= target;
        if (!reached) {
          lo = hi;
          hi *= 2;
        }
      }
    }
    if (!reached) {
      hi = lo;
      spdlog::warn(
          "{}: no noise direction of {} tried reaches misprediction {} of I_neg up to "
          "sigma {}; using the last",
          kName, kDirections, target, hi);
    } else {
      for (int i = 0; i < kBisections; ++i) {
        const double mid = (lo + hi) / 2;
        (mispredicted(mid) >= target ? hi : lo) = mid;
      }
    }
    sigma = hi;
    spdlog::debug("{}: sigma {} for target misprediction {}", kName, sigma, target);
  }
  return internal::with_values(original, layer, loc.selected, base + sigma * direction);
}

}  // namespace mutagen
