// TorchScript models: a fixture scripted by /usr/bin/python3 (torch.jit.script / trace) into the
// test's temp folder, with the logits Python computed written as JSON to compare against.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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
torch.jit.save(torch.jit.script(seq), out + "/seq.pt")
torch.jit.save(torch.jit.trace(seq, x), out + "/traced.pt")
torch.jit.save(torch.jit.script(res), out + "/residual.pt")
nested = nn.Sequential(nn.Sequential(nn.Conv2d(1, 3, 3, stride=2, padding=1), nn.ReLU()),
                       nn.Flatten(), nn.Linear(48, 4), nn.LogSoftmax(dim=1)).eval()
torch.jit.save(torch.jit.script(nested), out + "/nested.pt")
with torch.no_grad():
    json.dump({"x": x.flatten().tolist(), "seq": seq(x).flatten().tolist(),
               "residual": res(x).flatten().tolist(),
               "nested_logits": nested[:3](x).flatten().tolist()}, open(out + "/expected.json", "w"))
)PY";

class TorchScript : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0) {
      skip_reason_ = "/usr/bin/python3 cannot import torch (install python3-torch)";
      return;
    }
    // One folder per process: ctest runs each test as its own process, possibly in parallel.
    dir_ = mutagen::testing_support::temp_dir("torchscript_fixture." + std::to_string(::getpid()));
    const std::string script = dir_ + "/make_fixture.py";
    std::ofstream(script) << kScript;
    const std::string cmd = "/usr/bin/python3 '" + script + "' '" + dir_ + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
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

TEST_F(TorchScript, NonSequentialModuleHasNoLayers) {
  Model m = Model::load(dir_ + "/residual.pt");
  EXPECT_EQ(m.num_layers(), 0);
  EXPECT_THROW(m.forward_layers(x(), 0, 1), mutagen::Error);
  // The error names the model file, the layer and what forward would have to look like.
  mutagen::testing_support::expect_error([&] { m.layer_kind(0); },
                                         {"residual.pt", "layer 0", "plain chain of child calls"});
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

}  // namespace
