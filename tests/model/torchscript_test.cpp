// TorchScript models: a fixture scripted by /usr/bin/python3 (torch.jit.script / trace) into the
// test's temp folder, with the logits Python computed written as JSON to compare against.
#include <gtest/gtest.h>

#include <filesystem>

#include "jit_chain.h"
#include "max_pool.h"
#include "mutagen/error.h"
#include "mutagen/io.h"
#include "mutagen/model.h"
#include "mutagen/training.h"
#include "parallel_linear.h"
#include "test_support.h"

using mutagen::Model;

namespace {

const char* kScript = R"PY(
import json, sys
import torch
import torch.nn as nn
import torch.nn.functional as F
out = sys.argv[1]
torch.manual_seed(0)
seq = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(27, 4))
seq.eval()

class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.flat = nn.Flatten()
        self.a = nn.Linear(64, 64)
        self.b = nn.Linear(64, 4)
    def forward(self, x):
        h = self.flat(x)
        return self.b(h + torch.relu(self.a(h)))

res = Residual().eval()
x = torch.rand(5, 1, 8, 8)

class Branches(nn.Module):  # no chain at its end either: the sum of two branches is its output
    def __init__(self):
        super().__init__()
        self.flat = nn.Flatten()
        self.a = nn.Linear(64, 4)
        self.b = nn.Linear(64, 4)
    def forward(self, x):
        h = self.flat(x)
        return self.a(h) + self.b(h)

torch.jit.save(torch.jit.script(Branches().eval()), out + "/branches.pt")

# No chain, ending in a softmax: as a function, as a child module, over the batch (not a classifier's).
class ResidualSoftmax(Residual):
    __constants__ = ["dim"]
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim
    def forward(self, x):
        h = self.flat(x)
        return F.softmax(self.b(h + torch.relu(self.a(h))), dim=self.dim)

class ResidualLogSoftmax(Residual):
    def __init__(self):
        super().__init__()
        self.out = nn.LogSoftmax(dim=1)
    def forward(self, x):
        h = self.flat(x)
        return self.out(self.b(h + torch.relu(self.a(h))))

for name, model in [("residual_softmax", ResidualSoftmax(1)), ("residual_softmax_dim0", ResidualSoftmax(0)),
                    ("residual_logsoftmax", ResidualLogSoftmax())]:
    model.load_state_dict(res.state_dict())
    torch.jit.save(torch.jit.script(model.eval()), out + "/" + name + ".pt")
traced = ResidualSoftmax(-1)
traced.load_state_dict(res.state_dict())
torch.jit.save(torch.jit.trace(traced.eval(), x), out + "/residual_softmax_traced.pt")
torch.jit.save(torch.jit.script(seq), out + "/seq.pt")
torch.jit.save(torch.jit.trace(seq, x), out + "/traced.pt")
torch.jit.save(torch.jit.script(res), out + "/residual.pt")
nested = nn.Sequential(nn.Sequential(nn.Conv2d(1, 3, 3, stride=2, padding=1), nn.ReLU()),
                       nn.Flatten(), nn.Linear(48, 4), nn.LogSoftmax(dim=1)).eval()
torch.jit.save(torch.jit.script(nested), out + "/nested.pt")

# The same kind of network written the way most Python code is: functional steps in forward, a
# custom block, a trailing log-softmax; and its nn.Sequential twin sharing the same modules.
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
    def forward(self, x):
        return F.relu(self.conv(x))

class Functional(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.fc1 = nn.Linear(27, 6)
        self.fc2 = nn.Linear(6, 4)
    def forward(self, x):
        x = F.max_pool2d(self.block(x), 2)
        x = F.dropout(x, 0.5, self.training)
        x = x.view(x.size(0), -1)
        x = torch.tanh(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)

fun = Functional().eval()
twin = nn.Sequential(fun.block.conv, nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.5), nn.Flatten(),
                     fun.fc1, nn.Tanh(), fun.fc2, nn.LogSoftmax(dim=1)).eval()
torch.jit.save(torch.jit.script(fun), out + "/functional.pt")
torch.jit.save(torch.jit.trace(fun, x), out + "/functional_traced.pt")
torch.jit.save(torch.jit.script(twin), out + "/twin.pt")
class InPlace(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 4)
    def forward(self, x):
        return self.fc(F.relu(torch.flatten(x, 1), inplace=True))

torch.jit.save(torch.jit.script(InPlace().eval()), out + "/inplace_functional.pt")

class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(64, 16), nn.Linear(16, 4)])
    def forward(self, x):
        x = torch.flatten(x, 1)
        for layer in self.layers:
            x = torch.relu(layer(x))
        return x

torch.jit.save(torch.jit.script(nn.Sequential(nn.Linear(64, 4)).eval()), out + "/noflat.pt")
torch.jit.save(torch.jit.script(nn.Sequential(nn.Flatten(), nn.Linear(64, 4)).double().eval()),
               out + "/double.pt")

stack = Stack().eval()
torch.jit.save(torch.jit.script(stack), out + "/stack.pt")
class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.fc = nn.Linear(12, 4)
    def forward(self, x):
        x = F.hardswish(F.relu6(F.silu(self.conv(x))))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 2), 1)
        return F.softplus(self.fc(x))

acts = Activations().eval()
torch.jit.save(torch.jit.script(acts), out + "/activations.pt")
torch.save(seq, out + "/pickled.pt")  # the usual mistakes: not TorchScript
torch.save(seq.state_dict(), out + "/state_dict.pt")
torch.jit.save(torch.jit.script(nn.Sequential(nn.Flatten(), nn.ReLU(inplace=True),
                                              nn.Linear(64, 4)).eval()), out + "/inplace_seq.pt")
with torch.no_grad():
    json.dump({"x": x.flatten().tolist(), "seq": seq(x).flatten().tolist(),
               "functional_logits": twin[:8](x).flatten().tolist(),
               "stack": stack(x).flatten().tolist(),
               "activations": acts(x).flatten().tolist(),
               "residual": res(x).flatten().tolist(),
               "residual_softmax_dim0": F.softmax(res(x), dim=0).flatten().tolist(),
               "nested_logits": nested[:3](x).flatten().tolist()}, open(out + "/expected.json", "w"))
)PY";

class TorchScript : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_reason_ = mutagen::testing_support::python_torch_missing();
    if (!skip_reason_.empty()) return;
    dir_ = mutagen::testing_support::run_python_fixture("torchscript_fixture", kScript);
    ASSERT_FALSE(dir_.empty()) << "the fixture script failed";
    expected_ = mutagen::read_json(dir_ + "/expected.json");
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }
  static torch::Tensor tensor(const std::string& key, std::vector<int64_t> shape) {
    const auto values = expected_[key].get<std::vector<float>>();
    return torch::tensor(values).reshape(shape);
  }
  static torch::Tensor x() { return tensor("x", {5, 1, 8, 8}); }

  static inline std::string dir_, skip_reason_;
  static inline nlohmann::json expected_;
};

TEST_F(TorchScript, LoadsAndReproducesPythonLogits) {
  for (const std::string file : {"seq.pt", "traced.pt"}) {
    Model m = Model::load_torchscript(dir_ + "/" + file);
    EXPECT_EQ(m.architecture(), "torchscript");
    const auto logits = m.logits(x());
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{5, 4}));
    EXPECT_TRUE(torch::allclose(logits, tensor("seq", {5, 4}), 1e-4, 1e-5)) << file;
  }
  // Model::load detects the format.
  Model detected = Model::load(dir_ + "/residual.pt");
  EXPECT_TRUE(torch::allclose(detected.logits(x()), tensor("residual", {5, 4}), 1e-4, 1e-5));
}

TEST_F(TorchScript, LayeredAccessOnScriptedSequential) {
  for (const std::string file : {"seq.pt", "traced.pt"}) {
    Model m = Model::load(dir_ + "/" + file);
    ASSERT_EQ(m.num_layers(), 5) << file;
    const std::vector<std::string> kinds = {"Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"};
    for (int64_t k = 0; k < 5; ++k) EXPECT_EQ(m.layer_kind(k), kinds[k]);
    EXPECT_EQ(m.layer_weight(0).sizes(), (std::vector<int64_t>{3, 1, 3, 3}));
    EXPECT_EQ(m.layer_weight(4).sizes(), (std::vector<int64_t>{4, 27}));
    EXPECT_FALSE(m.layer_weight(1).defined());
    torch::NoGradGuard no_grad;
    const auto expected = m.logits(x());
    for (int64_t k = 0; k <= 5; ++k)
      EXPECT_TRUE(torch::allclose(m.forward_layers(m.forward_layers(x(), 0, k), k, 5), expected,
                                  1e-5, 1e-6));
  }
}

// A forward that is no chain from its input but ends in one: one layer runs everything up to the
// residual sum, the chain's steps follow, and a trailing softmax is not the logits.
TEST_F(TorchScript, ResidualForwardEndsInAChainAfterOneLayerForItsStart) {
  const torch::Tensor logits = tensor("residual", {5, 4});
  Model plain = Model::load(dir_ + "/residual.pt");
  ASSERT_EQ(plain.num_layers(), 2);
  EXPECT_EQ(plain.layer_name(0), "F.add");
  EXPECT_EQ(plain.layer_kind(0), "Functional");
  EXPECT_EQ(plain.layer_name(1), "b");
  EXPECT_EQ(plain.layer_kind(1), "Linear");
  EXPECT_EQ(plain.layer_weight(1).sizes(), (std::vector<int64_t>{4, 64}));
  {
    torch::NoGradGuard no_grad;
    // The start layer's output is what the Linear reads: h + relu(a(h)).
    const torch::Tensor h = x().flatten(1);
    const torch::Tensor a = torch::relu(
        torch::linear(h, plain.named_parameters()[0].second, plain.named_parameters()[1].second));
    EXPECT_TRUE(torch::allclose(plain.forward_layers(x(), 0, 1), h + a, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(plain.forward_layers(plain.forward_layers(x(), 0, 1), 1, 2), logits,
                                1e-4, 1e-5));
  }
  for (const std::string file :
       {"residual_softmax.pt", "residual_logsoftmax.pt", "residual_softmax_traced.pt"}) {
    Model m = Model::load(dir_ + "/" + file);
    ASSERT_EQ(m.num_layers(), 3) << file;
    EXPECT_EQ(m.logits_end(), 2) << file;
    EXPECT_TRUE(torch::allclose(m.logits(x()), logits, 1e-4, 1e-5)) << file;
    // Training sees the same logits, with gradients to the weights of the start layer too.
    m.train(true);
    const torch::Tensor z = m.forward(x());
    EXPECT_TRUE(torch::allclose(z.detach(), logits, 1e-4, 1e-5)) << file;
    z.sum().backward();
    const torch::Tensor grad = m.parameters()[0].grad();
    ASSERT_TRUE(grad.defined()) << file;
    EXPECT_GT(grad.abs().sum().item<double>(), 0.0) << file;
    // A clone has its own start layer, on its own weights.
    Model copy = m.clone();
    EXPECT_TRUE(torch::allclose(copy.logits(x()), logits, 1e-4, 1e-5)) << file;
    {
      torch::NoGradGuard no_grad;
      copy.parameters()[0].add_(1.0);
    }
    EXPECT_FALSE(torch::allclose(copy.logits(x()), logits, 1e-4, 1e-5)) << file;
    EXPECT_TRUE(torch::allclose(m.logits(x()), logits, 1e-4, 1e-5)) << file;
  }
  // A softmax over the batch is a step like any other: what the model returns is what it gives.
  Model dim0 = Model::load(dir_ + "/residual_softmax_dim0.pt");
  EXPECT_EQ(dim0.layer_kind(dim0.num_layers() - 1), "Functional");
  EXPECT_TRUE(
      torch::allclose(dim0.logits(x()), tensor("residual_softmax_dim0", {5, 4}), 1e-4, 1e-5));
}

TEST_F(TorchScript, NonSequentialModuleHasNoLayers) {
  Model m = Model::load(dir_ + "/branches.pt");
  EXPECT_EQ(m.num_layers(), 0);
  EXPECT_THROW(m.forward_layers(x(), 0, 1), mutagen::Error);
  // The error names the model file, the layer and what forward would have to look like.
  mutagen::testing_support::expect_error(
      [&] { m.layer_kind(0); },
      {"branches.pt", "layer 0", "plain chain of child calls", "CallMethod", "residual sums"});
  EXPECT_EQ(m.parameters().size(), 4u);
}

TEST_F(TorchScript, CloneIsIndependentAndSaveRoundTrips) {
  Model original = Model::load(dir_ + "/seq.pt");
  const std::string before = original.fingerprint();
  Model copy = original.clone();
  EXPECT_EQ(copy.fingerprint(), before);
  EXPECT_EQ(copy.num_layers(), 5);
  {
    torch::NoGradGuard no_grad;
    copy.layer_weight(4).add_(0.5);
  }
  EXPECT_NE(copy.fingerprint(), before);
  EXPECT_EQ(original.fingerprint(), before);
  EXPECT_TRUE(torch::allclose(original.logits(x()), tensor("seq", {5, 4}), 1e-4, 1e-5));

  const std::string path = mutagen::testing_support::temp_dir("saved") + "/copy.pt";
  copy.save(path);
  Model back = Model::load(path);
  EXPECT_EQ(back.fingerprint(), copy.fingerprint());
  EXPECT_TRUE(torch::equal(back.logits(x()), copy.logits(x())));
}

TEST_F(TorchScript, TrainsWithFit) {
  Model m = Model::load(dir_ + "/seq.pt").clone();
  const auto images = x();
  const auto labels = torch::tensor({0, 1, 2, 3, 0}, torch::kInt64);
  const std::string before = m.fingerprint();
  mutagen::fit(m, images, labels,
               mutagen::TrainOptions().epochs(20).batch_size(5).learning_rate(0.05));
  EXPECT_NE(m.fingerprint(), before);
  EXPECT_DOUBLE_EQ(mutagen::accuracy(m, images, labels), 1.0);
}

TEST_F(TorchScript, NestedSequentialIsFlattenedAndLogSoftmaxSkipped) {
  Model m = Model::load(dir_ + "/nested.pt");
  ASSERT_EQ(m.num_layers(), 5);
  const std::vector<std::string> names = {"0.0", "0.1", "1", "2", "3"};
  for (int64_t k = 0; k < 5; ++k) EXPECT_EQ(m.layer_name(k), names[static_cast<size_t>(k)]);
  EXPECT_EQ(m.layer_index("2"), 3);
  EXPECT_EQ(m.logits_end(), 4);
  EXPECT_EQ(m.layer_bias(3).sizes(), (std::vector<int64_t>{4}));
  const mutagen::ConvGeometry g = m.layer_conv_geometry(0);
  EXPECT_EQ(g.stride, (std::array<int64_t, 2>{2, 2}));
  EXPECT_EQ(g.padding, (std::array<int64_t, 2>{1, 1}));
  EXPECT_EQ(g.groups, 1);
  // logits() stops before the LogSoftmax.
  EXPECT_TRUE(torch::allclose(m.logits(x()), tensor("nested_logits", {5, 4}), 1e-4, 1e-5));
}

// A scripted nn.MaxPool2d(2) keeps its options as attributes: inference pools it by element-wise
// maxima (max_pool.h), like the C++ layer. A traced one keeps none and runs its own forward.
TEST_F(TorchScript, ScriptedMaxPoolIsRecognisedForFastPooling) {
  const torch::jit::Module scripted = torch::jit::load(dir_ + "/seq.pt");
  EXPECT_EQ(mutagen::internal::plain_max_pool(scripted.attr("2").toModule()),
            (std::array<int64_t, 2>{2, 2}));
  const torch::jit::Module traced = torch::jit::load(dir_ + "/traced.pt");
  EXPECT_FALSE(mutagen::internal::plain_max_pool(traced.attr("2").toModule()));
}

// A scripted nn.Linear is torch's own: inference splits its rows over torch's threads
// (parallel_linear.h), and the model's logits on a batch large enough to split match the scripted
// module's own forward.
TEST_F(TorchScript, ScriptedLinearRunsOnAllThreadsWithTheModulesValues) {
  torch::jit::Module scripted = torch::jit::load(dir_ + "/seq.pt");
  EXPECT_TRUE(mutagen::internal::is_torch_linear(scripted.attr("4").toModule()));
  EXPECT_FALSE(mutagen::internal::is_torch_linear(scripted.attr("0").toModule()));
  const Model m = Model::load(dir_ + "/seq.pt");
  auto gen = at::detail::createCPUGenerator(12);
  const torch::Tensor batch = at::rand({300, 1, 8, 8}, gen);
  torch::NoGradGuard no_grad;
  scripted.eval();
  const torch::Tensor own = scripted.forward({batch}).toTensor();
  EXPECT_TRUE(torch::allclose(m.logits(batch), own, 1e-5, 1e-6));
}

// A forward written with functional steps (F.relu, F.max_pool2d, F.dropout, x.view, torch.tanh,
// F.log_softmax) and a custom block is read from its graph as the same chain of layers as its
// nn.Sequential twin: same kinds, the block flattened, the same activations after every layer.
TEST_F(TorchScript, FunctionalForwardIsReadAsTheChainOfItsSequentialTwin) {
  const Model twin = Model::load(dir_ + "/twin.pt");
  const std::vector<std::string> kinds = {"Conv2d", "ReLU", "MaxPool2d", "Dropout",   "Flatten",
                                          "Linear", "Tanh", "Linear",    "LogSoftmax"};
  const std::vector<std::string> names = {"block.conv", "block.F.relu", "F._max_pool2d",
                                          "F.dropout",  "F.view",       "fc1",
                                          "F.tanh",     "fc2",          "F.log_softmax"};
  for (const std::string file : {"functional.pt", "functional_traced.pt"}) {
    const Model m = Model::load(dir_ + "/" + file);
    ASSERT_EQ(m.num_layers(), 9) << file;
    for (int64_t k = 0; k < 9; ++k) {
      const auto i = static_cast<size_t>(k);
      EXPECT_EQ(m.layer_kind(k), kinds[i]) << file << " layer " << k;
      if (file == "functional.pt") {
        EXPECT_EQ(m.layer_name(k), names[i]);
      }
    }
    EXPECT_EQ(m.logits_end(), 8);
    EXPECT_EQ(m.layer_index("fc1"), 5);
    EXPECT_TRUE(m.layer_weight(0).equal(twin.layer_weight(0)));
    EXPECT_TRUE(m.layer_bias(7).equal(twin.layer_bias(7)));
    EXPECT_FALSE(m.layer_weight(1).defined());
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::allclose(m.logits(x()), tensor("functional_logits", {5, 4}), 1e-4, 1e-5));
    for (int64_t k = 0; k <= 9; ++k) {
      const torch::Tensor head = m.forward_layers(x(), 0, k);
      EXPECT_TRUE(torch::allclose(head, twin.forward_layers(x(), 0, k), 1e-5, 1e-6)) << k;
      EXPECT_TRUE(
          torch::allclose(m.forward_layers(head, k, 9), twin.forward_layers(x(), 0, 9), 1e-5, 1e-6))
          << file << " from layer " << k;
    }
  }
}

// The functional dropout follows the model's train/eval mode, and a functional max-pooling with
// constant arguments gets the fast pooling like nn.MaxPool2d.
TEST_F(TorchScript, FunctionalStepsFollowTrainModeAndPoolFast) {
  const Model m = Model::load(dir_ + "/functional.pt").clone();
  const torch::Tensor ones = torch::ones({4, 3, 3, 3});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(m.forward_layers(ones, 3, 4).equal(ones));
  m.train(true);
  const torch::Tensor dropped = m.forward_layers(ones, 3, 4);
  EXPECT_GT(dropped.eq(0).sum().item<int64_t>(), 0);
  EXPECT_TRUE(dropped.eq(0).logical_or(dropped.eq(2)).all().item<bool>());
  m.train(false);
  EXPECT_TRUE(m.forward_layers(ones, 3, 4).equal(ones));

  const auto chain = mutagen::internal::jit_chain(torch::jit::load(dir_ + "/functional.pt"));
  ASSERT_EQ(chain.layers.size(), 9u);
  EXPECT_EQ(mutagen::internal::plain_max_pool(chain.layers[2]), (std::array<int64_t, 2>{2, 2}));
  EXPECT_FALSE(mutagen::internal::plain_max_pool(chain.layers[1]));
  // Both Linear layers run on all threads, the second one's type name mangled by scripting.
  EXPECT_NE(chain.layers[7].type()->name()->qualifiedName().find("___torch_mangle_"),
            std::string::npos);
  EXPECT_TRUE(mutagen::internal::is_torch_linear(chain.layers[5]));
  EXPECT_TRUE(mutagen::internal::is_torch_linear(chain.layers[7]));
  EXPECT_FALSE(mutagen::internal::is_torch_linear(chain.layers[6]));
}

// Layers that write their input (nn.ReLU(inplace=True), F.relu(x, inplace=True)) run on a copy:
// the caller's tensor (Arachne's cached activations, the user's images) stays as it was, even
// when only a view (Flatten) stands between it and the in-place layer.
TEST_F(TorchScript, InPlaceLayersLeaveTheCallersTensorAsItWas) {
  const torch::Tensor input = x() - 0.5;  // negatives for the ReLU to clear
  const torch::Tensor before = input.clone();
  torch::manual_seed(2);
  const torch::nn::Sequential cpp(torch::nn::Flatten(),
                                  torch::nn::ReLU(torch::nn::ReLUOptions().inplace(true)),
                                  torch::nn::Linear(64, 4));
  const std::vector<std::pair<std::string, Model>> models = {
      {"inplace_seq.pt", Model::load(dir_ + "/inplace_seq.pt")},
      {"inplace_functional.pt", Model::load(dir_ + "/inplace_functional.pt")},
      {"C++ Sequential", Model::from_sequential(cpp, "inplace_cpp")}};
  for (const auto& [name, m] : models) {
    ASSERT_EQ(m.num_layers(), 3) << name;
    EXPECT_EQ(m.layer_kind(1), "ReLU") << name;
    torch::NoGradGuard no_grad;
    const torch::Tensor expected = torch::nn::functional::linear(
        torch::relu(before.flatten(1)), m.layer_weight(2), m.layer_bias(2));
    EXPECT_TRUE(torch::allclose(m.forward_layers(input, 0, 3), expected, 1e-5, 1e-6)) << name;
    EXPECT_TRUE(input.equal(before)) << name << ": forward_layers wrote its input";
    EXPECT_TRUE(torch::allclose(m.logits(input), expected, 1e-5, 1e-6)) << name;
    EXPECT_TRUE(input.equal(before)) << name << ": logits wrote its input";
  }
}

// A loop over an nn.ModuleList is unrolled in the scripted graph: its items are layers, named by
// their attribute path.
TEST_F(TorchScript, ModuleListLoopIsReadAsAChain) {
  const Model m = Model::load(dir_ + "/stack.pt");
  ASSERT_EQ(m.num_layers(), 5);
  const std::vector<std::string> names = {"F.flatten", "layers.0", "F.relu", "layers.1",
                                          "F.relu#2"};
  const std::vector<std::string> kinds = {"Flatten", "Linear", "ReLU", "Linear", "ReLU"};
  for (int64_t k = 0; k < 5; ++k) {
    EXPECT_EQ(m.layer_name(k), names[static_cast<size_t>(k)]);
    EXPECT_EQ(m.layer_kind(k), kinds[static_cast<size_t>(k)]);
  }
  EXPECT_EQ(m.layer_weight(3).sizes(), (std::vector<int64_t>{4, 16}));
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(m.logits(x()), tensor("stack", {5, 4}), 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(m.forward_layers(m.forward_layers(x(), 0, 2), 2, 5),
                              tensor("stack", {5, 4}), 1e-4, 1e-5));
}

// A model that does not take mutagen's images (no Flatten before its Linear, float64 weights)
// fails with a short error naming the file and what went wrong, without TorchScript's tracebacks.
TEST_F(TorchScript, WrongInputShapeOrPrecisionIsAShortNamedError) {
  try {
    Model::load(dir_ + "/noflat.pt").logits(x());
    ADD_FAILURE() << "no error";
  } catch (const mutagen::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("noflat.pt': inference on input [5, 1, 8, 8] failed"), std::string::npos)
        << what;
    EXPECT_NE(what.find("RuntimeError: mat1 and mat2 shapes cannot be multiplied"),
              std::string::npos)
        << what;
    EXPECT_EQ(what.find("Traceback"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  mutagen::testing_support::expect_error(
      [&] { Model::load(dir_ + "/double.pt").logits(x()); },
      {"double.pt", "parameter '1.weight' is Double", "input is Float", "model.float()"});
}

// A file of torch.save (a pickled module, a state_dict) is the usual mistake: the error says how to
// script the model instead.
TEST_F(TorchScript, TorchSaveFilesNameTheFix) {
  for (const char* file : {"pickled.pt", "state_dict.pt"})
    for (const bool jit : {false, true})
      mutagen::testing_support::expect_error(
          [&] {
            const std::string path = dir_ + "/" + file;
            jit ? Model::load_torchscript(path) : Model::load(path);
          },
          {file, "torch.save", "torch.jit.save(torch.jit.script(model), path)"});
}

// More functional activations and adaptive pooling get the kinds of their nn modules (Arachne
// carries only the changed channels through them), and the chain computes what Python did.
TEST_F(TorchScript, FunctionalActivationsGetTheirModuleKinds) {
  const Model m = Model::load(dir_ + "/activations.pt");
  std::vector<std::string> kinds;
  for (int64_t k = 0; k < m.num_layers(); ++k) kinds.push_back(m.layer_kind(k));
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"Conv2d", "SiLU", "ReLU6", "Hardswish", "AdaptiveAvgPool2d",
                                      "Flatten", "Linear", "Softplus"}));
  EXPECT_TRUE(torch::allclose(m.forward_layers(x(), 0, m.num_layers()),
                              tensor("activations", {5, 4}), 1e-5, 1e-6));
}

}  // namespace
