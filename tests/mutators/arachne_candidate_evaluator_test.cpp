// The batched candidate scoring (activations cached before the layer, only the localised weights'
// contribution added, the whole population at once) against writing each candidate into a copy of
// the model and running a plain full forward pass.
#include <gtest/gtest.h>

#include <cmath>

#include "arachne/candidate_evaluator.h"
#include "mutagen/mutators/arachne.h"

namespace {

using mutagen::Dataset;
using mutagen::Model;

Dataset random_images(int64_t n, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  Dataset d;
  d.images = at::rand({n, 1, 28, 28}, gen);
  d.labels = at::randint(0, 10, {n}, gen, torch::kLong);
  return d;
}

// An input's logit margin: its label's logit minus the largest other.
torch::Tensor margins(const Model& m, const Dataset& d) {
  const torch::Tensor logits = m.logits(d.images).to(torch::kFloat64);
  const torch::Tensor own = logits.gather(1, d.labels.view({-1, 1})).squeeze(1);
  return own - std::get<0>(logits.scatter(1, d.labels.view({-1, 1}), -1e30).max(1));
}

// SPEC eq. 4.11-4.13 from a plain forward pass of a model holding the candidate. With keep_margin
// an input to keep counts as kept only while its margin is at least min(keep_margin, the
// original's margin) less a rounding tolerance (`hold`). Bounded: a correct cluster member scores
// loss / (1 + loss).
double reference_fitness(const Model& m, const Dataset& neg, const Dataset& keep,
                         double* neg_mispredicted,
                         const mutagen::internal::InputWeights& weights = {},
                         const torch::Tensor& hold = {}, bool bounded = false) {
  double fitness = 0;
  const torch::Tensor keep_margins = margins(m, keep);
  for (const bool is_neg : {true, false}) {
    const Dataset& d = is_neg ? neg : keep;
    const torch::Tensor logits = m.logits(d.images).to(torch::kFloat64);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(
        logits, d.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    const torch::Tensor correct = logits.argmax(1).eq(d.labels);
    for (int64_t i = 0; i < d.size(); ++i) {
      const double l = loss[i].item<double>();
      const bool ok =
          correct[i].item<bool>() &&
          (is_neg || !hold.defined() || keep_margins[i].item<double>() >= hold[i].item<double>());
      const double w = is_neg                   ? weights.neg
                       : weights.keep.defined() ? weights.keep[i].item<double>()
                                                : 1.0;
      const double correct_neg = bounded ? l / (1.0 + l) : l;
      fitness += w * (is_neg ? (ok ? correct_neg : 1.0) : (ok ? 1.0 : 1.0 / (1.0 + l)));
    }
    if (is_neg) *neg_mispredicted = 1.0 - correct.to(torch::kFloat64).mean().item<double>();
  }
  return fitness;
}

// Returns the candidates' fitness. With keep_margin the inputs to keep are labelled as the model
// predicts them, so that each has a margin to hold.
torch::Tensor expect_same_scores(int64_t layer, const std::string& architecture = "mnist_small",
                                 const mutagen::internal::InputWeights& weights = {},
                                 double keep_margin = -1, bool bounded_neg = false) {
  const Model model = Model::create(architecture, 2);
  const Dataset neg = random_images(7, 1);
  Dataset keep = random_images(9, 2);
  if (keep_margin >= 0) keep.labels = model.logits(keep.images).argmax(1);
  const int64_t numel = model.layer_weight(layer).numel();
  std::vector<int64_t> selected;
  for (int64_t i = 0; i < 12; ++i) selected.push_back((i * 7919 + 13) % numel);
  std::sort(selected.begin(), selected.end());
  const mutagen::internal::CandidateEvaluator evaluator(model, layer, selected, neg, keep, weights,
                                                        {std::max(0.0, keep_margin), bounded_neg});
  // The margin to hold: min(keep_margin, the original's), less 1e-3 for rounding, at least 0.
  const torch::Tensor hold = keep_margin > 0
                                 ? (margins(model, keep).clamp_max(keep_margin) - 1e-3).clamp_min(0)
                                 : torch::Tensor();
  auto gen = at::detail::createCPUGenerator(3);
  const torch::Tensor values =
      evaluator.original_values().unsqueeze(0) + at::randn({4, 12}, gen) * 0.5;
  const auto scores = evaluator.score(values);
  for (int64_t c = 0; c < 4; ++c) {
    const Model mutant = mutagen::internal::with_values(model, layer, selected, values[c]);
    double mispredicted = 0;
    const double fitness =
        reference_fitness(mutant, neg, keep, &mispredicted, weights, hold, bounded_neg);
    EXPECT_NEAR(scores.fitness[c].item<double>(), fitness, 1e-3 * (1 + std::abs(fitness)))
        << "layer " << layer << " candidate " << c;
    EXPECT_DOUBLE_EQ(scores.neg_mispredicted[c].item<double>(), mispredicted);
  }
  return scores.fitness;
}

// mnist_small's layer 2 is followed by ReLU, MaxPool2d, Flatten, Linear: only the affected channels
// are carried to the Linear. Layer 0 is followed by ReLU and another convolution: the full output.
TEST(ArachneCandidateEvaluator, ConvLayerMatchesPlainForwardPerCandidate) { expect_same_scores(2); }

TEST(ArachneCandidateEvaluator, FirstConvLayerMatchesPlainForwardPerCandidate) {
  expect_same_scores(0);
}

// Padding, stride and dilation move where each weight reads its input.
TEST(ArachneCandidateEvaluator, StridedPaddedDilatedConvMatchesPlainForwardPerCandidate) {
  namespace nn = torch::nn;
  mutagen::register_architecture("evaluator_geometry", [] {
    return nn::Sequential(
        nn::Conv2d(nn::Conv2dOptions(1, 3, 3).stride(2).padding(1)), nn::ReLU(),
        nn::Conv2d(nn::Conv2dOptions(3, 4, {3, 2}).stride({1, 2}).padding({2, 1}).dilation(2)),
        nn::Tanh(), nn::AvgPool2d(2), nn::Flatten(), nn::Linear(4 * 7 * 3, 10));
  });
  expect_same_scores(0, "evaluator_geometry");
  expect_same_scores(2, "evaluator_geometry");
}

// The thesis CNN has a Dropout between the pooling and the Flatten (identity in eval mode).
TEST(ArachneCandidateEvaluator, ThesisCnnConvLayersMatchPlainForwardPerCandidate) {
  expect_same_scores(0, "thesis_cnn");
  expect_same_scores(2, "thesis_cnn");
}

// Batch norms after the convolutions, with statistics far from the identity: carried on the
// affected channels only, as their per-channel affine map (conv1 -> BN -> SiLU -> conv2 -> BN ->
// ReLU -> adaptive average pooling -> Flatten -> Linear).
TEST(ArachneCandidateEvaluator, ConvWithBatchNormMatchesPlainForwardPerCandidate) {
  namespace nn = torch::nn;
  mutagen::register_architecture("evaluator_batchnorm", [] {
    auto norm = [](int64_t channels, double offset) {
      nn::BatchNorm2d bn(channels);
      torch::NoGradGuard no_grad;
      const torch::Tensor c = torch::arange(channels, torch::kFloat32);
      bn->running_mean.copy_(0.3 * torch::sin(c + offset));
      bn->running_var.copy_(0.5 + 0.4 * torch::cos(c * 1.7 + offset).abs());
      bn->weight.copy_(1.0 + 0.5 * torch::sin(c * 0.9 + offset));
      bn->bias.copy_(0.2 * torch::cos(c * 2.3 + offset));
      return bn;
    };
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 4, 3)), norm(4, 0.0), nn::SiLU(),
                          nn::Conv2d(nn::Conv2dOptions(4, 6, 3)), norm(6, 1.0), nn::ReLU(),
                          nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({6, 6})),
                          nn::Flatten(), nn::Linear(6 * 6 * 6, 10));
  });
  expect_same_scores(0, "evaluator_batchnorm");
  expect_same_scores(3, "evaluator_batchnorm");
}

TEST(ArachneCandidateEvaluator, LinearLayerMatchesPlainForwardPerCandidate) {
  expect_same_scores(6);
}

// Each input's score counts with its weight: keep_weight's uniform scaling of the inputs to keep,
// and balance's per-group weights (here uneven ones, in a different order from the inputs').
TEST(ArachneCandidateEvaluator, InputWeightsScaleEachInputsScore) {
  expect_same_scores(6, "mnist_small", {1.0, torch::full({9}, 3.0, torch::kFloat64)});
  expect_same_scores(2, "mnist_small", {1.0, torch::full({9}, 0.5, torch::kFloat64)});
  const torch::Tensor uneven = torch::arange(1, 10, torch::kFloat64) / 4;
  expect_same_scores(6, "mnist_small", {2.5, uneven});
  expect_same_scores(0, "thesis_cnn", {0.2, uneven});
}

// keep_margin: an input to keep that stays correct but loses its margin scores as if mispredicted.
// The random candidates move the logits by about as much as the margins they are held to, so
// some inputs fall below and the fitness is lower than plain SPEC's.
TEST(ArachneCandidateEvaluator, KeepMarginCountsOnlyInputsThatHoldTheirMargin) {
  const torch::Tensor plain = expect_same_scores(6, "mnist_small", {}, 0);
  const torch::Tensor held = expect_same_scores(6, "mnist_small", {}, 0.05);
  EXPECT_TRUE(held.le(plain + 1e-9).all().item<bool>()) << held << plain;
  EXPECT_TRUE(held.lt(plain - 1e-3).any().item<bool>()) << held << plain;
  expect_same_scores(2, "thesis_cnn", {1.0, torch::arange(1, 10, torch::kFloat64) / 4}, 0.05);
}

// neg_score "bounded": a correct cluster member scores loss / (1 + loss), never more than its
// loss, so the fitness is at most SPEC's and mispredicting a member (1) always scores more.
TEST(ArachneCandidateEvaluator, BoundedNegScoreMatchesPlainForwardPerCandidate) {
  const torch::Tensor spec = expect_same_scores(6, "mnist_small", {}, -1, false);
  const torch::Tensor bounded = expect_same_scores(6, "mnist_small", {}, -1, true);
  EXPECT_TRUE(bounded.lt(spec).all().item<bool>()) << bounded << spec;
  expect_same_scores(0, "thesis_cnn", {0.5, torch::arange(1, 10, torch::kFloat64) / 4}, 0.05, true);
  expect_same_scores(2, "thesis_cnn", {}, -1, true);
}

// The original's own values hold every margin, whatever keep_margin: the evaluator's path rounds
// differently from a forward pass, and that must not count an input to keep as lost.
TEST(ArachneCandidateEvaluator, OriginalValuesKeepEveryInputUnderKeepMargin) {
  const Model model = Model::create("thesis_cnn", 5);
  const Dataset neg = random_images(6, 8), keep = random_images(30, 9);
  for (const int64_t layer : {0, 2, 7}) {
    const int64_t numel = model.layer_weight(layer).numel();
    std::vector<int64_t> selected;
    for (int64_t i = 0; i < 8; ++i) selected.push_back((i * 104729 + 3) % numel);
    std::sort(selected.begin(), selected.end());
    const mutagen::internal::CandidateEvaluator plain(model, layer, selected, neg, keep),
        held(model, layer, selected, neg, keep, {}, {1e3});
    const torch::Tensor original = plain.original_values().unsqueeze(0);
    EXPECT_DOUBLE_EQ(held.score(original).fitness.item<double>(),
                     plain.score(original).fitness.item<double>())
        << "layer " << layer;
  }
}

TEST(ArachneCandidateEvaluator, KeepWeightsMustMatchTheInputsToKeep) {
  const Model model = Model::create("mnist_small", 2);
  const Dataset neg = random_images(3, 1), keep = random_images(5, 2);
  try {
    mutagen::internal::CandidateEvaluator(model, 6, {0, 1}, neg, keep,
                                          {1.0, torch::ones({4}, torch::kFloat64)});
    FAIL() << "expected an error";
  } catch (const mutagen::Error& e) {
    EXPECT_NE(std::string(e.what()).find("4 weights for the inputs to keep"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("(5)"), std::string::npos) << e.what();
  }
}

}  // namespace

// With a bar per candidate, scoring stops early only for candidates that provably cannot reach it;
// every other candidate gets exactly the score it gets without a bar. 900 inputs to keep make
// several stages.
TEST(ArachneCandidateEvaluator, BarDropsOnlyCandidatesThatCannotReachIt) {
  const Model model = Model::create("mnist_small", 4);
  const Dataset neg = random_images(40, 5), keep = random_images(900, 6);
  const int64_t numel = model.layer_weight(2).numel();
  std::vector<int64_t> selected;
  for (int64_t i = 0; i < 10; ++i) selected.push_back((i * 7919 + 5) % numel);
  std::sort(selected.begin(), selected.end());
  const mutagen::internal::CandidateEvaluator evaluator(model, 2, selected, neg, keep);
  auto gen = at::detail::createCPUGenerator(7);
  const torch::Tensor values =
      evaluator.original_values().unsqueeze(0) + at::randn({6, 10}, gen) * 2.0;
  const torch::Tensor full = evaluator.score(values).fitness;
  const int64_t all_pairs = evaluator.input_evaluations();
  EXPECT_EQ(all_pairs, 6 * 940);
  // Candidates 0-2 can reach their bar (at or just below their score); 3 and 4 cannot even if every
  // input scored its maximum; 5 falls short by 0.5, which may show only after some stages.
  const torch::Tensor offsets = torch::tensor({-1e-6, -1.0, 0.0, 1e6, 1e6, 0.5}, torch::kFloat64);
  const torch::Tensor raced = evaluator.score(values, full + offsets).fitness;
  // The same score up to float rounding: a batch's rows are split over torch's threads
  // (parallel_linear.h), and where a row falls in a BLAS tile can change its last bits.
  const auto same = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::abs(b); };
  for (int64_t c = 0; c < 3; ++c)
    EXPECT_TRUE(same(raced[c].item<double>(), full[c].item<double>()))
        << "candidate " << c << ": " << raced[c].item<double>() << " vs " << full[c].item<double>();
  for (int64_t c = 3; c < 5; ++c)
    EXPECT_TRUE(std::isinf(raced[c].item<double>()) && raced[c].item<double>() < 0)
        << "candidate " << c;
  const double last = raced[5].item<double>();
  EXPECT_TRUE(same(last, full[5].item<double>()) || (std::isinf(last) && last < 0)) << last;
  // 3 and 4 were dropped before any input; 5 was scored on at least I_neg (the first stage).
  const int64_t extra = evaluator.input_evaluations() - all_pairs;
  EXPECT_GE(extra, 3 * 940 + 40);
  EXPECT_LE(extra, 4 * 940);
}
