// DeepMutation++ family: registration and group, options in and out, named errors for bad input,
// determinism given the seed, and originals left untouched.
#include <gtest/gtest.h>

#include "deepmutation_fixture.h"
#include "mutagen/mutators/deepmutation.h"
#include "mutagen/mutators/registry.h"
#include "test_support.h"

namespace {

using mutagen::DeepMutationOptions;
using mutagen::Model;
using mutagen::MutatorRegistry;
using mutagen::testing_support::deepmutation_inputs;
using mutagen::testing_support::deepmutation_net;
using mutagen::testing_support::expect_error;
using mutagen::testing_support::kDeepMutationOperators;

TEST(DeepMutationRegistry, GroupHoldsTheEightUntargetedOperators) {
  const auto& registry = MutatorRegistry::global();
  ASSERT_TRUE(registry.is_group("deepmutation"));
  EXPECT_EQ(registry.expand("deepmutation"), kDeepMutationOperators);
  for (const auto& name : kDeepMutationOperators) {
    const auto m = registry.create(name);
    EXPECT_EQ(m->name(), name);
    EXPECT_FALSE(m->targeted()) << name;
    EXPECT_FALSE(registry.description(name).empty()) << name;
    EXPECT_EQ(m->options(),
              (nlohmann::json{
                  {"ratio", 0.01}, {"layer", -1}, {"seed", 0}, {"sigma", 0.5}, {"instances", 1}}));
  }
}

TEST(DeepMutationRegistry, UnknownOperatorListsTheKnownOnes) {
  expect_error([] { MutatorRegistry::global().create("gff"); }, {"gff", "gf", "afrm", "lam"});
}

TEST(DeepMutationOptions, RoundTripThroughJson) {
  const auto o = DeepMutationOptions::from_json(
      {{"ratio", 0.2}, {"layer", 4}, {"seed", 3}, {"instances", 5}, {"sigma", 1.0}}, "gf");
  EXPECT_EQ(o.ratio(), 0.2);
  EXPECT_EQ(o.layer(), 4);
  EXPECT_EQ(o.seed(), 3u);
  EXPECT_EQ(o.instances(), 5);
  EXPECT_EQ(o.sigma(), 1.0);
  EXPECT_EQ(DeepMutationOptions::from_json(o.to_json()).to_json(), o.to_json());
  EXPECT_EQ(DeepMutationOptions::from_json(nullptr).ratio(), 0.01);
}

TEST(DeepMutationOptions, RatioOutsideZeroOneIsANamedError) {
  for (double r : {0.0, -0.1, 1.5})
    expect_error(
        [&] {
          MutatorRegistry::global().create("gf", {{"ratio", r}});
        },
        {"gf option 'ratio'", "(0, 1]"});
  EXPECT_EQ(DeepMutationOptions::from_json({{"ratio", 1}}).ratio(), 1.0);
}

TEST(DeepMutationOptions, WrongTypesAndUnknownFieldsAreNamedErrors) {
  auto& r = MutatorRegistry::global();
  expect_error([&] { r.create("ws", {{"ratio", "a lot"}}); }, {"ws option 'ratio'", "a number"});
  expect_error([&] { r.create("neb", {{"layer", 2.5}}); }, {"neb option 'layer'", "integer"});
  expect_error([&] { r.create("nai", {{"seed", -1}}); }, {"nai option 'seed'", ">= 0"});
  expect_error([&] { r.create("ns", {{"instances", 0}}); }, {"ns option 'instances'", ">= 1"});
  expect_error([&] { r.create("gf", {{"sigma", 0}}); }, {"gf option 'sigma'", "> 0"});
  expect_error([&] { r.create("ld", {{"rate", 0.1}}); }, {"ld options", "unknown field 'rate'"});
  expect_error([&] { r.create("lam", nlohmann::json::array()); }, {"lam", "JSON object"});
}

TEST(DeepMutationOptions, LayerThatDoesNotExistIsANamedError) {
  const Model original = deepmutation_net();
  for (const auto& name : kDeepMutationOperators)
    expect_error(
        [&] {
          MutatorRegistry::global()
              .create(name, {{"layer", 42}})
              ->mutate(original, deepmutation_inputs());
        },
        {name + ": layer 42 does not exist", "9 layers"});
}

TEST(DeepMutationDeterminism, SameSeedSameMutantOtherSeedOtherMutant) {
  const Model original = deepmutation_net();
  for (const auto& name : kDeepMutationOperators) {
    const auto a = MutatorRegistry::global().create(name, {{"seed", 0}, {"ratio", 0.2}});
    const auto b = MutatorRegistry::global().create(name, {{"seed", 1}, {"ratio", 0.2}});
    const std::string fa = a->mutate(original, deepmutation_inputs()).fingerprint();
    EXPECT_EQ(a->mutate(original, deepmutation_inputs()).fingerprint(), fa) << name;
    // The engine's per-instance seed is part of the draw as well.
    const bool weights =
        name == "gf" || name == "ws" || name == "neb" || name == "nai" || name == "ns";
    if (!weights) continue;  // one of a few layers: two seeds may well pick the same
    EXPECT_NE(b->mutate(original, deepmutation_inputs()).fingerprint(), fa) << name;
    EXPECT_NE(a->mutate(original, deepmutation_inputs(8)).fingerprint(), fa) << name;
  }
}

TEST(DeepMutationDeterminism, OriginalIsNeverModified) {
  const Model original = deepmutation_net();
  const std::string before = original.fingerprint();
  const torch::Tensor logits = original.logits(mutagen::testing_support::deepmutation_input());
  for (const auto& name : kDeepMutationOperators) {
    const Model m = MutatorRegistry::global()
                        .create(name, {{"ratio", 1}})
                        ->mutate(original, deepmutation_inputs());
    EXPECT_NE(m.fingerprint(), before) << name;
    EXPECT_EQ(original.fingerprint(), before) << name;
    EXPECT_EQ(original.num_layers(), 9) << name;
    EXPECT_EQ(original.layer_edits(), "") << name;
  }
  EXPECT_TRUE(
      torch::equal(original.logits(mutagen::testing_support::deepmutation_input()), logits));
}

}  // namespace
