#include "class_data.h"

#include <torch/torch.h>

#include <algorithm>
#include <set>

#include "mutagen/error.h"

namespace mutagen::clustering_detail {

int64_t check_dataset(const Dataset& data, const std::string& what) {
  const std::string name = "data set '" + data.name + "'";
  if (!data.images.defined() || !data.labels.defined())
    throw Error(what + ": " + name + " has no images or no labels");
  if (data.images.dim() < 2)
    throw Error(what + ": " + name + " images must be [N, ...] with at least 2 dimensions");
  if (data.labels.dim() != 1 || data.labels.size(0) != data.images.size(0))
    throw Error(what + ": " + name + " has " + std::to_string(data.images.size(0)) +
                " images but labels of shape " + std::to_string(data.labels.numel()) +
                "; expected one label per image");
  if (data.images.size(0) == 0) throw Error(what + ": " + name + " is empty");
  return data.images.size(0);
}

void check_classes(const Dataset& data, const std::vector<int64_t>& classes,
                   const std::string& what) {
  if (classes.empty()) throw Error(what + ": no classes given; expected at least one class");
  std::set<int64_t> seen;
  const torch::Tensor labels = data.labels.to(torch::kInt64).contiguous();
  for (int64_t c : classes) {
    if (!seen.insert(c).second)
      throw Error(what + ": class " + std::to_string(c) + " is listed twice");
    if ((labels == c).sum().item<int64_t>() == 0)
      throw Error(what + ": class " + std::to_string(c) + " has no samples in data set '" +
                  data.name + "'");
  }
}

std::vector<int64_t> class_positions(const Dataset& data, int64_t cls) {
  const torch::Tensor labels = data.labels.to(torch::kInt64).contiguous();
  const int64_t* p = labels.data_ptr<int64_t>();
  std::vector<int64_t> out;
  for (int64_t i = 0; i < labels.size(0); ++i)
    if (p[i] == cls) out.push_back(i);
  return out;
}

namespace {
torch::Tensor flat_rows(const Dataset& data, const torch::Tensor& index) {
  torch::Tensor rows = data.images.index_select(0, index);
  return rows.reshape({rows.size(0), -1}).to(torch::kFloat64).mul(255.0).round_();
}
}  // namespace

Eigen::MatrixXd image_bytes(const Dataset& data, const std::vector<int64_t>& positions) {
  torch::NoGradGuard no_grad;
  const int64_t n = static_cast<int64_t>(positions.size());
  torch::Tensor index = torch::tensor(positions, torch::kInt64);
  torch::Tensor rows = flat_rows(data, index).contiguous();  // n x d row-major
  const int64_t d = rows.size(1);
  Eigen::MatrixXd X(n, d);
  X = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      rows.data_ptr<double>(), n, d);
  return X;
}

Eigen::RowVectorXd feature_means(const Dataset& data) {
  torch::NoGradGuard no_grad;
  const int64_t n = data.images.size(0);
  torch::Tensor sum;
  for (int64_t r0 = 0; r0 < n; r0 += 4096) {
    const int64_t r1 = std::min(n, r0 + 4096);
    torch::Tensor part = flat_rows(data, torch::arange(r0, r1, torch::kInt64)).sum(0);
    sum = sum.defined() ? sum + part : part;
  }
  sum = (sum / static_cast<double>(n)).contiguous();
  return Eigen::Map<const Eigen::RowVectorXd>(sum.data_ptr<double>(), sum.size(0));
}

}  // namespace mutagen::clustering_detail
