// A Linear at inference with its rows split over torch's threads (plugin/src/parallel_linear.h)
// against torch's own Linear, when it applies and when it must leave the layer to torch.
#include "parallel_linear.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "mutagen/model.h"

namespace {

using mutagen::internal::is_torch_linear;
using mutagen::internal::linear_on_all_threads;

// Restores torch's thread count when a test changes it.
class Threads {
 public:
  explicit Threads(int n) : before_(at::get_num_threads()) { at::set_num_threads(n); }
  ~Threads() { at::set_num_threads(before_); }

 private:
  int before_;
};

void expect_close(const torch::Tensor& got, const torch::Tensor& expected, const char* what) {
  ASSERT_TRUE(got.defined()) << what;
  ASSERT_EQ(got.sizes(), expected.sizes()) << what;
  // Float sums in another blocking: a few units in the last place of the largest value.
  const double scale = expected.abs().max().item<double>();
  EXPECT_LE((got - expected).abs().max().item<double>(), 1e-5 * scale) << what;
}

TEST(ParallelLinear, EqualsTorchLinearOnTwoThreads) {
  torch::NoGradGuard no_grad;
  Threads two(2);
  auto gen = at::detail::createCPUGenerator(7);
  const torch::Tensor w = at::randn({37, 300}, gen), b = at::randn({37}, gen);
  for (const auto& shape :
       std::vector<std::vector<int64_t>>{{64, 300}, {1001, 300}, {3, 50, 300}}) {
    const torch::Tensor x = at::randn(shape, gen);
    expect_close(linear_on_all_threads(x, w, b), torch::linear(x, w, b), "with bias");
    expect_close(linear_on_all_threads(x, w, {}), torch::linear(x, w), "without bias");
  }
  // A non-contiguous input (a transposed view) reads the same values.
  const torch::Tensor xt = at::randn({300, 80}, gen).t();
  expect_close(linear_on_all_threads(xt, w, b), torch::linear(xt, w, b), "transposed input");
}

TEST(ParallelLinear, LeavesTheLayerToTorchWhereItDoesNotApply) {
  auto gen = at::detail::createCPUGenerator(8);
  const torch::Tensor w = at::randn({5, 20}, gen), b = at::randn({5}, gen);
  const torch::Tensor x = at::randn({200, 20}, gen);
  {
    torch::NoGradGuard no_grad;
    Threads two(2);
    EXPECT_FALSE(linear_on_all_threads(x.slice(0, 0, 8), w, b).defined()) << "8 rows";
    EXPECT_FALSE(linear_on_all_threads(x.to(torch::kFloat64), w.to(torch::kFloat64), {}).defined());
    EXPECT_FALSE(linear_on_all_threads(x.slice(1, 0, 19), w, b).defined()) << "wrong width";
    EXPECT_FALSE(linear_on_all_threads(x, w, b.slice(0, 0, 4)).defined()) << "wrong bias";
  }
  {
    torch::NoGradGuard no_grad;
    Threads one(1);
    EXPECT_FALSE(linear_on_all_threads(x, w, b).defined()) << "one thread";
  }
  torch::AutoGradMode grad(true);  // training: torch's Linear, whose gradient autograd knows
  EXPECT_FALSE(linear_on_all_threads(x, w, b).defined()) << "grad mode";
}

TEST(ParallelLinear, RecognisesOnlyTorchsLinear) {
  namespace nn = torch::nn;
  EXPECT_TRUE(is_torch_linear(*nn::Linear(3, 2)));
  EXPECT_FALSE(is_torch_linear(*nn::Conv2d(nn::Conv2dOptions(1, 2, 3))));
  EXPECT_FALSE(is_torch_linear(*nn::Bilinear(3, 3, 2)));
  // A user's TorchScript module that is only named Linear may compute anything.
  EXPECT_FALSE(is_torch_linear(torch::jit::Module("Linear")));
}

// A model of Linear layers: its logits without grad (rows split) match its Sequential's forward
// with grad (torch's Linear), on a batch large enough to split.
TEST(ParallelLinear, ModelLogitsMatchTheModulesForward) {
  Threads two(2);
  torch::manual_seed(4);
  torch::nn::Sequential net(torch::nn::Flatten(), torch::nn::Linear(784, 64), torch::nn::ReLU(),
                            torch::nn::Linear(64, 10));
  const mutagen::Model model = mutagen::Model::from_sequential(net, "mlp");
  model.train(false);
  auto gen = at::detail::createCPUGenerator(9);
  const torch::Tensor x = at::rand({500, 1, 28, 28}, gen);
  const torch::Tensor fast = model.logits(x);
  torch::Tensor plain;
  {
    torch::AutoGradMode grad(true);
    plain = net->forward(x).detach();
  }
  expect_close(fast, plain, "logits");
  EXPECT_TRUE(torch::equal(fast.argmax(1), plain.argmax(1)));
}

}  // namespace
