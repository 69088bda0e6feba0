// `mutagen mutate` end to end, for every registered operator: the JSON line's fields against the
// mutant file it wrote (other classes' accuracy, the weights that differ, structural edits), the
// same seed giving the same mutant, and the named errors (exit 2, nothing written).
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_target.h"
#include "mutagen/clusters.h"
#include "mutagen/mutators/registry.h"

namespace mutagen {
namespace {

namespace fs = std::filesystem;
using testing_support::cli_target;
using testing_support::CliResult;
using testing_support::run_cli;

CliResult mutate(const std::string& args) {
  return run_cli("mutate " + cli_target().files() + " " + args);
}

// Accuracy of `model` on the images whose label is not `cls`.
double other_classes_accuracy(const Model& model, int64_t cls) {
  const Dataset& d = cli_target().data;
  const torch::Tensor others = d.labels.ne(cls);
  return model.predict(d.images)
      .eq(d.labels)
      .masked_select(others)
      .to(torch::kFloat64)
      .mean()
      .item<double>();
}

// Elements of weights and biases that differ, over layers of the same shape.
int64_t differing_elements(const Model& a, const Model& b) {
  int64_t n = 0;
  for (int64_t k = 0; k < a.num_layers(); ++k)
    for (const bool bias : {false, true}) {
      const torch::Tensor x = bias ? a.layer_bias(k) : a.layer_weight(k);
      const torch::Tensor y = bias ? b.layer_bias(k) : b.layer_weight(k);
      if (x.defined() && y.defined()) n += x.ne(y).sum().item<int64_t>();
    }
  return n;
}

// The same over every parameter, by name (modules inside a block, models that are no chain).
int64_t differing_parameters(const Model& a, const Model& b) {
  const auto x = a.named_parameters(), y = b.named_parameters();
  EXPECT_EQ(x.size(), y.size());
  int64_t n = 0;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    EXPECT_EQ(x[i].first, y[i].first);
    n += x[i].second.ne(y[i].second).sum().item<int64_t>();
  }
  return n;
}

class MutateCli : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!fs::exists(MUTAGEN_CLI)) GTEST_SKIP() << "the CLI " << MUTAGEN_CLI << " is not built";
    dir_ = testing_support::temp_dir("mutate");
  }
  std::string dir_;
};

TEST_P(MutateCli, MakesAMeasuredMutant) {
  const std::string op = GetParam();
  const std::string out = dir_ + "/mutant.pt";
  // Small settings where an operator has them, so that every operator runs in seconds (TMR's
  // default 5 epochs are quick on these 240 images).
  std::string options;
  if (op == "arachne-de") options = "--option count=6 --option generations=5";
  if (op == "arachne-noise") options = "--option count=6";
  const CliResult r = mutate("--operator " + op + " " + options +
                             " --class 2 --cluster 1 --heldout 0.25 --seed 3 --out '" + out + "'");
  if (op == "lam") {
    // mnist_small has no layer that can be repeated and change predictions (its activations are
    // idempotent ReLUs, its Linear layers not square).
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.err.find("lam: the model has no layer it applies to"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
    return;
  }
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["operator"], op);
  EXPECT_TRUE(j["options"].is_object());
  EXPECT_GE(j["seconds"].get<double>(), 0.0);
  EXPECT_EQ(j["out"], out);
  for (const char* key : {"misprediction_neg", "misprediction_pos", "heldout_misprediction_neg",
                          "heldout_misprediction_pos"}) {
    ASSERT_TRUE(j[key].is_number()) << key << ": " << j.dump();
    EXPECT_GE(j[key].get<double>(), 0.0) << key;
    EXPECT_LE(j[key].get<double>(), 1.0) << key;
  }

  const Model original = Model::load(cli_target().model);
  const Model mutant = Model::load(out);
  EXPECT_EQ(original.fingerprint(), Model::load(cli_target().model).fingerprint());
  EXPECT_NE(mutant.fingerprint(), original.fingerprint());
  EXPECT_NEAR(j["original_accuracy"].get<double>(),
              original.predict(cli_target().data.images)
                  .eq(cli_target().data.labels)
                  .to(torch::kFloat64)
                  .mean()
                  .item<double>(),
              1e-12);
  EXPECT_NEAR(j["other_classes_accuracy_change"].get<double>(),
              other_classes_accuracy(mutant, 2) - other_classes_accuracy(original, 2), 1e-12);

  const bool structural = op == "ld" || op == "afrm";
  if (structural) {
    // A changed structure, no changed weight: the edit names the layer (a ReLU of mnist_small).
    const std::string edits = j["edits"];
    const std::string kind = op == "ld" ? "remove:" : "identity:";
    ASSERT_EQ(edits.rfind(kind, 0), 0u) << edits;
    const int64_t layer = std::stoll(edits.substr(kind.size()));
    EXPECT_EQ(j["layer"], layer);
    EXPECT_EQ(original.layer_kind(layer), "ReLU");
    EXPECT_EQ(mutant.layer_edits(), edits);
    EXPECT_EQ(j["weights_changed"], 0);
    return;
  }
  EXPECT_EQ(j["edits"], "");
  EXPECT_EQ(j["weights_changed"].get<int64_t>(), differing_elements(original, mutant));
  EXPECT_GT(j["weights_changed"].get<int64_t>(), 0);
  if (op == "arachne-de" || op == "arachne-noise") {
    // At most the six localised weights, all in the auto layer (the hidden Linear, layer 6).
    EXPECT_EQ(j["layer"], 6);
    EXPECT_LE(j["weights_changed"].get<int64_t>(), 6);
  }
  if (op == "tmr") {
    // Retrained on the cluster: held-out members mispredicted far more than the rest.
    EXPECT_GT(j["heldout_misprediction_neg"].get<double>(),
              j["heldout_misprediction_pos"].get<double>() + 0.3)
        << j.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(EveryOperator, MutateCli,
                         ::testing::ValuesIn(MutatorRegistry::global().names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// Three shapes of Python model: a chain whose middle layer is a residual block (one layer of the
// chain), a forward with a residual sum at the top ending in a chain and a softmax, and one that
// is no chain at all (two branches summed). All are trained on the target's images, so that TMR
// has correctly classified cluster members.
std::string scripted_models() {
  static const std::string dir = testing_support::run_python_fixture("mutate-scripted", R"PY(
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F
out = sys.argv[1]
def idx(path):
    data = open(path, "rb").read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return torch.frombuffer(bytearray(data[4 + 4 * len(dims):]), dtype=torch.uint8).reshape(dims)
x = idx(")PY" + cli_target().images + R"PY(").float().div(255).unsqueeze(1)
y = idx(")PY" + cli_target().labels + R"PY(").long()
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
    def forward(self, h):
        return F.relu(h + self.conv(h))
class Chain(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, stride=2)
        self.block = Block()
        self.fc = nn.Linear(4 * 13 * 13, 3)
    def forward(self, h):
        h = self.block(F.relu(self.stem(h)))
        return F.log_softmax(self.fc(torch.flatten(h, 1)), dim=1)
class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, stride=2)
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 13 * 13, 3)
    def forward(self, h):
        h = F.relu(self.stem(h))
        h = h + F.relu(self.conv(h))
        return F.softmax(self.fc(torch.flatten(h, 1)), dim=1)
class Branches(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, stride=2)
        self.a = nn.Linear(4 * 13 * 13, 3)
        self.b = nn.Linear(4 * 13 * 13, 3)
    def forward(self, h):
        h = torch.flatten(F.relu(self.stem(h)), 1)
        return self.a(h) + self.b(h)
torch.manual_seed(0)
for name, model in [("chain", Chain()), ("residual", Residual()), ("branches", Branches())]:
    opt = torch.optim.Adam(model.parameters(), 5e-3)
    for epoch in range(8):
        opt.zero_grad()
        out_ = model(x)
        logp = {"chain": out_, "residual": torch.log(out_ + 1e-9),
                "branches": F.log_softmax(out_, dim=1)}[name]
        F.nll_loss(logp, y).backward()
        opt.step()
    torch.jit.save(torch.jit.script(model.eval()), out + "/" + name + ".pt")
)PY");
  return dir;
}

// `layer` names what a mutant changed for each shape: the chain's layers by index, a block of
// several modules as its one layer, the start of a residual forward as its layer 0; a model that
// is no chain by its modules' names.
TEST(MutateCliScripted, ChangedLayersOfBlocksAndOfModelsThatAreNoChain) {
  if (!fs::exists(MUTAGEN_CLI)) GTEST_SKIP() << "the CLI " << MUTAGEN_CLI << " is not built";
  if (const auto why = testing_support::python_torch_missing(); !why.empty()) GTEST_SKIP() << why;
  const std::string dir = scripted_models();
  ASSERT_FALSE(dir.empty()) << "the fixture script failed";
  const auto& t = cli_target();
  auto run = [&](const std::string& model) {
    const CliResult r =
        run_cli("mutate --operator tmr --model '" + dir + "/" + model + ".pt' --images '" +
                t.images + "' --labels '" + t.labels + "' --clusters '" + t.clusters +
                "' --class 1 --cluster 0 --heldout 0.25 --out '" + dir + "/" + model + "-tmr.pt'");
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  };
  const Model chain = Model::load(dir + "/chain.pt");
  const nlohmann::json c = run("chain");
  // TMR retrains every weight: the stem, the block (its convolution) and the Linear.
  EXPECT_EQ(c["layer"], nlohmann::json({chain.layer_index("stem"), chain.layer_index("block"),
                                        chain.layer_index("fc")}));
  EXPECT_EQ(chain.layer_kind(chain.layer_index("block")), "Block");
  EXPECT_EQ(c["weights_changed"].get<int64_t>(),
            differing_parameters(chain, Model::load(dir + "/chain-tmr.pt")));
  // The residual forward: one layer for its start (the stem and the residual convolution), then
  // flatten, the Linear and the softmax.
  const Model residual = Model::load(dir + "/residual.pt");
  ASSERT_EQ(residual.num_layers(), 4);
  const nlohmann::json r = run("residual");
  EXPECT_EQ(r["layer"], nlohmann::json({0, residual.layer_index("fc")}));
  EXPECT_EQ(r["weights_changed"].get<int64_t>(),
            differing_parameters(residual, Model::load(dir + "/residual-tmr.pt")));
  // Trained on the logits under the softmax: the cluster's held-out members are mispredicted.
  ASSERT_TRUE(r["heldout_misprediction_neg"].is_number()) << r.dump();
  EXPECT_GT(r["heldout_misprediction_neg"].get<double>(), 0.5) << r.dump();
  // No chain at all (two branches summed): its modules by name.
  const Model branches = Model::load(dir + "/branches.pt");
  ASSERT_EQ(branches.num_layers(), 0);
  const nlohmann::json b = run("branches");
  EXPECT_EQ(b["layer"], nlohmann::json({"stem", "a", "b"}));
  EXPECT_EQ(b["weights_changed"].get<int64_t>(),
            differing_parameters(branches, Model::load(dir + "/branches-tmr.pt")));
}

TEST(MutateCliSeed, SameSeedSameMutant) {
  if (!fs::exists(MUTAGEN_CLI)) GTEST_SKIP() << "the CLI " << MUTAGEN_CLI << " is not built";
  const std::string dir = testing_support::temp_dir("seed");
  std::vector<std::string> prints;
  for (const char* run : {"a 5", "b 5", "c 6"}) {
    const std::string out = dir + "/" + std::string(run).substr(0, 1) + ".pt";
    const CliResult r = mutate(
        "--operator arachne-de --option count=4 --option generations=4 "
        "--class 0 --cluster 0 --heldout 0.2 --seed " +
        std::string(run).substr(2) + " --out '" + out + "'");
    ASSERT_EQ(r.code, 0) << r.err;
    prints.push_back(Model::load(out).fingerprint());
  }
  EXPECT_EQ(prints[0], prints[1]);
  EXPECT_NE(prints[0], prints[2]);
}

TEST(MutateCliErrors, BadInputIsANamedErrorAndWritesNothing) {
  if (!fs::exists(MUTAGEN_CLI)) GTEST_SKIP() << "the CLI " << MUTAGEN_CLI << " is not built";
  const std::string out = testing_support::temp_dir("errors") + "/mutant.pt";
  testing_support::expect_cli_errors(
      "mutate " + cli_target().files() + " --class 0 --cluster 0 --out '" + out + "'",
      {
          {"--operator arachne", {"'arachne' is a group", "one mutator"}},
          {"--operator no-such-op", {"no-such-op"}},
          {"--operator arachne-de --option count=many", {"option 'count'"}},
          {"--operator arachne-de --option layer=1", {"layer '1'", "no kernel weights"}},
          {"--operator tmr --option epochs=2 --option epochs=3", {"'epochs' given twice"}},
          {"--operator tmr --option epochs", {"--option 'epochs'", "key=value"}},
          {"--operator tmr --heldout 1.5", {"--heldout 1.5", "[0, 1)"}},
          {"--operator gf --num-classes 1", {"--num-classes 1", "at least 2"}},
          {"--operator tmr --other-ratio -1", {"--other-ratio -1", "[0, 100]"}},
      },
      out);
}

// Labels beyond the default ten classes need --num-classes; a class beyond the model's outputs is
// named as such.
TEST(MutateCliErrors, ClassesBeyondTheDefaultTenOrTheModel) {
  if (!fs::exists(MUTAGEN_CLI)) GTEST_SKIP() << "the CLI " << MUTAGEN_CLI << " is not built";
  const std::string dir = testing_support::temp_dir("twelve");
  const auto& t = cli_target();
  // The fixture's class 2 relabelled as class 11.
  const torch::Tensor labels = t.data.labels.masked_fill(t.data.labels.eq(2), 11);
  write_idx(dir + "/labels", labels.to(torch::kUInt8));
  ClusterFile f = ClusterFile::load(t.clusters);
  f.classes[2].cls = 11;
  f.save(dir + "/clusters.json");
  const std::string files = "--model '" + t.model + "' --images '" + t.images + "' --labels '" +
                            dir + "/labels' --clusters '" + dir + "/clusters.json' --out '" + dir +
                            "/m.pt' --operator gf --class 11 --cluster 0";
  const CliResult ten = run_cli("mutate " + files);
  EXPECT_EQ(ten.code, 2);
  EXPECT_NE(ten.err.find("label 11"), std::string::npos) << ten.err;
  EXPECT_NE(ten.err.find("pass --num-classes (now 10)"), std::string::npos) << ten.err;
  const CliResult twelve = run_cli("mutate " + files + " --num-classes 12");
  EXPECT_EQ(twelve.code, 2);
  EXPECT_NE(twelve.err.find("model '" + t.model + "' outputs 10 values per input, but '" + dir +
                            "/labels' has labels up to 11"),
            std::string::npos)
      << twelve.err;
  EXPECT_FALSE(fs::exists(dir + "/m.pt"));
}

// A cluster file must describe these labels: classes swapped, a class or a sample listed twice are
// named errors (they used to pass and target inputs of another class).
TEST(MutateCliErrors, AClusterFileOfOtherLabelsIsNamed) {
  if (!fs::exists(MUTAGEN_CLI)) GTEST_SKIP() << "the CLI " << MUTAGEN_CLI << " is not built";
  const std::string dir = testing_support::temp_dir("cluster-labels");
  const auto& t = cli_target();
  const ClusterFile good = ClusterFile::load(t.clusters);
  ASSERT_GE(good.classes.size(), 2u);
  ClusterFile swapped = good, twice = good, shared = good;
  std::swap(swapped.classes[0].cls, swapped.classes[1].cls);
  twice.classes[1].cls = twice.classes[0].cls;
  shared.classes[1].samples[0] = shared.classes[0].samples[0];
  swapped.save(dir + "/swapped.json");
  twice.save(dir + "/twice.json");
  shared.save(dir + "/shared.json");
  auto run = [&](const std::string& file) {
    return run_cli("mutate --operator gf --model '" + t.model + "' --images '" + t.images +
                   "' --labels '" + t.labels + "' --clusters '" + dir + "/" + file + "' --class " +
                   std::to_string(swapped.classes[0].cls) + " --cluster 0 --out '" + dir +
                   "/m.pt'");
  };
  const CliResult a = run("swapped.json");
  EXPECT_EQ(a.code, 2);
  EXPECT_NE(
      a.err.find("lists sample " + std::to_string(swapped.classes[0].samples[0]) + " under class " +
                 std::to_string(swapped.classes[0].cls) + ", but its label in '" + t.labels +
                 "' is " + std::to_string(good.classes[0].cls)),
      std::string::npos)
      << a.err;
  const CliResult b = run("twice.json");
  EXPECT_EQ(b.code, 2);
  EXPECT_NE(b.err.find("twice.json classes[1]: class " + std::to_string(good.classes[0].cls) +
                       " is listed twice"),
            std::string::npos)
      << b.err;
  const CliResult c = run("shared.json");
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("shared.json classes[1]: sample position " +
                       std::to_string(good.classes[0].samples[0]) + " is listed twice"),
            std::string::npos)
      << c.err;
  EXPECT_FALSE(fs::exists(dir + "/m.pt"));
}

// An untrained model gets about a third right: a warning says how the images are fed, since a model
// trained on other preprocessing looks just like this.
TEST(MutateCliErrors, AnInaccurateModelIsWarnedAbout) {
  if (!fs::exists(MUTAGEN_CLI)) GTEST_SKIP() << "the CLI " << MUTAGEN_CLI << " is not built";
  const std::string dir = testing_support::temp_dir("inaccurate");
  Model::create("mnist_small", 0).save(dir + "/untrained.pt");
  const auto& t = cli_target();
  const CliResult r = run_cli("mutate --operator gf --model '" + dir + "/untrained.pt' --images '" +
                              t.images + "' --labels '" + t.labels + "' --clusters '" + t.clusters +
                              "' --class 0 --cluster 0 --out '" + dir + "/m.pt'");
  EXPECT_NE(r.err.find("untrained.pt' classifies only"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("IDX bytes / 255, in [0, 1]"), std::string::npos) << r.err;
  // The trained fixture model gets no such warning.
  const CliResult ok = mutate("--operator gf --class 0 --cluster 0 --out '" + dir + "/n.pt'");
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.err.find("classifies only"), std::string::npos) << ok.err;
}

// A model trained on other inputs than mutagen's [0, 1] images: the CLI tries the usual
// preprocessings and names the one that fits (here raw bytes, x * 255).
TEST(MutateCliErrors, AModelTrainedOnOtherInputsGetsItsPreprocessingNamed) {
  if (!fs::exists(MUTAGEN_CLI)) GTEST_SKIP() << "the CLI " << MUTAGEN_CLI << " is not built";
  const auto& t = cli_target();
  const std::string dir = testing_support::temp_dir("bytes");
  // M'(y) = M(y / 255) expects bytes: its first convolution takes the 1 / 255.
  Model on_bytes = Model::load(t.model).clone();
  {
    torch::NoGradGuard no_grad;
    on_bytes.layer_weight(0).div_(255.0);
  }
  on_bytes.save(dir + "/bytes.pt");
  auto accuracy = [&](const torch::Tensor& images) {
    return on_bytes.predict(images).eq(t.data.labels).to(torch::kFloat64).mean().item<double>();
  };
  ASSERT_GE(accuracy(t.data.images * 255) - accuracy(t.data.images), 0.3)
      << "the fixture no longer shows the mismatch";
  const CliResult r = run_cli("mutate --operator gf --model '" + dir + "/bytes.pt' --images '" +
                              t.images + "' --labels '" + t.labels + "' --clusters '" + t.clusters +
                              "' --class 0 --cluster 0 --out '" + dir + "/m.pt'");
  EXPECT_NE(r.err.find("bytes.pt' classifies 33.3% of a sample"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("right as given, but"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("after x -> x * 255 (raw bytes): it was probably trained"),
            std::string::npos)
      << r.err;
  // Named, the mismatch needs no second, vaguer warning.
  EXPECT_EQ(r.err.find("classifies only"), std::string::npos) << r.err;
  // The fixture model, trained on the images as they are, gets no such warning.
  const CliResult ok = mutate("--operator gf --class 0 --cluster 0 --out '" + dir + "/n.pt'");
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.err.find("right as given, but"), std::string::npos) << ok.err;
}

}  // namespace
}  // namespace mutagen
