// Arachne on a TorchScript model written the way Python code usually is (functional steps in
// forward: F.relu, F.max_pool2d, x.view, F.softmax at the end): localisation and differential
// evolution give exactly what they give on its nn.Sequential twin with the same weights. The
// fixture is scripted by /usr/bin/python3 into the test's temp folder.
#include <gtest/gtest.h>

#include "mutagen/mutators/arachne.h"
#include "test_support.h"

namespace {

using mutagen::ArachneDeMutator;
using mutagen::ArachneOptions;
using mutagen::Dataset;
using mutagen::Model;
using mutagen::MutationInputs;

const char* kTwinScript = R"PY(
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F
out = sys.argv[1]
torch.manual_seed(3)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.fc1 = nn.Linear(6 * 2 * 2, 12)
        self.fc2 = nn.Linear(12, 3)
    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        return F.softmax(self.fc2(x), dim=1)

net = Net().eval()
with torch.no_grad():  # larger weights: random inputs fall into more than one class
    net.fc2.weight.mul_(8); net.fc2.bias.zero_(); net.fc1.weight.mul_(3)
twin = nn.Sequential(net.conv1, nn.ReLU(), net.conv2, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                     net.fc1, nn.ReLU(), net.fc2, nn.Softmax(dim=1)).eval()
torch.jit.save(torch.jit.script(net), out + "/functional.pt")
torch.jit.save(torch.jit.script(twin), out + "/twin.pt")

class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(64, 64)
        self.b = nn.Linear(64, 3)
    def forward(self, x):
        h = torch.flatten(x, 1)
        return self.b(h + F.relu(self.a(h)))

torch.jit.save(torch.jit.script(Residual().eval()), out + "/residual.pt")

# Convolutions with stride, padding and dilation, scripted and traced: tracing drops the modules'
# stride/padding/dilation/groups attributes.
class Strided(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=2, dilation=2)
        self.fc = nn.Linear(6 * 4 * 4, 3)
    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return self.fc(torch.flatten(x, 1))

strided = Strided().eval()
with torch.no_grad():
    strided.fc.weight.mul_(8)
torch.jit.save(torch.jit.script(strided), out + "/strided_scripted.pt")
torch.jit.save(torch.jit.trace(strided, torch.randn(2, 1, 8, 8)), out + "/strided_traced.pt")
)PY";

class ArachneTorchScript : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_reason_ = mutagen::testing_support::python_torch_missing();
    if (!skip_reason_.empty()) return;
    dir_ = mutagen::testing_support::run_python_fixture("arachne_torchscript", kTwinScript);
    ASSERT_FALSE(dir_.empty()) << "the fixture script failed";
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }

  // Random 8x8 images labelled with the model's own predictions (all correctly classified); the
  // most frequent class is the target, its first half I_neg, its second half I_pos.
  static MutationInputs inputs(const Model& model) {
    auto gen = at::detail::createCPUGenerator(21);
    const torch::Tensor images = 3 * at::randn({240, 1, 8, 8}, gen);
    const torch::Tensor labels = model.predict(images).to(torch::kLong);
    const int64_t target = torch::bincount(labels).argmax().item<int64_t>();
    const torch::Tensor members = labels.eq(target).nonzero().squeeze(1);
    const torch::Tensor rest = labels.ne(target).nonzero().squeeze(1);
    const int64_t half = members.size(0) / 2;
    auto subset = [&](const torch::Tensor& index) {
      Dataset d;
      d.images = images.index_select(0, index);
      d.labels = labels.index_select(0, index);
      d.num_classes = 3;
      return d;
    };
    MutationInputs in;
    in.target_class = target;
    in.neg = subset(members.slice(0, 0, half));
    in.pos = subset(members.slice(0, half));
    in.other = subset(rest);
    in.seed = 5;
    return in;
  }

  static inline std::string dir_, skip_reason_;
};

TEST_F(ArachneTorchScript, FunctionalForwardLocalisesAndEvolvesLikeItsSequentialTwin) {
  const Model functional = Model::load(dir_ + "/functional.pt");
  const Model twin = Model::load(dir_ + "/twin.pt");
  ASSERT_EQ(functional.num_layers(), twin.num_layers());
  const MutationInputs in = inputs(twin);
  ASSERT_GT(in.neg.images.size(0), 10);
  ASSERT_GT(in.other.images.size(0), 10);
  // "fc1" names the same layer in both; "auto" finds it through the functional steps.
  EXPECT_EQ(mutagen::resolve_layer(functional, "fc1"), 6);
  EXPECT_EQ(mutagen::resolve_layer(functional, "auto"), 6);
  EXPECT_EQ(functional.logits_end(), twin.num_layers() - 1);
  for (const int64_t layer : {0, 2, 6}) {
    const auto a = mutagen::localise(functional, layer, in.neg, in.pos, 6);
    const auto b = mutagen::localise(twin, layer, in.neg, in.pos, 6);
    EXPECT_EQ(a.selected, b.selected) << "layer " << layer;
    EXPECT_TRUE(torch::allclose(a.gl, b.gl, 1e-5, 1e-9)) << "layer " << layer;
    EXPECT_TRUE(torch::allclose(a.fi, b.fi, 1e-5, 1e-9)) << "layer " << layer;

    const ArachneDeMutator de(
        ArachneOptions().layer(std::to_string(layer)).count(6).population(16).generations(6));
    const Model ma = de.mutate(functional, in), mb = de.mutate(twin, in);
    const int64_t changed =
        functional.layer_weight(layer).ne(ma.layer_weight(layer)).sum().item<int64_t>();
    EXPECT_GT(changed, 0) << "layer " << layer;
    EXPECT_LE(changed, 6) << "layer " << layer;
    EXPECT_TRUE(torch::allclose(ma.layer_weight(layer), mb.layer_weight(layer), 1e-6, 1e-7))
        << "layer " << layer;
    // The mutant of the functional model runs its changed weights like the twin's mutant.
    EXPECT_TRUE(torch::allclose(ma.logits(in.neg.images), mb.logits(in.neg.images), 1e-4, 1e-5));
  }
}

// A traced Conv2d has no stride/padding/dilation attributes; its forward graph's convolution call
// gives them, so localisation and DE work on it as on the scripted model.
TEST_F(ArachneTorchScript, TracedConvolutionsHaveTheirGeometry) {
  const Model scripted = Model::load(dir_ + "/strided_scripted.pt");
  const Model traced = Model::load(dir_ + "/strided_traced.pt");
  ASSERT_EQ(traced.num_layers(), scripted.num_layers());
  const auto g1 = traced.layer_conv_geometry(0), g2 = traced.layer_conv_geometry(2);
  EXPECT_EQ(g1.stride, (std::array<int64_t, 2>{2, 2}));
  EXPECT_EQ(g1.padding, (std::array<int64_t, 2>{1, 1}));
  EXPECT_EQ(g1.dilation, (std::array<int64_t, 2>{1, 1}));
  EXPECT_EQ(g2.stride, (std::array<int64_t, 2>{1, 1}));
  EXPECT_EQ(g2.padding, (std::array<int64_t, 2>{2, 2}));
  EXPECT_EQ(g2.dilation, (std::array<int64_t, 2>{2, 2}));
  EXPECT_EQ(g2.groups, 1);
  const MutationInputs in = inputs(scripted);
  for (const int64_t layer : {0, 2}) {
    const auto a = mutagen::localise(traced, layer, in.neg, in.pos, 6);
    const auto b = mutagen::localise(scripted, layer, in.neg, in.pos, 6);
    EXPECT_EQ(a.selected, b.selected) << "layer " << layer;
    EXPECT_TRUE(torch::allclose(a.fi, b.fi, 1e-5, 1e-9)) << "layer " << layer;
    const ArachneDeMutator de(
        ArachneOptions().layer(std::to_string(layer)).count(6).population(16).generations(6));
    const Model ma = de.mutate(traced, in), mb = de.mutate(scripted, in);
    EXPECT_TRUE(torch::allclose(ma.layer_weight(layer), mb.layer_weight(layer), 1e-6, 1e-7))
        << "layer " << layer;
    EXPECT_FALSE(torch::equal(ma.layer_weight(layer), traced.layer_weight(layer)));
  }
}

// A residual forward ends in a chain after one layer for its start: its last Linear can be
// localised; a layer inside the start, or "auto" (which wants a hidden layer), is an error that
// names the file, the graph node that breaks the chain and what forward should look like.
TEST_F(ArachneTorchScript, ResidualForwardReachesItsChainOnly) {
  const Model residual = Model::load(dir_ + "/residual.pt");
  ASSERT_EQ(residual.num_layers(), 2);
  EXPECT_EQ(mutagen::resolve_layer(residual, "b"), 1);
  for (const std::string spec : {"auto", "0", "a"})
    mutagen::testing_support::expect_error(
        [&] { mutagen::resolve_layer(residual, spec); },
        {"residual.pt", "cannot be reached", "aten::add", "pass one tensor from step to step"});
  const MutationInputs in = inputs(residual);
  const auto front = mutagen::localise(residual, 1, in.neg, in.pos, 6);
  EXPECT_GE(front.selected.size(), 1u);
  const Model mutant =
      mutagen::ArachneDeMutator(
          mutagen::ArachneOptions().layer("b").count(6).population(16).generations(4))
          .mutate(residual, in);
  const int64_t changed = residual.layer_weight(1).ne(mutant.layer_weight(1)).sum().item<int64_t>();
  EXPECT_GT(changed, 0);
  EXPECT_LE(changed, 6);
}

}  // namespace
