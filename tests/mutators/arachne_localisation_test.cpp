// Arachne localisation: GL and FI against hand-computed values on a tiny Linear model and against
// plain autograd on a Conv2d, Pareto fronts against brute force, layer choice and its errors.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "mutagen/error.h"
#include "mutagen/mutators/arachne.h"
#include "test_support.h"

namespace {

using mutagen::Dataset;
using mutagen::Model;
using mutagen::testing_support::expect_error;

// logits = W x: layer 0 is Linear(2, 2) with W = [[1, 2], [3, 4]], layer 1 the identity Linear.
Model tiny_linear() {
  torch::NoGradGuard no_grad;
  torch::nn::Linear hidden(2, 2), out(2, 2);
  hidden->weight.copy_(torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}}));
  hidden->bias.zero_();
  out->weight.copy_(torch::eye(2));
  out->bias.zero_();
  return Model::from_sequential(torch::nn::Sequential(hidden, out), "arachne_tiny");
}

Dataset tiny_data() {
  Dataset d;
  d.images = torch::tensor({{1.0f, 1.0f}, {2.0f, 0.0f}});
  d.labels = torch::tensor({0, 1}, torch::kLong);
  d.num_classes = 2;
  return d;
}

TEST(ArachneGradientLoss, MatchesHandComputedValues) {
  // x1 = (1, 1), label 0: z = (3, 7), dCE/dz = (p0 - 1, 1 - p0) with p0 = 1 / (1 + e^4).
  // x2 = (2, 0), label 1: z = (2, 6), dCE/dz = (q0, -q0) with q0 = 1 / (1 + e^4) too.
  const double p0 = 1.0 / (1.0 + std::exp(4.0));
  const torch::Tensor expected = torch::tensor({{std::abs((p0 - 1) + 2 * p0), std::abs(p0 - 1)},
                                                {std::abs((1 - p0) - 2 * p0), std::abs(1 - p0)}},
                                               torch::kFloat64);
  const torch::Tensor gl = mutagen::gradient_loss(tiny_linear(), 0, tiny_data());
  EXPECT_TRUE(torch::allclose(gl, expected, 1e-5, 1e-6)) << gl << expected;
}

TEST(ArachneForwardImpact, MatchesHandComputedValues) {
  // front: x1 gives rows (1/3, 2/3) and (3/7, 4/7), x2 gives (1, 0) and (1, 0); averaged.
  // behind: d(sum of logits)/dz = (1, 1) for both inputs, normalised (1/2, 1/2).
  const torch::Tensor expected = torch::tensor(
      {{(1.0 / 3 + 1) / 4, (2.0 / 3) / 4}, {(3.0 / 7 + 1) / 4, (4.0 / 7) / 4}}, torch::kFloat64);
  const torch::Tensor fi = mutagen::forward_impact(tiny_linear(), 0, tiny_data());
  EXPECT_TRUE(torch::allclose(fi, expected, 1e-6, 1e-7)) << fi << expected;
}

TEST(ArachneGradientLoss, ConvMatchesAutogradOnTheModel) {
  const Model model = Model::create("mnist_small", 3);
  Dataset d;
  d.images = torch::rand({6, 1, 28, 28}, at::detail::createCPUGenerator(5));
  d.labels = torch::tensor({0, 1, 2, 3, 4, 5}, torch::kLong);
  const torch::Tensor gl = mutagen::gradient_loss(model, 2, d);
  // Reference: autograd on a clone's own parameter.
  const Model copy = model.clone();
  copy.train(false);
  torch::Tensor w = copy.layer_weight(2);
  w.requires_grad_(true);
  const torch::Tensor loss = torch::nn::functional::cross_entropy(
      copy.forward(d.images), d.labels,
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
  const torch::Tensor reference = torch::autograd::grad({loss}, {w})[0].abs().to(torch::kFloat64);
  ASSERT_EQ(gl.sizes(), w.sizes());
  EXPECT_TRUE(torch::allclose(gl, reference, 1e-4, 1e-6));
  const torch::Tensor fi = mutagen::forward_impact(model, 2, d);
  ASSERT_EQ(fi.sizes(), w.sizes());
  EXPECT_GT(fi.sum().item<double>(), 0);
  EXPECT_TRUE(fi.ge(0).all().item<bool>());
}

// Brute force: point i is on the first front of `points` iff nothing dominates it.
std::vector<int64_t> brute_first_front(const std::vector<std::pair<double, double>>& p,
                                       const std::vector<int64_t>& among) {
  std::vector<int64_t> front;
  for (const int64_t i : among) {
    bool dominated = false;
    for (const int64_t j : among) {
      if (p[j].first >= p[i].first && p[j].second >= p[i].second &&
          (p[j].first > p[i].first || p[j].second > p[i].second)) {
        dominated = true;
        break;
      }
    }
    if (!dominated) front.push_back(i);
  }
  return front;
}

TEST(ArachnePareto, EveryFrontIsTheBruteForceParetoSetOfTheRest) {
  auto gen = at::detail::createCPUGenerator(11);
  // Rounded so that ties in either objective and duplicate points occur.
  const torch::Tensor a = (at::rand({400}, gen) * 20).floor();
  const torch::Tensor b = (at::rand({400}, gen) * 20).floor();
  const torch::Tensor ranks = mutagen::pareto_ranks(a, b, 400);
  std::vector<std::pair<double, double>> p;
  for (int64_t i = 0; i < 400; ++i) p.emplace_back(a[i].item<double>(), b[i].item<double>());
  std::vector<int64_t> rest(400);
  std::iota(rest.begin(), rest.end(), 0);
  for (int64_t front = 1; !rest.empty(); ++front) {
    const std::vector<int64_t> expected = brute_first_front(p, rest);
    std::vector<int64_t> got, next;
    for (const int64_t i : rest) (ranks[i].item<int64_t>() == front ? got : next).push_back(i);
    ASSERT_EQ(got, expected) << "front " << front;
    rest = next;
  }
  // Only the first front when no count is asked for.
  const torch::Tensor first = mutagen::pareto_ranks(a, b);
  EXPECT_EQ(first.le(1).all().item<bool>(), true);
  EXPECT_EQ(first.eq(1).sum().item<int64_t>(), ranks.eq(1).sum().item<int64_t>());
}

Model small_mlp(uint64_t seed) {
  torch::manual_seed(seed);
  return Model::from_sequential(
      torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(784, 12), torch::nn::ReLU(),
                            torch::nn::Linear(12, 10)),
      "arachne_mlp");
}

Dataset random_images(int64_t n, int64_t label, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  Dataset d;
  d.images = at::rand({n, 1, 28, 28}, gen);
  d.labels = torch::full({n}, label, torch::kLong);
  return d;
}

TEST(ArachneLocalise, FrontIsExactlyTheParetoSetOfAllWeights) {
  const Model model = small_mlp(1);
  const auto loc = mutagen::localise(model, 1, random_images(20, 2, 1), random_images(30, 2, 2));
  ASSERT_EQ(loc.kind, "Linear");
  const torch::Tensor gl = loc.gl.reshape(-1), fi = loc.fi.reshape(-1);
  std::vector<std::pair<double, double>> p;
  for (int64_t i = 0; i < gl.numel(); ++i)
    p.emplace_back(gl[i].item<double>(), fi[i].item<double>());
  std::vector<int64_t> all(p.size());
  std::iota(all.begin(), all.end(), 0);
  EXPECT_EQ(loc.selected, brute_first_front(p, all));
  // With a count, further fronts until that many, then exactly that many.
  const auto more =
      mutagen::localise(model, 1, random_images(20, 2, 1), random_images(30, 2, 2), 50);
  EXPECT_EQ(more.selected.size(), 50u);
}

TEST(ArachneLayer, ResolvesIndexNameAndAuto) {
  const Model model = small_mlp(1);
  EXPECT_EQ(mutagen::resolve_layer(model, "auto"), 1);
  EXPECT_EQ(mutagen::resolve_layer(model, "3"), 3);
  expect_error([&] { mutagen::resolve_layer(model, "9"); }, {"layer 9 out of range", "[0, 4)"});
  expect_error([&] { mutagen::resolve_layer(model, "2"); },
               {"layer 2 ('2', ReLU)", "no kernel weights", "expected a Linear or Conv2d"});
  expect_error([&] { mutagen::resolve_layer(model, "fc9"); }, {"layer 'fc9' not found"});
  expect_error([&] { mutagen::gradient_loss(model, 0, random_images(2, 0, 1)); },
               {"layer 0 ('0', Flatten)", "no kernel weights"});
}

TEST(ArachneModel, TrailingSoftmaxIsSkippedAndLayersHaveNames) {
  torch::manual_seed(4);
  const Model model = Model::from_sequential(
      torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(784, 8), torch::nn::ReLU(),
                            torch::nn::Linear(8, 10),
                            torch::nn::Softmax(torch::nn::SoftmaxOptions(1))),
      "arachne_softmax");
  ASSERT_EQ(model.num_layers(), 5);
  EXPECT_EQ(model.layer_name(3), "3");
  EXPECT_EQ(model.layer_index("3"), 3);
  EXPECT_EQ(model.layer_index("9"), -1);
  EXPECT_TRUE(model.layer_bias(3).defined());
  EXPECT_FALSE(model.layer_bias(2).defined());
  EXPECT_EQ(model.logits_end(), 4);
  const torch::Tensor x = random_images(3, 0, 9).images;
  const torch::Tensor logits = model.logits(x);
  // Logits, not probabilities: softmax of them is the model's full output.
  EXPECT_TRUE(torch::allclose(torch::softmax(logits, 1),
                              model.forward_layers(x, 0, model.num_layers()).detach()));
  EXPECT_EQ(mutagen::resolve_layer(model, "auto"), 1);
  expect_error([&] { mutagen::resolve_layer(model, "4"); }, {"layer 4 out of range", "[0, 4)"});
}

}  // namespace
