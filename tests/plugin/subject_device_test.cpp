// Subject::device and --mutagen_device (issue 17): a bad device is a named error when declared,
// before any instance is trained, and instances are moved to the device once when resolved.
#include <gtest/gtest.h>

#include "mutagen/error.h"
#include "mutagen/subject.h"
#include "registry.h"
#include "test_support.h"

namespace {

using mutagen::Model;
using mutagen::Subject;
using mutagen::testing_support::expect_error;

TEST(SubjectDevice, UnknownOrMissingDeviceFailsBeforeAnyTraining) {
  bool trained = false;
  Subject s("S");
  s.instances([&] {
    trained = true;
    return std::vector<Model>{};
  });
  expect_error([&] { s.device("gpu"); }, {"subject 'S'", "gpu", "unknown device"});
  if (!torch::cuda::is_available())
    expect_error([&] { s.device("cuda"); }, {"subject 'S'", "cuda", "no CUDA"});
  EXPECT_FALSE(trained);
}

TEST(SubjectDevice, CpuIsTheDefaultAndInstancesLiveThere) {
  Subject s("S");
  EXPECT_EQ(s.device(), torch::Device(torch::kCPU));
  s.device("cpu").instances({Model::create("mnist_small", 0), Model::create("mnist_small", 1)});
  for (const auto& m : s.resolved_instances()) EXPECT_EQ(m.device(), s.device());
}

TEST(SubjectDevice, TheFlagOverridesTheSubject) {
  Subject s("S");
  mutagen::internal::flags().device = "cpu";
  EXPECT_EQ(s.device(), torch::Device(torch::kCPU));
  mutagen::internal::flags().device.clear();
}

}  // namespace
