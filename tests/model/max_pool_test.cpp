// Inference max-pooling by element-wise maxima (plugin/src/max_pool.h) against libtorch's own
// max_pool2d, and the models that use it: the same logits as the module's own forward.
#include "max_pool.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "mutagen/model.h"

namespace {

using mutagen::internal::max_pool_by_maximum;
using mutagen::internal::plain_max_pool;

// Odd sizes (cropped as floor mode does), non-square kernels, 3-d input, negative values, NaN.
TEST(MaxPoolByMaximum, EqualsLibtorchMaxPool) {
  auto gen = at::detail::createCPUGenerator(11);
  for (const auto& kernel : std::vector<std::array<int64_t, 2>>{{2, 2}, {3, 3}, {2, 3}, {1, 2}}) {
    for (const auto& shape : std::vector<std::vector<int64_t>>{
             {4, 3, 24, 24}, {2, 5, 7, 9}, {3, 11, 13}, {1, 1, 3, 3}}) {
      const torch::Tensor x = at::randn(shape, gen);
      const torch::Tensor expected = torch::max_pool2d(x, {kernel[0], kernel[1]});
      const torch::Tensor got = max_pool_by_maximum(x, kernel);
      ASSERT_EQ(got.sizes(), expected.sizes()) << kernel[0] << "x" << kernel[1];
      EXPECT_TRUE(torch::equal(got, expected)) << kernel[0] << "x" << kernel[1];
    }
  }
  torch::Tensor with_nan = torch::zeros({1, 1, 4, 4});
  with_nan[0][0][1][1] = std::numeric_limits<float>::quiet_NaN();
  const torch::Tensor pooled = max_pool_by_maximum(with_nan, {2, 2});
  EXPECT_TRUE(std::isnan(pooled[0][0][0][0].item<float>()));
  EXPECT_EQ(pooled[0][0][1][1].item<float>(), 0.0f);
}

// Only kernel == stride, no padding, dilation 1, floor mode qualifies.
TEST(MaxPoolByMaximum, RecognisesOnlyPlainPooling) {
  namespace nn = torch::nn;
  EXPECT_EQ(plain_max_pool(*nn::MaxPool2d(nn::MaxPool2dOptions(2))),
            (std::array<int64_t, 2>{2, 2}));
  EXPECT_EQ(plain_max_pool(*nn::MaxPool2d(nn::MaxPool2dOptions({2, 3}))),
            (std::array<int64_t, 2>{2, 3}));
  EXPECT_FALSE(plain_max_pool(*nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2))));
  EXPECT_FALSE(plain_max_pool(*nn::MaxPool2d(nn::MaxPool2dOptions(2).padding(1))));
  EXPECT_FALSE(plain_max_pool(*nn::MaxPool2d(nn::MaxPool2dOptions(2).dilation(2))));
  EXPECT_FALSE(plain_max_pool(*nn::MaxPool2d(nn::MaxPool2dOptions(2).ceil_mode(true))));
  EXPECT_FALSE(plain_max_pool(*nn::AvgPool2d(nn::AvgPool2dOptions(2))));
}

// The thesis CNN's logits without grad (fast pooling) equal its Sequential's own forward; with grad
// (training) the model runs libtorch's pooling and gets the same values.
TEST(MaxPoolByMaximum, ModelLogitsEqualTheModulesForward) {
  const mutagen::Model model = mutagen::Model::create("thesis_cnn", 3);
  auto gen = at::detail::createCPUGenerator(5);
  const torch::Tensor x = at::rand({6, 1, 28, 28}, gen);
  const torch::Tensor fast = model.logits(x);
  torch::Tensor plain;
  {
    // forward_layers under grad mode runs every layer's own forward, MaxPool2d included.
    torch::AutoGradMode grad(true);
    plain = model.forward_layers(x, 0, model.logits_end()).detach();
  }
  EXPECT_TRUE(torch::equal(fast, plain));
}

}  // namespace
