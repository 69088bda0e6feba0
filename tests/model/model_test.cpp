// Model: architectures, clone, save/load, fingerprint, layered access, file errors.
#include "mutagen/model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mutagen/error.h"
#include "test_support.h"

using mutagen::testing_support::expect_error;

namespace fs = std::filesystem;
using mutagen::Error;
using mutagen::Model;
using mutagen::testing_support::temp_dir;

namespace {

torch::Tensor sample_images(int64_t n, uint64_t seed = 1) {
  torch::manual_seed(seed);
  return torch::rand({n, 1, 28, 28});
}

}  // namespace

TEST(Architectures, BuiltinsAreRegistered) {
  const auto names = mutagen::architectures();
  EXPECT_NE(std::find(names.begin(), names.end(), "mnist_small"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "thesis_cnn"), names.end());
}

TEST(Architectures, OutputShapesAndLayers) {
  const auto x = sample_images(3);
  Model small = Model::create("mnist_small", 0);
  EXPECT_EQ(small.architecture(), "mnist_small");
  EXPECT_EQ(small.logits(x).sizes(), (std::vector<int64_t>{3, 10}));
  EXPECT_EQ(small.predict(x).sizes(), (std::vector<int64_t>{3}));
  ASSERT_EQ(small.num_layers(), 9);
  const std::vector<std::string> kinds = {"Conv2d",  "ReLU",   "Conv2d", "ReLU",  "MaxPool2d",
                                          "Flatten", "Linear", "ReLU",   "Linear"};
  for (int64_t k = 0; k < 9; ++k) EXPECT_EQ(small.layer_kind(k), kinds[k]) << k;
  EXPECT_EQ(small.layer_weight(0).sizes(), (std::vector<int64_t>{16, 1, 3, 3}));
  EXPECT_EQ(small.layer_weight(6).sizes(), (std::vector<int64_t>{64, 4608}));
  EXPECT_FALSE(small.layer_weight(1).defined());

  Model thesis = Model::create("thesis_cnn", 0);
  EXPECT_EQ(thesis.logits(x).sizes(), (std::vector<int64_t>{3, 10}));
  ASSERT_EQ(thesis.num_layers(), 11);
  EXPECT_EQ(thesis.layer_kind(5), "Dropout");
  EXPECT_EQ(thesis.layer_weight(7).sizes(), (std::vector<int64_t>{128, 9216}));
  // Eval mode: dropout off, so inference is repeatable.
  EXPECT_TRUE(torch::equal(thesis.logits(x), thesis.logits(x)));
}

TEST(Architectures, WrongInputShapeIsAnError) {
  Model m = Model::create("mnist_small", 0);
  expect_error([&] { m.logits(torch::zeros({2, 1, 10, 10})); }, {"mnist_small", "[2, 1, 10, 10]"});
  expect_error([&] { m.forward(torch::zeros({2, 3, 28, 28})); }, {"mnist_small", "[2, 3, 28, 28]"});
}

TEST(Architectures, UnknownNameIsAnError) {
  expect_error([] { Model::create("no_such_net", 0); },
               {"no_such_net", "not registered", "mnist_small"});
}

TEST(Model, SeedDeterminesInitialisation) {
  EXPECT_EQ(Model::create("mnist_small", 7).fingerprint(),
            Model::create("mnist_small", 7).fingerprint());
  EXPECT_NE(Model::create("mnist_small", 7).fingerprint(),
            Model::create("mnist_small", 8).fingerprint());
}

TEST(Model, BatchedLogitsEqualOneBatch) {
  Model m = Model::create("mnist_small", 3);
  const auto x = sample_images(10);
  EXPECT_TRUE(torch::allclose(m.logits(x, 3), m.logits(x, 1000), 1e-5, 1e-6));
}

TEST(Model, CloneIsIndependent) {
  Model original = Model::create("mnist_small", 1);
  const std::string before = original.fingerprint();
  Model copy = original.clone();
  EXPECT_EQ(copy.fingerprint(), before);
  {
    torch::NoGradGuard no_grad;
    copy.layer_weight(0).add_(1.0);
  }
  EXPECT_EQ(original.fingerprint(), before);
  EXPECT_NE(copy.fingerprint(), before);
  // A shared handle is not a copy.
  Model alias = original;
  {
    torch::NoGradGuard no_grad;
    alias.parameters()[0].mul_(2.0);
  }
  EXPECT_NE(original.fingerprint(), before);
}

TEST(Model, FingerprintFollowsWeights) {
  Model m = Model::create("mnist_small", 2);
  const std::string a = m.fingerprint();
  EXPECT_EQ(a.size(), 32u);
  {
    torch::NoGradGuard no_grad;
    m.named_parameters().back().second[0] += 1e-3;
  }
  EXPECT_NE(m.fingerprint(), a);
}

TEST(Model, SaveLoadRoundTrip) {
  const std::string dir = temp_dir("model");
  const auto x = sample_images(4);
  for (const std::string arch : {"mnist_small", "thesis_cnn"}) {
    Model m = Model::create(arch, 5);
    const std::string path = dir + "/" + arch + ".pt";
    m.save(path);
    Model back = Model::load(path);
    EXPECT_EQ(back.architecture(), arch);
    EXPECT_EQ(back.fingerprint(), m.fingerprint());
    EXPECT_TRUE(torch::equal(back.logits(x), m.logits(x)));
  }
  // No temp files left behind.
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().extension(), ".pt") << e.path();
}

TEST(Model, LayeredForwardComposes) {
  const auto x = sample_images(5);
  for (const std::string arch : {"mnist_small", "thesis_cnn"}) {
    Model m = Model::create(arch, 9);
    m.train(false);
    const auto expected = m.logits(x);
    torch::NoGradGuard no_grad;
    const int64_t n = m.num_layers();
    for (int64_t k = 0; k <= n; ++k) {
      const auto mid = m.forward_layers(x, 0, k);
      EXPECT_TRUE(torch::allclose(m.forward_layers(mid, k, n), expected, 1e-5, 1e-6))
          << arch << " " << k;
    }
  }
  Model m = Model::create("mnist_small", 9);
  expect_error([&] { m.forward_layers(x, 2, 10); }, {"forward_layers", "[2, 10)"});
  expect_error([&] { m.layer_kind(9); }, {"layer 9 out of range"});
}

TEST(Model, RegisteredCustomArchitectureRoundTrips) {
  mutagen::register_architecture("test_tiny", [] {
    return torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(784, 4));
  });
  Model m = Model::create("test_tiny", 1);
  const std::string path = temp_dir("custom") + "/tiny.pt";
  m.save(path);
  EXPECT_EQ(Model::load(path).fingerprint(), m.fingerprint());
  EXPECT_EQ(m.logits(sample_images(2)).sizes(), (std::vector<int64_t>{2, 4}));
}

TEST(ModelFiles, MissingCorruptAndUnregistered) {
  const std::string dir = temp_dir("files");
  expect_error([&] { Model::load(dir + "/absent.pt"); }, {dir + "/absent.pt", "missing"});
  expect_error([&] { Model::load_torchscript(dir + "/absent.pt"); }, {"absent.pt", "missing"});

  const std::string garbage = dir + "/garbage.pt";
  std::ofstream(garbage) << "this is not a model";
  expect_error([&] { Model::load(garbage); }, {garbage, "not a mutagen model or TorchScript file"});
  const std::string empty = dir + "/empty.pt";
  std::ofstream(empty).flush();
  expect_error([&] { Model::load(empty); }, {empty, "not a mutagen model or TorchScript file"});

  // A truncated real model.
  const std::string good = dir + "/good.pt";
  Model::create("mnist_small", 0).save(good);
  const auto size = fs::file_size(good);
  const std::string cut = dir + "/cut.pt";
  fs::copy_file(good, cut);
  fs::resize_file(cut, size / 2);
  expect_error([&] { Model::load(cut); }, {cut, "not a mutagen model or TorchScript file"});

  // Saved under an architecture name nobody registered.
  const std::string orphan = dir + "/orphan.pt";
  Model::from_sequential(torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(784, 2)),
                         "never_registered")
      .save(orphan);
  expect_error([&] { Model::load(orphan); },
               {orphan, "architecture 'never_registered' not registered"});

  // Parameters that do not fit the architecture.
  mutagen::register_architecture("test_shape_b",
                                 [] { return torch::nn::Sequential(torch::nn::Linear(4, 2)); });
  const std::string mismatch = dir + "/mismatch.pt";
  Model::from_sequential(torch::nn::Sequential(torch::nn::Linear(5, 3)), "test_shape_b")
      .save(mismatch);
  expect_error([&] { Model::load(mismatch); },
               {mismatch, "do not match architecture 'test_shape_b'"});

  Model empty_model;
  EXPECT_FALSE(empty_model.valid());
  expect_error([&] { empty_model.fingerprint(); }, {"empty"});
}

TEST(Accuracy, CountsCorrectPredictions) {
  Model m = Model::create("mnist_small", 0);
  const auto x = sample_images(6);
  const auto predicted = m.predict(x);
  EXPECT_DOUBLE_EQ(mutagen::accuracy(m, x, predicted), 1.0);
  auto half = predicted.clone();
  half.slice(0, 0, 3).add_(1).remainder_(10);
  EXPECT_DOUBLE_EQ(mutagen::accuracy(m, x, half), 0.5);
  expect_error([&] { mutagen::accuracy(m, x, predicted.slice(0, 0, 2)); }, {"accuracy"});
}
