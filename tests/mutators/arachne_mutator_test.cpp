// Arachne mutators on a small trained model: options and their errors, determinism, the original
// untouched, the cluster mispredicted more than the rest of its class and the other classes, and
// the noise scale bisected to a target misprediction.
#include <gtest/gtest.h>

#include "arachne/candidate_evaluator.h"
#include "mutagen/error.h"
#include "mutagen/mutators/arachne.h"
#include "mutagen/mutators/registry.h"
#include "test_support.h"

namespace {

using mutagen::ArachneDeMutator;
using mutagen::ArachneNoiseMutator;
using mutagen::ArachneOptions;
using mutagen::Dataset;
using mutagen::Model;
using mutagen::MutationInputs;
using mutagen::testing_support::expect_error;

// Three classes in 8 dimensions; class 0 is two well separated blobs (clusters 0 and 1).
struct Blobs {
  Dataset neg, pos, other;
};

Dataset blob(const std::vector<float>& centre, int64_t n, int64_t label, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  Dataset d;
  d.images = torch::tensor(centre).unsqueeze(0) + 0.3 * at::randn({n, 8}, gen);
  d.labels = torch::full({n}, label, torch::kLong);
  d.num_classes = 3;
  return d;
}

Dataset cat(const Dataset& a, const Dataset& b) {
  Dataset d;
  d.images = torch::cat({a.images, b.images});
  d.labels = torch::cat({a.labels, b.labels});
  d.num_classes = a.num_classes;
  return d;
}

Blobs blobs(uint64_t seed) {
  return {blob({2, 2, 0, 0, 0, 0, 0, 0}, 60, 0, seed),
          blob({-2, 2, 0, 0, 0, 0, 0, 0}, 60, 0, seed + 1),
          cat(blob({0, -2, 2, 0, 0, 0, 0, 0}, 60, 1, seed + 2),
              blob({0, -2, -2, 0, 0, 0, 0, 0}, 60, 2, seed + 3))};
}

// An MLP trained to near-perfect accuracy on the blobs (deterministic: seeded init, full batches).
const Model& trained_mlp() {
  static const Model model = [] {
    torch::manual_seed(7);
    torch::nn::Sequential net(torch::nn::Linear(8, 16), torch::nn::ReLU(),
                              torch::nn::Linear(16, 3));
    const Blobs b = blobs(100);
    const Dataset all = cat(cat(b.neg, b.pos), b.other);
    torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(0.02));
    for (int step = 0; step < 300; ++step) {
      opt.zero_grad();
      torch::nn::functional::cross_entropy(net->forward(all.images), all.labels).backward();
      opt.step();
    }
    net->eval();
    return Model::from_sequential(net, "arachne_blobs");
  }();
  return model;
}

MutationInputs inputs(uint64_t seed) {
  const Blobs b = blobs(100);
  MutationInputs in;
  in.target_class = 0;
  in.cluster = 0;
  in.neg = b.neg;
  in.pos = b.pos;
  in.other = b.other;
  in.seed = seed;
  return in;
}

double mispredicted(const Model& m, const Dataset& d) {
  return 1.0 - mutagen::accuracy(m, d.images, d.labels);
}

TEST(ArachneOptions, JsonRoundTripAndNamedErrors) {
  const auto o = ArachneOptions::from_json({{"layer", 2}, {"count", 5}, {"clip", true}});
  EXPECT_EQ(o.layer(), "2");
  EXPECT_EQ(o.count(), 5);
  EXPECT_TRUE(o.clip());
  EXPECT_EQ(ArachneOptions::from_json(o.to_json()).to_json(), o.to_json());
  expect_error(
      [] {
        ArachneOptions::from_json({{"count", "x"}}, "arachne-de");
      },
      {"arachne-de option 'count'", "expected an integer"});
  expect_error(
      [] {
        ArachneOptions::from_json({{"layer", 1.5}});
      },
      {"option 'layer'", "a layer index >= 0, a layer name, or \"auto\""});
  expect_error(
      [] {
        ArachneOptions::from_json({{"clip", 1}});
      },
      {"option 'clip'", "true or false"});
  expect_error([] { ArachneOptions::from_json({{"sigma", -1}}); }, {"option 'sigma'"});
  expect_error(
      [] {
        ArachneOptions::from_json({{"f_min", 0.9}, {"f_max", 0.6}});
      },
      {"option 'f_min'", "<= f_max"});
  expect_error([] { ArachneOptions::from_json({{"colour", 1}}); }, {"unknown field 'colour'"});
  expect_error([] { ArachneOptions::from_json({{"keep_weight", 0}}); }, {"option 'keep_weight'"});
}

// Each mutator lists (and keys its cache on) the options it reads: the noise scale is no DE
// setting and the population no noise setting. The other one's options, which the group "arachne"
// passes to both, are accepted and do nothing.
TEST(ArachneOptions, EachMutatorListsTheOptionsItReads) {
  auto keys = [](const nlohmann::json& j) {
    std::vector<std::string> k;
    for (const auto& [key, value] : j.items()) k.push_back(key);
    return k;
  };
  const auto& registry = mutagen::MutatorRegistry::global();
  const nlohmann::json both = {{"count", 7}, {"sigma", 0.5}, {"generations", 3}, {"clip", true}};
  EXPECT_EQ(keys(registry.create("arachne-noise", both)->options()),
            (std::vector<std::string>{"count", "layer", "seed", "sigma", "target_misprediction"}));
  const nlohmann::json de = registry.create("arachne-de", both)->options();
  EXPECT_EQ(keys(de),
            (std::vector<std::string>{"clip", "count", "crossover", "f_max", "f_min", "generations",
                                      "layer", "patience", "population", "seed"}));
  EXPECT_EQ(de["generations"], 3);
  EXPECT_EQ(registry.create("arachne-noise", both)->options()["sigma"], 0.5);
  // The struct alone still reads and writes every option.
  EXPECT_EQ(keys(ArachneOptions::from_json(both).to_json()).size(), 12u);
}

// keep_weight appears in the options (and so in cache keys) only when it is not SPEC's 1, so that
// mutants made before the option existed keep their keys.
TEST(ArachneOptions, KeepWeightIsWrittenOnlyWhenSet) {
  EXPECT_FALSE(ArachneOptions().to_json().contains("keep_weight"));
  const auto o = ArachneOptions::from_json({{"keep_weight", 3}});
  EXPECT_EQ(o.keep_weight(), 3.0);
  EXPECT_EQ(o.to_json()["keep_weight"], 3.0);
  EXPECT_EQ(ArachneOptions::from_json(o.to_json()).keep_weight(), 3.0);
}

TEST(ArachneOptions, BalanceIsWrittenOnlyWhenSet) {
  EXPECT_FALSE(ArachneOptions().to_json().contains("balance"));
  const auto o = ArachneOptions::from_json({{"balance", true}});
  EXPECT_TRUE(o.balance());
  EXPECT_EQ(o.to_json()["balance"], true);
  EXPECT_TRUE(ArachneOptions::from_json(o.to_json()).balance());
  expect_error(
      [] {
        ArachneOptions::from_json({{"balance", "yes"}}, "arachne-de");
      },
      {"arachne-de option 'balance'", "true or false"});
}

TEST(ArachneOptions, KeepMarginIsWrittenOnlyWhenSet) {
  EXPECT_FALSE(ArachneOptions().to_json().contains("keep_margin"));
  const auto o = ArachneOptions::from_json({{"keep_margin", 2.5}});
  EXPECT_EQ(o.keep_margin(), 2.5);
  EXPECT_EQ(ArachneOptions::from_json(o.to_json()).keep_margin(), 2.5);
  for (const nlohmann::json& bad : {nlohmann::json(-1), nlohmann::json("wide")})
    expect_error(
        [&] {
          ArachneOptions::from_json({{"keep_margin", bad}}, "arachne-de");
        },
        {"arachne-de option 'keep_margin'"});
}

TEST(ArachneOptions, NegScoreIsLossOrBounded) {
  EXPECT_EQ(ArachneOptions().neg_score(), "loss");
  EXPECT_FALSE(ArachneOptions().to_json().contains("neg_score"));
  const auto o = ArachneOptions::from_json({{"neg_score", "bounded"}});
  EXPECT_EQ(o.neg_score(), "bounded");
  EXPECT_EQ(ArachneOptions::from_json(o.to_json()).neg_score(), "bounded");
  for (const nlohmann::json& bad : {nlohmann::json("capped"), nlohmann::json(1)})
    expect_error(
        [&] {
          ArachneOptions::from_json({{"neg_score", bad}}, "arachne-de");
        },
        {"arachne-de option 'neg_score'", "\"loss\" (SPEC eq. 4.11) or \"bounded\""});
}

TEST(ArachneRegistry, BothMutatorsAndTheGroup) {
  auto& r = mutagen::MutatorRegistry::global();
  EXPECT_TRUE(r.contains("arachne-noise"));
  EXPECT_TRUE(r.contains("arachne-de"));
  EXPECT_EQ(r.expand("arachne"), (std::vector<std::string>{"arachne-noise", "arachne-de"}));
  expect_error(
      [&] {
        r.create("arachne-de", {{"population", "many"}});
      },
      {"arachne-de option 'population'"});
}

TEST(ArachneMutators, BadInputsGetNamedErrors) {
  const Model& model = trained_mlp();
  MutationInputs in = inputs(1);
  expect_error([&] { ArachneDeMutator(ArachneOptions().layer("7")).mutate(model, in); },
               {"arachne-de", "cluster 0 of class 0", "layer 7 out of range"});
  expect_error([&] { ArachneNoiseMutator(ArachneOptions().layer("1")).mutate(model, in); },
               {"arachne-noise", "layer 1 ('1', ReLU)", "no kernel weights"});
  in.neg = Dataset{};
  expect_error([&] { ArachneDeMutator().mutate(model, in); },
               {"arachne-de", "I_neg is empty", "expected at least one"});
}

TEST(ArachneDe, MispredictsTheClusterNotTheRest) {
  const Model& model = trained_mlp();
  const MutationInputs in = inputs(3);
  ASSERT_LT(mispredicted(model, in.neg), 0.05);
  const std::string before = model.fingerprint();
  const ArachneDeMutator de(ArachneOptions().layer("0").count(20));
  const Model mutant = de.mutate(model, in);
  EXPECT_EQ(model.fingerprint(), before) << "the original changed";
  const double neg = mispredicted(mutant, in.neg);
  const double pos = mispredicted(mutant, in.pos);
  const double other = mispredicted(mutant, in.other);
  EXPECT_GE(neg, 0.5);
  EXPECT_LE(pos, 0.1);
  EXPECT_LE(other, 0.1);
  // Only the localised weights of layer 0 changed.
  const int64_t changed = model.layer_weight(0).ne(mutant.layer_weight(0)).sum().item<int64_t>();
  EXPECT_GT(changed, 0);
  EXPECT_LE(changed, 20);
  EXPECT_TRUE(model.layer_weight(2).equal(mutant.layer_weight(2)));
  // Same seed, same mutant; another seed, another mutant.
  EXPECT_EQ(de.mutate(model, in).fingerprint(), mutant.fingerprint());
  EXPECT_NE(de.mutate(model, inputs(4)).fingerprint(), mutant.fingerprint());
}

// balance weighs I_neg and I_pos as if each had their mean size: with a cluster as large as the
// rest of its class it changes nothing.
TEST(ArachneDe, BalanceLeavesEvenClustersAlone) {
  const Model& model = trained_mlp();
  const auto options = ArachneOptions().layer("0").count(20).generations(8);
  const ArachneDeMutator plain(options), balanced(ArachneOptions(options).balance(true));
  MutationInputs in = inputs(3);
  ASSERT_EQ(in.neg.size(), in.pos.size());
  EXPECT_EQ(balanced.mutate(model, in).fingerprint(), plain.mutate(model, in).fingerprint());
}

// A cluster of 6 against an I_pos of 60 (mean size 33) and 120 other-class inputs.
TEST(ArachneDe, BalanceWeighsTheClusterAndTheRestOfItsClassAlike) {
  MutationInputs small = inputs(3);
  small.neg = small.neg.subset(std::vector<int64_t>{0, 1, 2, 3, 4, 5});
  ASSERT_EQ(small.pos.size(), 60);
  ASSERT_EQ(small.other.size(), 120);
  const auto plain = mutagen::internal::input_weights(small, ArachneOptions().keep_weight(2));
  EXPECT_EQ(plain.neg, 1.0);
  EXPECT_TRUE(plain.keep.equal(torch::full({180}, 2.0, torch::kFloat64)));
  const auto balanced =
      mutagen::internal::input_weights(small, ArachneOptions().keep_weight(2).balance(true));
  EXPECT_DOUBLE_EQ(balanced.neg, 33.0 / 6);
  ASSERT_EQ(balanced.keep.size(0), 180);
  EXPECT_DOUBLE_EQ(balanced.keep[0].item<double>(), 2 * 33.0 / 60);
  EXPECT_DOUBLE_EQ(balanced.keep[59].item<double>(), 2 * 33.0 / 60);
  EXPECT_DOUBLE_EQ(balanced.keep[60].item<double>(), 2.0);
  EXPECT_DOUBLE_EQ(balanced.keep[179].item<double>(), 2.0);
  // The cluster then weighs as much as the rest of its class (times keep_weight for the latter).
  EXPECT_DOUBLE_EQ(balanced.neg * 6, 33.0);
  EXPECT_DOUBLE_EQ(balanced.keep.slice(0, 0, 60).sum().item<double>(), 2 * 33.0);
  // Without an I_pos there is nothing to balance against.
  small.pos = Dataset{};
  EXPECT_EQ(mutagen::internal::input_weights(small, ArachneOptions().balance(true)).neg, 1.0);
}

// SPEC's early stop ends a search whose best has not improved for `patience` generations; while
// that best mispredicts none of the cluster the search goes on, or the mutant would change nothing.
// Here no candidate can change a prediction: the class-0 logit leads by 1e4 and every input's
// score is exactly the same (loss 0), so no generation ever improves on the first, and each trial,
// tying with its member, replaces it (the population still moves).
TEST(ArachneDe, SearchesOnWhileItsBestMispredictsNothing) {
  torch::manual_seed(3);
  torch::nn::Linear linear(8, 3);
  {
    torch::NoGradGuard no_grad;
    linear->weight.normal_(0, 0.1);
    linear->bias.copy_(torch::tensor({1e4f, 0.0f, 0.0f}));
  }
  const Model model = Model::from_sequential(torch::nn::Sequential(linear), "sure_of_class_0");
  MutationInputs in = inputs(3);
  in.other = Dataset{};
  ASSERT_EQ(mispredicted(model, in.neg), 0.0);
  const auto options = ArachneOptions().layer("0").count(4).population(10).generations(12);
  const auto made = [&](const ArachneOptions& o) {
    return ArachneDeMutator(o).mutate(model, in).fingerprint();
  };
  const std::string all_generations = made(ArachneOptions(options).patience(12));
  ASSERT_NE(made(ArachneOptions(options).generations(2)), all_generations)
      << "the population should move every generation";
  // SPEC's rule alone would stop after generation 2 (two without a better best).
  EXPECT_EQ(made(ArachneOptions(options).patience(2)), all_generations);
}

// Once the best mispredicts part of the cluster, SPEC's early stop applies as before.
TEST(ArachneDe, StopsEarlyOnceItsBestMispredicts) {
  const Model& model = trained_mlp();
  const MutationInputs in = inputs(3);
  const auto options = ArachneOptions().layer("0").count(20).generations(25);
  const Model patient = ArachneDeMutator(ArachneOptions(options).patience(25)).mutate(model, in);
  ASSERT_GT(mispredicted(patient, in.neg), 0.0);
  EXPECT_NE(ArachneDeMutator(ArachneOptions(options).patience(1)).mutate(model, in).fingerprint(),
            patient.fingerprint());
}

TEST(ArachneNoise, BisectsSigmaToTheTargetMisprediction) {
  const Model& model = trained_mlp();
  const MutationInputs in = inputs(5);
  const std::string before = model.fingerprint();
  const ArachneNoiseMutator noise(ArachneOptions().layer("2").count(10).target_misprediction(0.5));
  const Model mutant = noise.mutate(model, in);
  EXPECT_EQ(model.fingerprint(), before);
  EXPECT_GE(mispredicted(mutant, in.neg), 0.5);
  EXPECT_EQ(noise.mutate(model, in).fingerprint(), mutant.fingerprint());
  // A fixed sigma changes exactly the localised weights.
  const Model fixed = ArachneNoiseMutator(ArachneOptions().layer("0").count(7)).mutate(model, in);
  EXPECT_EQ(model.layer_weight(0).ne(fixed.layer_weight(0)).sum().item<int64_t>(), 7);
}

}  // namespace
