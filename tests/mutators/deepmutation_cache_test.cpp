// Every DeepMutation++ operator's mutant survives the mutant cache as itself: structural mutants of
// C++ sequential models reload with their edited structure (not the registered architecture), and
// TorchScript mutants from their own saved graph plus their edits.
#include <gtest/gtest.h>

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
using mutagen::testing_support::kDeepMutationOperators;

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
  for (const auto& op : kDeepMutationOperators) {
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
import torch.nn.functional as F
torch.manual_seed(0)
seq = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(27, 8),
                    nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 4)).eval()
torch.jit.save(torch.jit.script(seq), sys.argv[1] + "/seq.pt")
class Functional(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.fc = nn.Linear(27, 4)
    def forward(self, x):
        return self.fc(torch.flatten(F.max_pool2d(F.relu(self.conv(x)), 2), 1))
torch.jit.save(torch.jit.script(Functional().eval()), sys.argv[1] + "/functional.pt")
class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.fc = nn.Linear(108, 4)
    def forward(self, x):
        h = F.relu(self.conv(x))
        return self.fc(torch.flatten(h + torch.tanh(h), 1))
torch.jit.save(torch.jit.script(Residual().eval()), sys.argv[1] + "/residual.pt")
class Branches(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.a = nn.Linear(108, 4)
        self.b = nn.Linear(108, 4)
    def forward(self, x):
        h = torch.flatten(F.relu(self.conv(x)), 1)
        return self.a(h) + self.b(h)
torch.jit.save(torch.jit.script(Branches().eval()), sys.argv[1] + "/branches.pt")
)PY";

// The scripted fixtures of kScript, made once per test binary in its own folder.
std::string scripted_fixtures() {
  static const std::string dir =
      mutagen::testing_support::run_python_fixture("deepmutation_torchscript", kScript);
  return dir;
}

TEST(DeepMutationCache, TorchScriptMutantsReloadAsThemselves) {
  if (const auto why = mutagen::testing_support::python_torch_missing(); !why.empty())
    GTEST_SKIP() << why;
  const std::string dir = scripted_fixtures();
  ASSERT_FALSE(dir.empty()) << "making the scripted fixtures failed";
  const Model original = Model::load_torchscript(dir + "/seq.pt");
  const std::string before = original.fingerprint();
  const torch::Tensor x = deepmutation_input();
  const torch::Tensor original_logits = original.logits(x);
  for (const auto& op : kDeepMutationOperators) {
    const nlohmann::json options = {{"ratio", 0.25}, {"seed", 2}};
    const Model mutant =
        MutatorRegistry::global().create(op, options)->mutate(original, deepmutation_inputs());
    const bool structural = op == "ld" || op == "lam" || op == "afrm";
    EXPECT_EQ(mutant.layer_edits().empty(), !structural) << op;
    const Model reloaded = round_trip(dir + "/cache", key_for(original, op, options), mutant);
    ASSERT_TRUE(reloaded.valid()) << op;
    EXPECT_EQ(reloaded.architecture(), "torchscript");
    EXPECT_EQ(reloaded.layer_edits(), mutant.layer_edits()) << op;
    EXPECT_EQ(reloaded.num_layers(), mutant.num_layers()) << op;
    EXPECT_EQ(reloaded.fingerprint(), mutant.fingerprint()) << op;
    EXPECT_TRUE(torch::equal(reloaded.logits(x), mutant.logits(x))) << op;
    EXPECT_FALSE(torch::equal(mutant.logits(x), original_logits)) << op;
  }
  // Mutating never touched the original, nor the graph it shares with its mutants.
  EXPECT_EQ(original.fingerprint(), before);
  EXPECT_TRUE(torch::equal(original.logits(x), original_logits));
  EXPECT_EQ(original.num_layers(), 9);
}

// The same edits on a TorchScript chain as on the C++ model: the edited chain computes what the
// layers in their new order compute, and a repeated layer keeps its own (changed) weights through
// save and load.
TEST(DeepMutationCache, TorchScriptEditsComputeTheEditedChain) {
  if (const auto why = mutagen::testing_support::python_torch_missing(); !why.empty())
    GTEST_SKIP() << why;
  const std::string dir = scripted_fixtures();
  ASSERT_FALSE(dir.empty());
  const Model original = Model::load_torchscript(dir + "/seq.pt");
  const torch::Tensor x = deepmutation_input();
  Model edited = original.with_identity_at(1).without_layer(5).with_layer_repeated(5);
  EXPECT_EQ(edited.layer_edits(), "identity:1,remove:5,repeat:5");
  ASSERT_EQ(edited.num_layers(), 9);
  EXPECT_EQ(edited.layer_kind(1), "Identity");
  EXPECT_EQ(edited.layer_kind(5), "Linear");
  EXPECT_EQ(edited.layer_kind(6), "Linear");
  {
    torch::NoGradGuard no_grad;
    edited.layer_weight(6).mul_(-2.0);  // the repeated copy only
  }
  EXPECT_FALSE(torch::equal(edited.layer_weight(5), edited.layer_weight(6)));
  // By hand: conv, (identity), pool, flatten, fc(27->8), fc(8->8), its copy with -2 w, tanh, fc.
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    torch::Tensor h = original.forward_layers(x, 0, 1);
    h = original.forward_layers(h, 2, 5);  // the ReLU at 5 was removed
    h = original.forward_layers(h, 6, 7);
    h = torch::nn::functional::linear(h, original.layer_weight(6) * -2.0, original.layer_bias(6));
    expected = original.forward_layers(h, 7, 9);
  }
  EXPECT_TRUE(torch::allclose(edited.logits(x), expected, 1e-5, 1e-6));
  edited.save(dir + "/edited.pt");
  const Model back = Model::load(dir + "/edited.pt");
  EXPECT_EQ(back.layer_edits(), edited.layer_edits());
  EXPECT_EQ(back.fingerprint(), edited.fingerprint());
  EXPECT_TRUE(torch::equal(back.logits(x), edited.logits(x)));
  EXPECT_TRUE(torch::equal(back.clone().logits(x), edited.logits(x)));
  EXPECT_NE(back.fingerprint(), original.fingerprint());
  mutagen::testing_support::expect_error([&] { original.without_layer(9); },
                                         {"without_layer", "out of range"});
}

// Each of `ops` on `model` is not applicable, with a message holding every one of `parts`
// ("{op}" stands for the operator's name).
void expect_not_applicable(const Model& model, const std::vector<std::string>& ops,
                           const std::vector<std::string>& parts) {
  for (const std::string& op : ops) {
    try {
      MutatorRegistry::global().create(op, {{"seed", 1}})->mutate(model, deepmutation_inputs());
      ADD_FAILURE() << op << " made a mutant";
    } catch (const mutagen::NotApplicable& e) {
      const std::string what = e.what();
      for (std::string part : parts) {
        if (const auto at = part.find("{op}"); at != std::string::npos) part.replace(at, 4, op);
        EXPECT_NE(what.find(part), std::string::npos) << op << ": " << what;
      }
    }
  }
}

// A scripted module whose forward ends in the sum of two branches has no layers to tell apart:
// every operator says so (skipped with the reason).
TEST(DeepMutationCache, TorchScriptWithoutAChainIsNotApplicable) {
  if (const auto why = mutagen::testing_support::python_torch_missing(); !why.empty())
    GTEST_SKIP() << why;
  const std::string dir = scripted_fixtures();
  ASSERT_FALSE(dir.empty());
  const Model branches = Model::load_torchscript(dir + "/branches.pt");
  ASSERT_EQ(branches.num_layers(), 0);
  expect_not_applicable(branches, {"ld", "lam", "afrm"}, {"not a plain chain"});
  mutagen::testing_support::expect_error([&] { branches.with_identity_at(0); },
                                         {"not a plain chain"});
  expect_not_applicable(branches, {"gf", "ws", "neb", "nai", "ns"},
                        {"{op}: the model's layers cannot be reached", "residual sums"});
}

// A residual forward ends in a chain (flatten, Linear) after one layer for its start: the weight
// operators change that Linear, the only layer they can reach; the structural ones find nothing
// to edit and say why the layers inside the start cannot be reached.
TEST(DeepMutationCache, TorchScriptResidualForwardMutatesItsChain) {
  if (const auto why = mutagen::testing_support::python_torch_missing(); !why.empty())
    GTEST_SKIP() << why;
  const std::string dir = scripted_fixtures();
  ASSERT_FALSE(dir.empty());
  const Model residual = Model::load_torchscript(dir + "/residual.pt");
  ASSERT_EQ(residual.num_layers(), 3);
  EXPECT_EQ(residual.layer_name(2), "fc");
  const std::string before = residual.fingerprint();
  for (const std::string op : {"gf", "ws", "neb", "nai", "ns"}) {
    const Model mutant = MutatorRegistry::global()
                             .create(op, {{"seed", 1}, {"ratio", 0.25}})
                             ->mutate(residual, deepmutation_inputs());
    const auto a = residual.named_parameters(), b = mutant.named_parameters();
    ASSERT_EQ(a.size(), b.size());
    bool fc_changed = false;
    for (size_t i = 0; i < a.size(); ++i) {
      const bool same = torch::equal(a[i].second, b[i].second);
      if (a[i].first.rfind("fc.", 0) == 0)
        fc_changed |= !same;
      else
        EXPECT_TRUE(same) << op << " changed " << a[i].first;
    }
    EXPECT_TRUE(fc_changed) << op;
  }
  EXPECT_EQ(residual.fingerprint(), before);
  expect_not_applicable(residual, {"ld", "lam", "afrm"},
                        {"inside layer 0 ('F.add')", "residual.pt"});
}

// A forward of functional steps (F.relu, F.max_pool2d, torch.flatten) is read from its graph as a
// chain: removing its activation edits the chain, and the mutant reloads from its file as itself.
TEST(DeepMutationCache, TorchScriptFunctionalForwardIsEditedAsAChain) {
  if (const auto why = mutagen::testing_support::python_torch_missing(); !why.empty())
    GTEST_SKIP() << why;
  const std::string dir = scripted_fixtures();
  ASSERT_FALSE(dir.empty());
  const Model functional = Model::load_torchscript(dir + "/functional.pt");
  ASSERT_EQ(functional.num_layers(), 5);
  EXPECT_EQ(functional.layer_kind(1), "ReLU");
  const torch::Tensor x = deepmutation_input();
  const nlohmann::json options = {{"seed", 1}};
  const Model mutant =
      MutatorRegistry::global().create("afrm", options)->mutate(functional, deepmutation_inputs());
  EXPECT_EQ(mutant.layer_edits(), "identity:1");
  // By hand: the layers without the ReLU.
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = functional.forward_layers(functional.forward_layers(x, 0, 1), 2, 5);
  }
  EXPECT_TRUE(torch::allclose(mutant.logits(x), expected, 1e-5, 1e-6));
  EXPECT_FALSE(torch::allclose(mutant.logits(x), functional.logits(x), 1e-3, 1e-3));
  const Model reloaded = round_trip(dir + "/cache", key_for(functional, "afrm", options), mutant);
  ASSERT_TRUE(reloaded.valid());
  EXPECT_EQ(reloaded.layer_edits(), "identity:1");
  EXPECT_EQ(reloaded.fingerprint(), mutant.fingerprint());
  EXPECT_TRUE(torch::equal(reloaded.logits(x), mutant.logits(x)));
}

}  // namespace
