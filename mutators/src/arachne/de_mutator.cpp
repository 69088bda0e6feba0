// arachne-de: differential evolution of the localised weights (SPEC 2.4): rand/1/bin, F ~ U(f_min,
// f_max) per generation, binomial crossover, greedy replacement, early stop after `patience`
// generations without improvement. Each generation's trials are scored in one batched pass.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "candidate_evaluator.h"
#include "mutagen/error.h"
#include "mutagen/progress.h"
#include "mutagen/random.h"

namespace mutagen {
namespace internal {

// SPEC: every input counts 1, the inputs to keep keep_weight. Balanced: the cluster and the rest
// of its class each count as if they had their mean size.
InputWeights input_weights(const MutationInputs& in, const ArachneOptions& o) {
  double neg = 1.0, pos = o.keep_weight();
  if (o.balance() && in.neg.size() > 0 && in.pos.size() > 0) {
    const double mean = static_cast<double>(in.neg.size() + in.pos.size()) / 2;
    neg *= mean / static_cast<double>(in.neg.size());
    pos *= mean / static_cast<double>(in.pos.size());
  }
  InputWeights weights;
  weights.neg = neg;
  weights.keep = torch::cat({torch::full({in.pos.size()}, pos, torch::kFloat64),
                             torch::full({in.other.size()}, o.keep_weight(), torch::kFloat64)});
  return weights;
}

}  // namespace internal

namespace {

Dataset concatenated(const Dataset& a, const Dataset& b) {
  if (a.size() == 0) return b;
  if (b.size() == 0) return a;
  Dataset d;
  d.images = torch::cat({a.images, b.images});
  d.labels = torch::cat({a.labels, b.labels});
  return d;
}

// Three distinct indices in [0, p), all different from `i`.
std::array<int64_t, 3> three_others(Rng& rng, int64_t p, int64_t i) {
  std::array<int64_t, 3> r{};
  for (size_t k = 0; k < 3; ++k) {
    int64_t x;
    do {
      x = static_cast<int64_t>(rng.below(static_cast<uint64_t>(p)));
    } while (x == i || std::find(r.begin(), r.begin() + k, x) != r.begin() + k);
    r[k] = x;
  }
  return r;
}

}  // namespace

Model ArachneDeMutator::mutate(const Model& original, const MutationInputs& in) const {
  const ArachneOptions& o = options_;
  const int64_t layer = internal::prepare_target(kName, original, in, o);
  const Localisation loc = localise(original, layer, in.neg, in.pos, o.count());
  const internal::CandidateEvaluator evaluator(
      original, layer, loc.selected, in.neg, concatenated(in.pos, in.other),
      internal::input_weights(in, o), {o.keep_margin(), o.neg_score() == "bounded"});
  const torch::Tensor weight = original.layer_weight(layer).detach().to(torch::kFloat64);
  const double mean = weight.mean().item<double>();
  const double spread = weight.numel() > 1 ? weight.std().item<double>() : 0.0;
  const double low = weight.min().item<double>(), high = weight.max().item<double>();
  const double lo = low < 0 ? 2 * low : low / 2, hi = high > 0 ? 2 * high : high / 2;

  const int64_t p = o.population(), m = static_cast<int64_t>(loc.selected.size());
  Rng rng(derive_seed(in.seed, o.seed()));
  std::vector<float> genes(static_cast<size_t>(p * m));
  for (float& g : genes) {
    g = static_cast<float>(mean + spread * rng.normal());
    if (o.clip()) g = static_cast<float>(std::clamp<double>(g, lo, hi));
  }
  torch::Tensor population = torch::tensor(genes, torch::kFloat32).view({p, m});
  internal::CandidateScores scores = evaluator.score(population);
  torch::Tensor fitness = scores.fitness, missed = scores.neg_mispredicted;
  double best = fitness.max().item<double>();
  int64_t stale = 0, gen = 0;
  // SPEC's early stop ends a search whose best has not improved for `patience` generations. While
  // that best mispredicts none of the cluster it would end on a mutant that changes nothing (its
  // cluster members only made less sure), so such a search goes on to `generations`.
  const auto leader_missed = [&] { return missed[fitness.argmax()].item<double>(); };
  const auto leader_mispredicts = [&] { return leader_missed() > 0; };
  ProgressLog progress(std::string(kName) + ", cluster " + std::to_string(in.cluster) +
                           " of class " + std::to_string(in.target_class) + ", " +
                           std::to_string(m) + " weights of " +
                           internal::describe_layer(original, layer) + ": generations",
                       o.generations(), 5.0);
  for (; gen < o.generations() && (stale < o.patience() || !leader_mispredicts()); ++gen) {
    const double f = o.f_min() + (o.f_max() - o.f_min()) * rng.uniform();
    const auto* x = population.data_ptr<float>();
    std::vector<float> trial(static_cast<size_t>(p * m));
    for (int64_t i = 0; i < p; ++i) {
      const auto r = three_others(rng, p, i);
      const auto forced = static_cast<int64_t>(rng.below(static_cast<uint64_t>(m)));
      for (int64_t j = 0; j < m; ++j) {
        float v = x[i * m + j];
        if (j == forced || rng.uniform() < o.crossover())
          v = static_cast<float>(x[r[0] * m + j] + f * (x[r[1] * m + j] - x[r[2] * m + j]));
        if (o.clip()) v = static_cast<float>(std::clamp<double>(v, lo, hi));
        trial[static_cast<size_t>(i * m + j)] = v;
      }
    }
    const torch::Tensor trials = torch::tensor(trial, torch::kFloat32).view({p, m});
    // A trial matters only if it can replace its member: the member's fitness is its bar.
    const internal::CandidateScores trial_scores = evaluator.score(trials, fitness);
    const torch::Tensor better = trial_scores.fitness >= fitness;
    population = torch::where(better.unsqueeze(1), trials, population).contiguous();
    fitness = torch::where(better, trial_scores.fitness, fitness);
    missed = torch::where(better, trial_scores.neg_mispredicted, missed);
    const double now = fitness.max().item<double>();
    stale = now > best ? 0 : stale + 1;
    best = std::max(best, now);
    spdlog::debug("{}: generation {} best fitness {}, {} of {} trials replaced their member", kName,
                  gen, best, better.sum().item<int64_t>(), p);
    progress.step(fmt::format("best fitness {:.2f}, mispredicting {:.1f}% of I_neg", best,
                              100.0 * leader_missed()));
  }
  if (!leader_mispredicts())
    spdlog::warn(
        "{}: cluster {} of class {}: after {} generations the best candidate mispredicts none of "
        "the cluster's {} inputs (I_neg); the mutant will likely not be killable. More weights "
        "(count), generations or a smaller keep_weight give the search more room",
        kName, in.cluster, in.target_class, gen, in.neg.size());
  spdlog::debug("{}: {} weights of {}, {} fitness evaluations, {} input evaluations", kName, m,
                internal::describe_layer(original, layer), evaluator.evaluations(),
                evaluator.input_evaluations());
  return internal::with_values(original, layer, loc.selected, population[fitness.argmax()]);
}

}  // namespace mutagen
