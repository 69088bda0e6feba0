// Training: a separable synthetic task is learned, the seed fixes every bit, the cache is reused.
#include "mutagen/training.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mutagen/error.h"
#include "test_support.h"

namespace fs = std::filesystem;
using mutagen::Model;
using mutagen::TrainOptions;
using mutagen::testing_support::temp_dir;

namespace {

// Four classes: a bright 8x8 square in one of the four quadrants of a noisy 28x28 image.
mutagen::Dataset quadrants(int64_t per_class, uint64_t seed) {
  torch::manual_seed(seed);
  const int64_t n = 4 * per_class;
  auto images = torch::rand({n, 1, 28, 28}) * 0.3;
  auto labels = torch::arange(n, torch::kInt64).remainder(4);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = i % 4;
    const int64_t r = (c / 2) * 14 + 3, col = (c % 2) * 14 + 3;
    images[i][0].slice(0, r, r + 8).slice(1, col, col + 8).add_(0.7);
  }
  mutagen::Dataset d;
  d.name = "quadrants";
  d.images = images;
  d.labels = labels;
  d.num_classes = 4;
  return d;
}

TrainOptions quick(uint64_t seed = 0) { return TrainOptions().epochs(1).batch_size(16).seed(seed); }

}  // namespace

TEST(Training, LearnsSeparableData) {
  const auto train = quadrants(100, 1), test = quadrants(25, 2);
  Model m = mutagen::train_model("mnist_small", train, quick().epochs(2));
  EXPECT_GE(mutagen::accuracy(m, test.images, test.labels), 0.95);
}

TEST(Training, EveryOptimizerLearns) {
  const auto train = quadrants(40, 1), test = quadrants(20, 2);
  for (const auto& [name, lr] :
       std::vector<std::pair<std::string, double>>{{"sgd", 0.05}, {"adadelta", 1.0}}) {
    Model m = mutagen::train_model("mnist_small", train,
                                   quick().optimizer(name).learning_rate(lr).epochs(2));
    EXPECT_GE(mutagen::accuracy(m, test.images, test.labels), 0.9) << name;
  }
}

TEST(Training, SameSeedGivesIdenticalParameters) {
  const auto train = quadrants(10, 1);
  for (const std::string arch : {"mnist_small", "thesis_cnn"}) {
    Model a = mutagen::train_model(arch, train, quick(3));
    Model b = mutagen::train_model(arch, train, quick(3));
    Model c = mutagen::train_model(arch, train, quick(4));
    const auto pa = a.parameters(), pb = b.parameters();
    ASSERT_EQ(pa.size(), pb.size());
    for (size_t i = 0; i < pa.size(); ++i)
      EXPECT_TRUE(torch::equal(pa[i], pb[i])) << arch << " " << i;
    EXPECT_EQ(a.fingerprint(), b.fingerprint());
    EXPECT_NE(a.fingerprint(), c.fingerprint());
  }
}

TEST(Training, FitContinuesTrainingInPlace) {
  const auto train = quadrants(10, 1);
  Model m = Model::create("mnist_small", 0);
  const std::string before = m.fingerprint();
  mutagen::fit(m, train.images, train.labels, quick());
  EXPECT_NE(m.fingerprint(), before);
  // A clone trains on its own (what mutators do), leaving the original alone.
  const std::string trained = m.fingerprint();
  Model copy = m.clone();
  mutagen::fit(copy, train.images, train.labels, quick(1));
  EXPECT_NE(copy.fingerprint(), trained);
  EXPECT_EQ(m.fingerprint(), trained);
}

TEST(Training, BadOptionsAreErrors) {
  const auto train = quadrants(2, 1);
  try {
    mutagen::train_model("mnist_small", train, quick().optimizer("rmsprop"));
    ADD_FAILURE() << "expected an error";
  } catch (const mutagen::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'optimizer' is 'rmsprop'"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(mutagen::train_model("mnist_small", train, quick().batch_size(0)), mutagen::Error);
  Model m = Model::create("mnist_small", 0);
  EXPECT_THROW(mutagen::fit(m, train.images, train.labels.slice(0, 0, 3), quick()), mutagen::Error);
}

TEST(Training, InstancesUseTheCache) {
  const auto train = quadrants(5, 1);
  const std::string cache = temp_dir("cache");
  const auto first = mutagen::train_instances("mnist_small", train, quick(10), 2, cache);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_NE(first[0].fingerprint(), first[1].fingerprint());
  // Instance i has seed options.seed() + i.
  EXPECT_EQ(first[1].fingerprint(),
            mutagen::train_model("mnist_small", train, quick(11)).fingerprint());

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(cache)) files.push_back(e.path());
  ASSERT_EQ(files.size(), 2u);
  for (const auto& f : files) EXPECT_EQ(f.extension(), ".pt");

  const auto second = mutagen::train_instances("mnist_small", train, quick(10), 2, cache);
  EXPECT_EQ(second[0].fingerprint(), first[0].fingerprint());
  EXPECT_EQ(second[1].fingerprint(), first[1].fingerprint());

  // The second call really loads: a planted file under instance 0's key comes back.
  const std::string key0 = [&] {
    for (const auto& f : files)
      if (Model::load(f.string()).fingerprint() == first[0].fingerprint()) return f.string();
    return std::string();
  }();
  ASSERT_FALSE(key0.empty());
  Model planted = Model::create("mnist_small", 99);
  planted.save(key0);
  const auto third = mutagen::train_instances("mnist_small", train, quick(10), 1, cache);
  EXPECT_EQ(third[0].fingerprint(), planted.fingerprint());

  // Other options or data make other keys.
  mutagen::train_instances("mnist_small", train, quick(10).epochs(2), 1, cache);
  mutagen::train_instances("mnist_small", quadrants(5, 2), quick(10), 1, cache);
  size_t count = 0;
  for (const auto& e : fs::directory_iterator(cache)) count += e.path().extension() == ".pt";
  EXPECT_EQ(count, 4u);

  // A corrupt cache file is retrained over.
  std::ofstream(key0, std::ios::trunc) << "junk";
  const auto fourth = mutagen::train_instances("mnist_small", train, quick(10), 1, cache);
  EXPECT_EQ(fourth[0].fingerprint(), first[0].fingerprint());
}

TEST(Training, CacheKeyFollowsTheArchitectureDefinition) {
  const auto train = quadrants(3, 1);
  const std::string cache = temp_dir("cache");
  mutagen::register_architecture("test_cache_arch", [] {
    return torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(784, 4));
  });
  const auto a = mutagen::train_instances("test_cache_arch", train, quick(), 1, cache);
  mutagen::register_architecture("test_cache_arch", [] {
    return torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(784, 5));
  });
  const auto b = mutagen::train_instances("test_cache_arch", train, quick(), 1, cache);
  EXPECT_EQ(b[0].logits(train.images).size(1), 5);
  EXPECT_EQ(std::distance(fs::directory_iterator(cache), fs::directory_iterator()), 2);
}
