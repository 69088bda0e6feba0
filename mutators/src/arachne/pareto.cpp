// Pareto fronts of two objectives, both maximised, in O(n log n) per call: points sorted by the
// first objective (then the second) descending join the first front whose best second objective
// they beat. Within one front the second objective strictly increases along the sort, so each front
// is summed up by its last point, and those values decrease from front to front (binary search).
#include <algorithm>
#include <numeric>

#include "mutagen/error.h"
#include "mutagen/mutators/arachne.h"

namespace mutagen {

torch::Tensor pareto_ranks(const torch::Tensor& a_in, const torch::Tensor& b_in,
                           int64_t min_count) {
  if (!a_in.defined() || !b_in.defined() || a_in.numel() != b_in.numel())
    throw Error("pareto_ranks: the two objectives must have the same number of elements");
  const torch::Tensor a_t = a_in.detach().to(torch::kFloat64).contiguous().view(-1);
  const torch::Tensor b_t = b_in.detach().to(torch::kFloat64).contiguous().view(-1);
  const double* a = a_t.data_ptr<double>();
  const double* b = b_t.data_ptr<double>();
  const int64_t n = a_t.numel();
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
    if (a[x] != a[y]) return a[x] > a[y];
    if (b[x] != b[y]) return b[x] > b[y];
    return x < y;
  });
  std::vector<double> last_b;  // second objective of each front's last point
  std::vector<int64_t> rank(static_cast<size_t>(n), 0);
  for (size_t k = 0; k < order.size(); ++k) {
    const int64_t p = order[k];
    if (k > 0 && a[order[k - 1]] == a[p] && b[order[k - 1]] == b[p]) {
      rank[static_cast<size_t>(p)] = rank[static_cast<size_t>(order[k - 1])];
      continue;  // an identical point: neither dominates the other
    }
    // First front whose last point has a smaller second objective (last_b is non-increasing).
    const auto it =
        std::partition_point(last_b.begin(), last_b.end(), [&](double v) { return v >= b[p]; });
    const size_t front = static_cast<size_t>(it - last_b.begin());
    if (front == last_b.size())
      last_b.push_back(b[p]);
    else
      last_b[front] = b[p];
    rank[static_cast<size_t>(p)] = static_cast<int64_t>(front) + 1;
  }
  // Keep whole fronts until at least min_count points (only the first when min_count <= 0).
  std::vector<int64_t> per_front(last_b.size() + 1, 0);
  for (const int64_t r : rank) ++per_front[static_cast<size_t>(r)];
  int64_t keep = 1;
  for (int64_t total = per_front.size() > 1 ? per_front[1] : 0;
       total < min_count && keep + 1 < static_cast<int64_t>(per_front.size());) {
    ++keep;
    total += per_front[static_cast<size_t>(keep)];
  }
  for (int64_t& r : rank)
    if (r > keep) r = 0;
  return torch::tensor(rank, torch::kLong);
}

}  // namespace mutagen
