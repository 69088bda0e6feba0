// --device (issue 17): names parsed and validated up front, and nothing in the model and training
// code hard-codes the CPU: outputs follow the model's device. Only the CPU exists here; the CUDA
// cases run where torch has CUDA.
#include "mutagen/device.h"

#include <gtest/gtest.h>

#include "mutagen/error.h"
#include "mutagen/model.h"
#include "mutagen/training.h"
#include "test_support.h"

using mutagen::Model;
using mutagen::parse_device;
using mutagen::testing_support::expect_error;

namespace {

torch::Tensor images(int64_t n) {
  torch::manual_seed(3);
  return torch::rand({n, 1, 28, 28});
}

TEST(Device, ParsesCpuAndRejectsUnknownNamesNamingTheOption) {
  EXPECT_EQ(parse_device("cpu"), torch::Device(torch::kCPU));
  EXPECT_EQ(mutagen::device_name(parse_device("cpu")), "cpu");
  for (const char* bad : {"", "gpu", "CPU", "cuda:", "cuda:x", "cuda0", "cpu:1", "tpu"})
    expect_error([&] { parse_device(bad, "--device"); },
                 {"--device " + std::string(bad), "unknown device", "cpu, cuda or cuda:N"});
}

TEST(Device, CudaWithoutCudaIsANamedError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this libtorch has CUDA";
  for (const char* name : {"cuda", "cuda:1"})
    expect_error([&] { parse_device(name, "--device"); },
                 {"--device " + std::string(name), "this libtorch has no CUDA",
                  "torch::cuda::is_available() is false", "use cpu"});
}

TEST(Device, OutputsFollowTheModelsDevice) {
  const Model m = Model::create("mnist_small", 0);
  EXPECT_EQ(m.device(), torch::Device(torch::kCPU));
  m.to(parse_device("cpu"));
  EXPECT_EQ(m.device(), torch::Device(torch::kCPU));
  const torch::Tensor x = images(300);  // two batches of logits()
  EXPECT_EQ(m.logits(x).device(), m.device());
  EXPECT_EQ(m.logits(x, 128).device(), x.device());
  EXPECT_EQ(m.predict(x).device(), x.device());
  EXPECT_EQ(m.forward(x.slice(0, 0, 4)).device(), m.device());
  EXPECT_EQ(m.forward_layers(x.slice(0, 0, 4), 0, 3).device(), m.device());
  EXPECT_EQ(m.clone().device(), m.device());
  for (const auto& p : m.parameters()) EXPECT_EQ(p.device(), m.device());
}

TEST(Device, TrainingOnTheCpuOptionIsTrainingAsBefore) {
  const torch::Tensor x = images(96);
  const torch::Tensor y = torch::arange(96) % 10;
  mutagen::Dataset data;
  data.images = x;
  data.labels = y;
  data.num_classes = 10;
  mutagen::TrainOptions o;
  o.epochs(1).batch_size(32);
  const Model plain = mutagen::train_model("mnist_small", data, o);
  const Model on_cpu = mutagen::train_model("mnist_small", data, o.device(parse_device("cpu")));
  EXPECT_EQ(on_cpu.device(), torch::Device(torch::kCPU));
  EXPECT_EQ(plain.fingerprint(), on_cpu.fingerprint());
}

TEST(Device, CudaGivesTheCpuResults) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "this libtorch has no CUDA";
  const Model cpu = Model::create("mnist_small", 0);
  const Model gpu = cpu.clone();
  gpu.to(parse_device("cuda"));
  EXPECT_TRUE(gpu.device().is_cuda());
  const torch::Tensor x = images(300);
  const torch::Tensor a = cpu.logits(x), b = gpu.logits(x);
  EXPECT_EQ(b.device(), x.device());
  EXPECT_TRUE(torch::allclose(a, b, 1e-4, 1e-4));
  // Fingerprints hash the CPU copy: the same instance on any device has the same identity.
  EXPECT_EQ(cpu.fingerprint(), gpu.fingerprint());
}

}  // namespace
