// DeepMutation++ operators: each changes what it should and nothing else, against values computed
// here from the original's own layers.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "deepmutation_fixture.h"
#include "mutagen/mutators/deepmutation.h"
#include "test_support.h"

namespace {

using mutagen::DeepMutationOptions;
using mutagen::Model;
using mutagen::testing_support::deepmutation_input;
using mutagen::testing_support::deepmutation_inputs;
using mutagen::testing_support::deepmutation_net;

// Parameters that differ between `a` and `b` (same names), by name.
std::set<std::string> changed_parameters(const Model& a, const Model& b) {
  std::set<std::string> out;
  const auto pa = a.named_parameters();
  const auto pb = b.named_parameters();
  EXPECT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    EXPECT_EQ(pa[i].first, pb[i].first);
    if (!torch::equal(pa[i].second, pb[i].second)) out.insert(pa[i].first);
  }
  return out;
}

// Activations entering layer 6 (Linear 8->8) for the fixed input.
torch::Tensor into_layer6(const Model& m) {
  torch::NoGradGuard g;
  return m.forward_layers(deepmutation_input(), 0, 6);
}

torch::Tensor layer6(const Model& m, const torch::Tensor& h) {
  torch::NoGradGuard g;
  return m.forward_layers(h, 6, 7);
}

TEST(DeepMutationGF, ChangesTheRatioOfOneLayersWeightsOnly) {
  const Model original = deepmutation_net();
  const std::string before = original.fingerprint();
  const Model mutant = mutagen::GaussianFuzzing(DeepMutationOptions().ratio(0.05).layer(4))
                           .mutate(original, deepmutation_inputs());
  EXPECT_EQ(changed_parameters(original, mutant), std::set<std::string>{"4.weight"});
  const torch::Tensor w0 = original.layer_weight(4), w1 = mutant.layer_weight(4);
  // 5% of 27 x 8 = 216 weights: 11, each multiplied by 1 + N(0, 0.5).
  EXPECT_EQ(w0.ne(w1).sum().item<int64_t>(), 11);
  EXPECT_EQ(original.fingerprint(), before);
}

TEST(DeepMutationGF, DefaultRatioChangesAtLeastOneWeightOfASeededLayer) {
  const Model original = deepmutation_net();
  const Model mutant = mutagen::GaussianFuzzing().mutate(original, deepmutation_inputs());
  const auto changed = changed_parameters(original, mutant);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_NE(changed.begin()->find("weight"), std::string::npos);
}

TEST(DeepMutationWS, KeepsTheMultisetOfEachNeuronsWeights) {
  const Model original = deepmutation_net();
  const Model mutant = mutagen::WeightShuffling(DeepMutationOptions().ratio(0.25).layer(6))
                           .mutate(original, deepmutation_inputs());
  EXPECT_EQ(changed_parameters(original, mutant), std::set<std::string>{"6.weight"});
  const torch::Tensor w0 = original.layer_weight(6), w1 = mutant.layer_weight(6);
  int64_t rows_changed = 0;
  for (int64_t r = 0; r < 8; ++r) {
    EXPECT_TRUE(torch::equal(std::get<0>(w0[r].sort()), std::get<0>(w1[r].sort()))) << "row " << r;
    rows_changed += torch::equal(w0[r], w1[r]) ? 0 : 1;
  }
  EXPECT_EQ(rows_changed, 2);  // 25% of 8 neurons
}

TEST(DeepMutationNEB, ZeroesTheEffectOfBlockedNeuronsOnTheLayer) {
  const Model original = deepmutation_net();
  const Model mutant = mutagen::NeuronEffectBlock(DeepMutationOptions().ratio(0.25).layer(6))
                           .mutate(original, deepmutation_inputs());
  EXPECT_EQ(changed_parameters(original, mutant), std::set<std::string>{"6.weight"});
  const torch::Tensor w = mutant.layer_weight(6);
  std::vector<int64_t> blocked;
  for (int64_t j = 0; j < 8; ++j)
    if (w.select(1, j).abs().sum().item<double>() == 0) blocked.push_back(j);
  ASSERT_EQ(blocked.size(), 2u);
  // The mutant's layer on h equals the original's on h with the blocked neurons silenced.
  const torch::Tensor h = into_layer6(original);
  torch::Tensor silenced = h.clone();
  for (int64_t j : blocked) silenced.select(1, j).zero_();
  EXPECT_TRUE(torch::allclose(layer6(mutant, h), layer6(original, silenced), 1e-6, 1e-6));
}

TEST(DeepMutationNAI, NegatesTheChosenNeuronsPreActivation) {
  const Model original = deepmutation_net();
  const Model mutant = mutagen::NeuronActivationInverse(DeepMutationOptions().ratio(0.125).layer(6))
                           .mutate(original, deepmutation_inputs());
  EXPECT_EQ(changed_parameters(original, mutant), (std::set<std::string>{"6.bias", "6.weight"}));
  const torch::Tensor h = into_layer6(original);
  const torch::Tensor z0 = layer6(original, h), z1 = layer6(mutant, h);
  int64_t negated = 0;
  for (int64_t n = 0; n < 8; ++n) {
    if (torch::equal(z0.select(1, n), z1.select(1, n))) continue;
    EXPECT_TRUE(torch::allclose(z1.select(1, n), -z0.select(1, n), 1e-6, 1e-6)) << "neuron " << n;
    ++negated;
  }
  EXPECT_EQ(negated, 1);
}

TEST(DeepMutationNS, SwapsTwoNeurons) {
  const Model original = deepmutation_net();
  const Model mutant =
      mutagen::NeuronSwitch(DeepMutationOptions().layer(6)).mutate(original, deepmutation_inputs());
  const torch::Tensor h = into_layer6(original);
  const torch::Tensor z0 = layer6(original, h), z1 = layer6(mutant, h);
  std::vector<int64_t> moved;
  for (int64_t n = 0; n < 8; ++n)
    if (!torch::equal(z0.select(1, n), z1.select(1, n))) moved.push_back(n);
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_TRUE(torch::allclose(z1.select(1, moved[0]), z0.select(1, moved[1]), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(z1.select(1, moved[1]), z0.select(1, moved[0]), 1e-6, 1e-6));
}

TEST(DeepMutationNS, OneNeuronLayerIsANamedError) {
  const Model tiny = Model::from_sequential(
      torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(64, 1)), "tiny");
  mutagen::testing_support::expect_error(
      [&] {
        mutagen::NeuronSwitch(DeepMutationOptions().layer(1)).mutate(tiny, deepmutation_inputs());
      },
      {"ns", "layer 1 (Linear)", "at least two neurons"});
  mutagen::testing_support::expect_error(
      [&] { mutagen::NeuronSwitch().mutate(tiny, deepmutation_inputs()); },
      {"ns", "no layer it applies to"});
}

TEST(DeepMutationLD, RemovesAShapePreservingLayer) {
  const Model original = deepmutation_net();
  const Model mutant = mutagen::LayerDeactivation(DeepMutationOptions().layer(5))
                           .mutate(original, deepmutation_inputs());
  ASSERT_EQ(mutant.num_layers(), 8);
  EXPECT_EQ(original.num_layers(), 9);
  EXPECT_EQ(mutant.layer_kind(5), "Linear");
  EXPECT_EQ(mutant.layer_edits(), "remove:5");
  torch::NoGradGuard g;
  const torch::Tensor expected =
      original.forward_layers(original.forward_layers(deepmutation_input(), 0, 5), 6, 9);
  EXPECT_TRUE(torch::equal(mutant.logits(deepmutation_input()), expected));
}

TEST(DeepMutationLD, LayersWhoseRemovalBreaksShapesAreRefused) {
  const Model original = deepmutation_net();
  for (int64_t k : {0, 4, 8})
    mutagen::testing_support::expect_error(
        [&] {
          mutagen::LayerDeactivation(DeepMutationOptions().layer(k))
              .mutate(original, deepmutation_inputs());
        },
        {"ld", "layer " + std::to_string(k), "is not one it applies to"});
  // A seeded choice only ever picks an eligible layer: 1, 5, 6 (square Linear) or 7.
  for (uint64_t seed = 0; seed < 8; ++seed) {
    const Model m = mutagen::LayerDeactivation(DeepMutationOptions().seed(seed))
                        .mutate(original, deepmutation_inputs());
    const std::set<std::string> ok = {"remove:1", "remove:5", "remove:6", "remove:7"};
    EXPECT_TRUE(ok.count(m.layer_edits())) << m.layer_edits();
  }
}

TEST(DeepMutationLAm, RepeatsALayerWithItsWeights) {
  const Model original = deepmutation_net();
  const Model mutant = mutagen::LayerAddition(DeepMutationOptions().layer(6))
                           .mutate(original, deepmutation_inputs());
  ASSERT_EQ(mutant.num_layers(), 10);
  EXPECT_EQ(mutant.layer_kind(7), "Linear");
  EXPECT_TRUE(torch::equal(mutant.layer_weight(7), original.layer_weight(6)));
  EXPECT_FALSE(mutant.layer_weight(7).is_same(mutant.layer_weight(6)));  // its own copy
  torch::NoGradGuard g;
  const torch::Tensor h = original.forward_layers(deepmutation_input(), 0, 7);
  const torch::Tensor expected = original.forward_layers(h, 6, 9);
  EXPECT_TRUE(torch::equal(mutant.logits(deepmutation_input()), expected));
}

TEST(DeepMutationLAm, IdempotentLayersAreNotRepeated) {
  // ReLU(ReLU(x)) = ReLU(x): a repeated ReLU would be the original model.
  mutagen::testing_support::expect_error(
      [&] {
        mutagen::LayerAddition(DeepMutationOptions().layer(5))
            .mutate(deepmutation_net(), deepmutation_inputs());
      },
      {"lam", "layer 5 (ReLU)", "is not one it applies to"});
}

TEST(DeepMutationAFRm, ReplacesAnActivationByIdentity) {
  const Model original = deepmutation_net();
  const Model mutant = mutagen::ActivationFunctionRemoval(DeepMutationOptions().layer(7))
                           .mutate(original, deepmutation_inputs());
  EXPECT_EQ(mutant.layer_kind(7), "Identity");
  EXPECT_EQ(original.layer_kind(7), "Tanh");
  EXPECT_TRUE(changed_parameters(original, mutant).empty());
  torch::NoGradGuard g;
  const torch::Tensor expected =
      original.forward_layers(original.forward_layers(deepmutation_input(), 0, 7), 8, 9);
  EXPECT_TRUE(torch::equal(mutant.logits(deepmutation_input()), expected));
  EXPECT_NE(mutant.fingerprint(), original.fingerprint());
  mutagen::testing_support::expect_error(
      [&] {
        mutagen::ActivationFunctionRemoval(DeepMutationOptions().layer(6))
            .mutate(original, deepmutation_inputs());
      },
      {"afrm", "layer 6 (Linear)", "activation"});
}

}  // namespace
