#include "selection.h"

#include <algorithm>
#include <cmath>

#include "mutagen/random.h"

namespace mutagen::internal {

namespace {
std::vector<int64_t> correct_only(const std::vector<int64_t>& positions,
                                  const torch::Tensor& correct) {
  const auto acc = correct.accessor<bool, 1>();
  std::vector<int64_t> out;
  for (int64_t p : positions)
    if (acc[p]) out.push_back(p);
  return out;
}

// Splits `v` (shuffled with rng) into (held out, kept).
void split_heldout(std::vector<int64_t> v, double fraction, Rng& rng, std::vector<int64_t>& heldout,
                   std::vector<int64_t>& kept) {
  shuffle(v, rng);
  const size_t h = static_cast<size_t>(std::floor(fraction * static_cast<double>(v.size())));
  heldout.assign(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h));
  kept.assign(v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
}
}  // namespace

InputSelection select_inputs(const torch::Tensor& correct, const torch::Tensor& labels,
                             const ClassClusters& clusters, int64_t cluster,
                             double heldout_fraction, double other_ratio, uint64_t seed) {
  const torch::Tensor correct_cpu = correct.to(torch::kCPU).to(torch::kBool).contiguous();
  InputSelection s;
  Rng rng(seed);
  split_heldout(correct_only(clusters.members(cluster), correct_cpu), heldout_fraction, rng,
                s.heldout_neg, s.neg);
  // I_pos is the whole rest of the class: the other clusters AND the noise (HDBSCAN can leave half
  // a class unclustered; left out, nothing would protect those inputs and the held-out figures
  // would not show what the mutant breaks there).
  std::vector<int64_t> rest;
  for (size_t k = 0; k < clusters.samples.size(); ++k)
    if (clusters.labels[k] != cluster) rest.push_back(clusters.samples[k]);
  split_heldout(correct_only(rest, correct_cpu), heldout_fraction, rng, s.heldout_pos, s.pos);
  // Pool of other-class inputs the instance gets right.
  const torch::Tensor labels_cpu = labels.to(torch::kCPU).contiguous();
  const auto lab = labels_cpu.accessor<int64_t, 1>();
  const auto ok = correct_cpu.accessor<bool, 1>();
  std::vector<int64_t> pool;
  for (int64_t i = 0; i < labels_cpu.size(0); ++i)
    if (lab[i] != clusters.cls && ok[i]) pool.push_back(i);
  shuffle(pool, rng);
  const size_t want = static_cast<size_t>(
      std::ceil(other_ratio * static_cast<double>(s.neg.size() + s.pos.size())));
  pool.resize(std::min(pool.size(), want));
  std::sort(pool.begin(), pool.end());
  s.other = std::move(pool);
  return s;
}

MutationInputs make_inputs(const Dataset& training, const InputSelection& selection, int64_t cls,
                           int64_t cluster, uint64_t seed) {
  MutationInputs in;
  in.target_class = cls;
  in.cluster = cluster;
  in.neg = training.subset(selection.neg, "I_neg");
  in.pos = training.subset(selection.pos, "I_pos");
  in.other = training.subset(selection.other, "other classes");
  in.seed = seed;
  return in;
}

}  // namespace mutagen::internal
