// Dataset: subsets, class indices, flat rows; loading labelled IDX pairs.
#include "mutagen/dataset.h"

#include <filesystem>

#include "mutagen/error.h"

namespace fs = std::filesystem;

namespace mutagen {

Dataset Dataset::subset(const std::vector<int64_t>& indices, const std::string& subset_name) const {
  const int64_t n = size();
  for (size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] < 0 || indices[i] >= n)
      throw Error("Dataset::subset of '" + name + "': index " + std::to_string(indices[i]) +
                  " (position " + std::to_string(i) + ") is outside [0, " + std::to_string(n) +
                  ")");
  }
  Dataset out;
  out.name = subset_name.empty() ? name : subset_name;
  out.num_classes = num_classes;
  const torch::Tensor idx = torch::tensor(indices, torch::kInt64);
  if (images.defined()) out.images = images.index_select(0, idx);
  if (labels.defined()) out.labels = labels.index_select(0, idx);
  return out;
}

std::vector<int64_t> Dataset::indices_of_class(int64_t cls) const {
  std::vector<int64_t> out;
  if (!labels.defined()) return out;
  const torch::Tensor l = labels.to(torch::kCPU, torch::kInt64).contiguous();
  const int64_t* p = l.data_ptr<int64_t>();
  for (int64_t i = 0; i < l.numel(); ++i)
    if (p[i] == cls) out.push_back(i);
  return out;
}

torch::Tensor Dataset::flat_images() const {
  if (!images.defined()) throw Error("Dataset::flat_images of '" + name + "': no images");
  return images.reshape({images.size(0), -1}).to(torch::kFloat32).contiguous();
}

Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path,
                         const std::string& name, int64_t num_classes) {
  if (num_classes <= 0 || num_classes > 256)
    throw Error("load_idx_dataset('" + name + "'): num_classes must be in [1, 256], got " +
                std::to_string(num_classes));
  const torch::Tensor images = read_idx(images_path);
  const torch::Tensor labels = read_idx(labels_path);
  if (images.dim() != 3)
    throw Error("IDX file '" + images_path + "': expected images N x H x W (idx3), got " +
                std::to_string(images.dim()) + " dimensions");
  if (labels.dim() != 1)
    throw Error("IDX file '" + labels_path + "': expected labels N (idx1), got " +
                std::to_string(labels.dim()) + " dimensions");
  if (images.size(0) != labels.size(0))
    throw Error("image/label count mismatch: '" + images_path + "' has " +
                std::to_string(images.size(0)) + " images, '" + labels_path + "' has " +
                std::to_string(labels.size(0)) + " labels");
  const uint8_t* l = labels.data_ptr<uint8_t>();
  for (int64_t i = 0; i < labels.size(0); ++i) {
    if (l[i] >= num_classes)
      throw Error("IDX file '" + labels_path + "': label " + std::to_string(l[i]) +
                  " at position " + std::to_string(i) + " is outside [0, " +
                  std::to_string(num_classes) + ")");
  }
  Dataset d;
  d.name = name;
  d.num_classes = num_classes;
  d.images = images.to(torch::kFloat32).div_(255.0).unsqueeze(1).contiguous();
  d.labels = labels.to(torch::kInt64);
  return d;
}

Dataset load_idx_split(const std::string& dir, const std::string& prefix, const std::string& name) {
  auto find = [&](const std::string& stem) {
    const fs::path plain = fs::path(dir) / (prefix + stem);
    std::error_code ec;
    if (fs::exists(plain, ec)) return plain.string();
    const fs::path gz = fs::path(dir) / (prefix + stem + ".gz");
    if (fs::exists(gz, ec)) return gz.string();
    throw Error("data set '" + name + "': no '" + prefix + stem + "' or '" + prefix + stem +
                ".gz' in '" + dir + "'");
  };
  const std::string images = find("-images-idx3-ubyte");
  const std::string labels = find("-labels-idx1-ubyte");
  return load_idx_dataset(images, labels, name);
}

}  // namespace mutagen
