// Every DeepMutation++ operator's mutant survives the mutant cache as itself: structural mutants of
// C++ sequential models reload with their edited structure (not the registered architecture), and
// TorchScript mutants reload from their own saved graph.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "deepmutation_fixture.h"
#include "mutagen/mutant_cache.h"
#include "mutagen/mutators/deepmutation.h"
#include "mutagen/mutators/registry.h"
#include "test_support.h"

namespace {

using mutagen::Model;
using mutagen::MutantCache;
using mutagen::MutantKey;
using mutagen::MutatorRegistry;
using mutagen::testing_support::deepmutation_input;
using mutagen::testing_support::deepmutation_inputs;
using mutagen::testing_support::deepmutation_net;

const std::vector<std::string> kOperators = {"gf", "ws", "neb", "nai", "ns", "ld", "lam", "afrm"};

MutantKey key_for(const Model& original, const std::string& op, const nlohmann::json& options) {
  MutantKey k;
  k.original_fingerprint = original.fingerprint();
  k.operator_name = op;
  k.options = options;
  k.algorithm_version = "deepmutation-1";
  k.cls = -1;
  k.cluster = -1;
  return k;
}

// Stores `mutant` and reads it back from a fresh cache object.
Model round_trip(const std::string& dir, const MutantKey& key, const Model& mutant) {
  MutantCache(dir).store(key, mutant, {{"operator", key.operator_name}});
  auto found = MutantCache(dir).find(key);
  EXPECT_TRUE(found.has_value());
  return found ? *found : Model();
}

TEST(DeepMutationCache, EveryOperatorReloadsAsItself) {
  const std::string dir = mutagen::testing_support::temp_dir("deepmutation_cache");
  const Model original = deepmutation_net();
  const torch::Tensor x = deepmutation_input();
  for (const auto& op : kOperators) {
    const nlohmann::json options = {{"ratio", 0.25}, {"seed", 2}};
    const Model mutant =
        MutatorRegistry::global().create(op, options)->mutate(original, deepmutation_inputs());
    const Model reloaded = round_trip(dir, key_for(original, op, options), mutant);
    ASSERT_TRUE(reloaded.valid()) << op;
    EXPECT_EQ(reloaded.num_layers(), mutant.num_layers()) << op;
    EXPECT_EQ(reloaded.layer_edits(), mutant.layer_edits()) << op;
    EXPECT_EQ(reloaded.fingerprint(), mutant.fingerprint()) << op;
    EXPECT_TRUE(torch::equal(reloaded.logits(x), mutant.logits(x))) << op;
    EXPECT_FALSE(torch::equal(reloaded.logits(x), original.logits(x))) << op;
  }
}

TEST(DeepMutationCache, EditedStructureSurvivesSaveLoadAndFurtherEdits) {
  const std::string dir = mutagen::testing_support::temp_dir("deepmutation_edits");
  const Model twice =
      deepmutation_net().with_identity_at(1).without_layer(5).with_layer_repeated(5);
  EXPECT_EQ(twice.layer_edits(), "identity:1,remove:5,repeat:5");
  twice.save(dir + "/m.pt");
  const Model back = Model::load(dir + "/m.pt");
  EXPECT_EQ(back.layer_edits(), twice.layer_edits());
  EXPECT_EQ(back.layer_kind(1), "Identity");
  EXPECT_EQ(back.num_layers(), 9);
  EXPECT_TRUE(torch::equal(back.logits(deepmutation_input()), twice.logits(deepmutation_input())));
  mutagen::testing_support::expect_error([&] { deepmutation_net().without_layer(9); },
                                         {"without_layer", "out of range"});
}

const char* kScript = R"PY(
import sys
import torch
import torch.nn as nn
torch.manual_seed(0)
seq = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(27, 8),
                    nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 4)).eval()
torch.jit.save(torch.jit.script(seq), sys.argv[1] + "/seq.pt")
)PY";

TEST(DeepMutationCache, TorchScriptWeightMutantsReloadAsThemselves) {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import torch (install python3-torch)";
  const std::string dir =
      mutagen::testing_support::temp_dir("deepmutation_torchscript." + std::to_string(::getpid()));
  std::ofstream(dir + "/make.py") << kScript;
  const std::string cmd = "/usr/bin/python3 '" + dir + "/make.py' '" + dir + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const Model original = Model::load_torchscript(dir + "/seq.pt");
  const std::string before = original.fingerprint();
  const torch::Tensor x = deepmutation_input();
  for (const auto& op : kOperators) {
    const nlohmann::json options = {{"ratio", 0.25}, {"seed", 2}};
    const auto mutator = MutatorRegistry::global().create(op, options);
    const bool structural = op == "ld" || op == "lam" || op == "afrm";
    if (structural) {
      // The graph of a scripted module is compiled: a structural edit is refused with the reason.
      mutagen::testing_support::expect_error(
          [&] { mutator->mutate(original, deepmutation_inputs()); }, {"TorchScript", "compiled"});
      continue;
    }
    const Model mutant = mutator->mutate(original, deepmutation_inputs());
    const Model reloaded = round_trip(dir + "/cache", key_for(original, op, options), mutant);
    ASSERT_TRUE(reloaded.valid()) << op;
    EXPECT_EQ(reloaded.architecture(), "torchscript");
    EXPECT_TRUE(torch::equal(reloaded.logits(x), mutant.logits(x))) << op;
    EXPECT_FALSE(torch::equal(mutant.logits(x), original.logits(x))) << op;
  }
  EXPECT_EQ(original.fingerprint(), before);
}

}  // namespace
