// IDX files: round trips (plain and gzip), every malformed input rejected with the file named, and
// labelled data sets (subset, class indices, flat rows).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mutagen/dataset.h"
#include "mutagen/error.h"
#include "test_support.h"

using mutagen::testing_support::expect_error;

namespace fs = std::filesystem;
using mutagen::Error;
using mutagen::testing_support::temp_dir;

namespace {

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// An IDX header (unsigned bytes) with `dims`, then `payload` bytes 0, 1, 2, ...
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims, size_t payload) {
  std::vector<uint8_t> b = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
  for (size_t i = 0; i < payload; ++i) b.push_back(static_cast<uint8_t>(i));
  return b;
}

torch::Tensor random_bytes(std::vector<int64_t> shape) {
  torch::manual_seed(4);
  return torch::randint(0, 256, shape, torch::kUInt8);
}

}  // namespace

TEST(Idx, RoundTripPlainAndGzip) {
  const std::string dir = temp_dir("idx");
  const auto t = random_bytes({5, 4, 3});
  for (const std::string name : {"a-idx3-ubyte", "a-idx3-ubyte.gz"}) {
    const std::string path = dir + "/" + name;
    mutagen::write_idx(path, t);
    const auto back = mutagen::read_idx(path);
    EXPECT_EQ(back.scalar_type(), torch::kUInt8);
    EXPECT_TRUE(torch::equal(back, t)) << name;
  }
  // The plain file is exactly the IDX layout; the .gz one is gzip.
  const auto plain = read_bytes(dir + "/a-idx3-ubyte");
  ASSERT_EQ(plain.size(), 4u + 12u + 60u);
  EXPECT_EQ((std::vector<uint8_t>(plain.begin(), plain.begin() + 8)),
            (std::vector<uint8_t>{0, 0, 8, 3, 0, 0, 0, 5}));
  EXPECT_EQ(plain[16], t[0][0][0].item<uint8_t>());
  const auto gz = read_bytes(dir + "/a-idx3-ubyte.gz");
  EXPECT_EQ(gz[0], 0x1f);
  EXPECT_EQ(gz[1], 0x8b);
  // A one-dimensional (labels) file, and no temp files left behind.
  mutagen::write_idx(dir + "/l-idx1-ubyte", torch::arange(7, torch::kUInt8));
  EXPECT_TRUE(
      torch::equal(mutagen::read_idx(dir + "/l-idx1-ubyte"), torch::arange(7, torch::kUInt8)));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 3);
}

TEST(Idx, WriteRejectsWhatIdxCannotHold) {
  const std::string dir = temp_dir("idx");
  expect_error(
      [&] {
        mutagen::write_idx(dir + "/f", torch::zeros({2, 2}));
      },
      {dir + "/f", "uint8"});
  expect_error(
      [&] {
        mutagen::write_idx(dir + "/e", torch::zeros({0, 2}, torch::kUInt8));
      },
      {dir + "/e", "dimension 0 is 0"});
}

TEST(Idx, MalformedFilesNameTheFileAndTheProblem) {
  const std::string dir = temp_dir("bad");
  struct Case {
    std::string name;
    std::vector<uint8_t> bytes;
    std::string problem;
  };
  auto good = idx_bytes({2, 3}, 6);
  auto wrong_type = good;
  wrong_type[2] = 0x09;
  auto wrong_zero = good;
  wrong_zero[0] = 0x01;
  const std::vector<Case> cases = {
      {"wrong_type", wrong_type, "wrong magic 0x00 0x00 0x09 0x02, expected 0x00 0x00 0x08"},
      {"wrong_zero", wrong_zero, "wrong magic 0x01"},
      {"tiny", {0, 0}, "truncated header"},
      {"no_dims", {0, 0, 8, 0}, "0 dimensions"},
      {"zero_dim", idx_bytes({4, 0}, 0), "dimension 1 is 0"},
      {"short_header", {0, 0, 8, 3, 0, 0, 0, 1, 0}, "truncated header"},
      {"truncated", idx_bytes({2, 3}, 5),
       "truncated payload: the dimensions need 6 bytes, the file has 5"},
      {"oversized", idx_bytes({2, 3}, 8), "oversized payload"},
      // 2^20 * 2^20 * 2^24 wraps a 64-bit count to 0 (found by review while fuzzing)
      {"count_overflow",
       {0, 0, 8, 3, 0, 16, 0, 0, 0, 16, 0, 0, 1, 0, 0, 0},
       "more than 2^40 elements"},
  };
  for (const auto& c : cases) {
    const std::string path = dir + "/" + c.name;
    write_bytes(path, c.bytes);
    expect_error([&] { mutagen::read_idx(path); }, {"'" + path + "'", c.problem});
  }
  write_bytes(dir + "/good", good);
  EXPECT_EQ(mutagen::read_idx(dir + "/good").sizes(), (std::vector<int64_t>{2, 3}));
}

TEST(Idx, UnreadableAndCorruptGzip) {
  const std::string dir = temp_dir("gz");
  expect_error([&] { mutagen::read_idx(dir + "/absent"); }, {dir + "/absent", "missing"});
  expect_error([&] { mutagen::read_idx(dir); }, {dir, "is a folder"});

  const std::string gz = dir + "/x-idx3-ubyte.gz";
  mutagen::write_idx(gz, random_bytes({20, 28, 28}));
  const auto bytes = read_bytes(gz);

  const std::string cut = dir + "/cut.gz";
  write_bytes(cut, std::vector<uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  expect_error([&] { mutagen::read_idx(cut); }, {cut, "corrupt gzip"});

  auto flipped = bytes;
  for (size_t i = 20; i < 60; ++i) flipped[i] ^= 0x5a;
  const std::string bad = dir + "/flipped.gz";
  write_bytes(bad, flipped);
  expect_error([&] { mutagen::read_idx(bad); }, {bad, "corrupt gzip"});

  const std::string fake = dir + "/plain.gz";
  write_bytes(fake, idx_bytes({2}, 2));
  expect_error([&] { mutagen::read_idx(fake); }, {fake, "not a gzip file"});
}

TEST(IdxDataset, LoadsAndValidatesPairs) {
  const std::string dir = temp_dir("pair");
  auto images = random_bytes({6, 4, 5});
  auto labels = torch::tensor({0, 1, 2, 1, 0, 2}, torch::kUInt8);
  mutagen::write_idx(dir + "/train-images-idx3-ubyte.gz", images);
  mutagen::write_idx(dir + "/train-labels-idx1-ubyte", labels);
  const auto d = mutagen::load_idx_split(dir, "train", "tiny");
  EXPECT_EQ(d.name, "tiny");
  EXPECT_EQ(d.size(), 6);
  EXPECT_EQ(d.images.sizes(), (std::vector<int64_t>{6, 1, 4, 5}));
  EXPECT_EQ(d.images.scalar_type(), torch::kFloat32);
  EXPECT_EQ(d.labels.scalar_type(), torch::kInt64);
  EXPECT_TRUE(torch::allclose(d.images.squeeze(1), images.to(torch::kFloat32) / 255.0));
  EXPECT_TRUE(torch::equal(d.labels, labels.to(torch::kInt64)));

  expect_error([&] { mutagen::load_idx_split(dir, "t10k", "tiny"); },
               {"t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz", dir});
  const std::string img = dir + "/train-images-idx3-ubyte.gz";
  const std::string lab = dir + "/train-labels-idx1-ubyte";
  expect_error([&] { mutagen::load_idx_dataset(img, lab, "x", 2); },
               {lab, "label 2 at position 2 is outside [0, 2)"});
  const std::string short_labels = dir + "/short-labels-idx1-ubyte";
  mutagen::write_idx(short_labels, labels.slice(0, 0, 5));
  expect_error([&] { mutagen::load_idx_dataset(img, short_labels, "x"); },
               {"image/label count mismatch", img, "6 images", short_labels, "5 labels"});
  expect_error([&] { mutagen::load_idx_dataset(lab, lab, "x"); },
               {lab, "expected images N x H x W"});
  expect_error([&] { mutagen::load_idx_dataset(img, img, "x"); }, {img, "expected labels N"});
}

TEST(IdxDataset, SubsetClassesAndFlatRows) {
  mutagen::Dataset d;
  d.name = "d";
  d.images = torch::arange(5 * 2 * 3, torch::kFloat32).reshape({5, 1, 2, 3});
  d.labels = torch::tensor({3, 1, 3, 0, 3}, torch::kInt64);
  EXPECT_EQ(d.indices_of_class(3), (std::vector<int64_t>{0, 2, 4}));
  EXPECT_EQ(d.indices_of_class(1), (std::vector<int64_t>{1}));
  EXPECT_TRUE(d.indices_of_class(7).empty());

  const auto s = d.subset({4, 1}, "picked");
  EXPECT_EQ(s.name, "picked");
  EXPECT_EQ(s.size(), 2);
  EXPECT_TRUE(torch::equal(s.images[0], d.images[4]));
  EXPECT_TRUE(torch::equal(s.labels, torch::tensor({3, 1}, torch::kInt64)));
  EXPECT_EQ(d.subset({0}).name, "d");
  EXPECT_EQ(d.subset({}).size(), 0);
  expect_error([&] { d.subset({1, 5}); }, {"index 5", "[0, 5)"});

  const auto flat = d.flat_images();
  EXPECT_EQ(flat.sizes(), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(flat[2][4].item<float>(), 16.0f);
  EXPECT_EQ(mutagen::Dataset().size(), 0);
}

TEST(IdxDataset, FashionMnistIfInstalled) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(dir + "/t10k-labels-idx1-ubyte.gz")) GTEST_SKIP() << dir << " not installed";
  const auto test = mutagen::load_idx_split(dir, "t10k", "fashion-test");
  EXPECT_EQ(test.images.sizes(), (std::vector<int64_t>{10000, 1, 28, 28}));
  EXPECT_EQ(
      (std::vector<int64_t>(test.labels.data_ptr<int64_t>(), test.labels.data_ptr<int64_t>() + 6)),
      (std::vector<int64_t>{9, 2, 1, 1, 6, 1}));
  // Known byte sum of the first image (checked with Python's gzip module).
  EXPECT_NEAR(test.images[0].sum().item<double>() * 255.0, 33456.0, 1e-2);
  EXPECT_EQ(test.indices_of_class(0).size(), 1000u);
}
