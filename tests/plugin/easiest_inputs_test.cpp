// easiest_inputs: the weak test set of the strong-vs-weak comparison.
#include <gtest/gtest.h>

#include <map>

#include "mutagen/error.h"
#include "mutagen/mutagen.h"

namespace {

mutagen::Dataset random_test_set(int64_t n) {
  auto gen = at::detail::createCPUGenerator(7);
  mutagen::Dataset d;
  d.images = at::rand({n, 1, 28, 28}, gen);
  d.labels = torch::arange(n, torch::kLong).remainder(10);  // every class, n / 10 each
  d.num_classes = 10;
  return d;
}

// Mean softmax probability of the true label over the models, computed here the plain way.
std::vector<double> p_true(const mutagen::Dataset& d, const std::vector<mutagen::Model>& models) {
  std::vector<double> p(static_cast<size_t>(d.size()), 0.0);
  for (const auto& m : models) {
    const torch::Tensor probs = torch::softmax(m.logits(d.images), 1);
    for (int64_t i = 0; i < d.size(); ++i)
      p[static_cast<size_t>(i)] += probs[i][d.labels[i].item<int64_t>()].item<double>();
  }
  return p;
}

TEST(EasiestInputs, KeepsTheEasiestFractionOfEveryClass) {
  const mutagen::Dataset test = random_test_set(200);
  const std::vector<mutagen::Model> models = {mutagen::Model::create("mnist_small", 1),
                                              mutagen::Model::create("mnist_small", 2)};
  const mutagen::Dataset weak = mutagen::easiest_inputs(test, models, 0.25);
  // 20 per class -> 5 per class.
  ASSERT_EQ(weak.size(), 50);
  std::map<int64_t, int> per_class;
  for (int64_t i = 0; i < weak.size(); ++i) ++per_class[weak.labels[i].item<int64_t>()];
  for (int64_t c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 5) << "class " << c;
  // Every kept input is at least as easy as every dropped input of its class. Kept inputs are found
  // by their images (the subset keeps data order, so match them in order).
  const std::vector<double> p = p_true(test, models);
  std::vector<bool> kept(static_cast<size_t>(test.size()), false);
  for (int64_t i = 0, j = 0; i < test.size() && j < weak.size(); ++i)
    if (torch::equal(test.images[i], weak.images[j])) kept[static_cast<size_t>(i)] = true, ++j;
  for (int64_t c = 0; c < 10; ++c) {
    double lowest_kept = 2, highest_dropped = -1;
    for (int64_t i = c; i < test.size(); i += 10) {
      double& bound = kept[static_cast<size_t>(i)] ? lowest_kept : highest_dropped;
      bound = kept[static_cast<size_t>(i)] ? std::min(bound, p[static_cast<size_t>(i)])
                                           : std::max(bound, p[static_cast<size_t>(i)]);
    }
    EXPECT_GE(lowest_kept, highest_dropped - 1e-6) << "class " << c;
  }
}

TEST(EasiestInputs, RejectsAFractionOutsideZeroToOneAndNoModels) {
  const mutagen::Dataset test = random_test_set(20);
  const std::vector<mutagen::Model> models = {mutagen::Model::create("mnist_small", 1)};
  EXPECT_THROW(mutagen::easiest_inputs(test, models, 0.0), mutagen::Error);
  EXPECT_THROW(mutagen::easiest_inputs(test, models, 1.5), mutagen::Error);
  EXPECT_THROW(mutagen::easiest_inputs(test, {}, 0.5), mutagen::Error);
  EXPECT_EQ(mutagen::easiest_inputs(test, models, 1.0).size(), 20);
}

}  // namespace
