// The false-kill rate, measured: a "mutant" that is only an independently trained healthy instance
// must be killed at most alpha of the time. Trains 2K instances of the demo's CNN on the MNIST digits
// (seeds 0..2K-1, cached), then compares healthy against healthy: R seeded random splits of the
// instances into "originals" and "mutants" of K each, on many metrics (overall accuracy and the
// accuracy of every class on the test split). Prints, for each kill criterion, the observed rate of
// kills with a Wilson 95% interval. Comparisons that share instances are not independent, so the
// interval is narrower than the truth; the point estimate is unbiased.
//
//   bench_false_kills DIGITS_DIR [K=10] [SPLITS=50] [CACHE=false-kill-instances]
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "mutagen/dataset.h"
#include "mutagen/random.h"
#include "mutagen/stats.h"
#include "mutagen/training.h"

namespace {

struct Rate {
  int64_t kills = 0, comparisons = 0;
  void add(bool killed) {
    kills += killed ? 1 : 0;
    ++comparisons;
  }
  // Wilson score interval, 95%.
  std::pair<double, double> interval() const {
    const double n = static_cast<double>(comparisons), p = n > 0 ? kills / n : 0, z = 1.959964;
    const double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
    const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
  }
  void print(const char* name) const {
    const auto [lo, hi] = interval();
    std::printf("%-44s %6lld / %6lld = %6.2f%%  (95%% CI %.2f%% .. %.2f%%)\n", name,
                static_cast<long long>(kills), static_cast<long long>(comparisons),
                100.0 * static_cast<double>(kills) / static_cast<double>(comparisons), 100 * lo, 100 * hi);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIGITS_DIR [K=10] [SPLITS=50] [CACHE_DIR]\n", argv[0]);
    return 2;
  }
  const std::string digits = argv[1];
  const int64_t k = argc > 2 ? std::stoll(argv[2]) : 10;
  const int splits = argc > 3 ? std::stoi(argv[3]) : 50;
  const std::string cache = argc > 4 ? argv[4] : "false-kill-instances";
  try {
    const mutagen::Dataset train = mutagen::load_idx_split(digits, "train", "digits-train");
    const mutagen::Dataset test = mutagen::load_idx_split(digits, "t10k", "digits-test");
    spdlog::info("training {} instances of mnist_small (4 epochs, cached in {})", 2 * k, cache);
    const auto models = mutagen::train_instances(
        "mnist_small", train, mutagen::TrainOptions().epochs(4).learning_rate(1e-3).seed(0), 2 * k, cache);
    // Per instance: correct/incorrect per test input, overall and per-class accuracy.
    const int64_t classes = test.num_classes;
    std::vector<std::vector<uint8_t>> correct;
    std::vector<std::vector<double>> metrics;  // [instance][metric]
    for (const auto& m : models) {
      const torch::Tensor ok = m.predict(test.images).eq(test.labels).contiguous();
      std::vector<uint8_t> c(static_cast<size_t>(ok.numel()));
      for (int64_t j = 0; j < ok.numel(); ++j) c[static_cast<size_t>(j)] = ok[j].item<bool>();
      correct.push_back(c);
      std::vector<double> v{ok.to(torch::kDouble).mean().item<double>()};
      for (int64_t cls = 0; cls < classes; ++cls) {
        const torch::Tensor mask = test.labels.eq(cls);
        v.push_back(ok.masked_select(mask).to(torch::kDouble).mean().item<double>());
      }
      metrics.push_back(v);
    }
    const size_t n_metrics = metrics.front().size();
    for (int64_t per_group : {int64_t{5}, k}) {
      Rate wilcoxon_d, wilcoxon_only, per_input, per_input_small;
      for (int split = 0; split < splits; ++split) {
        std::vector<int64_t> order = mutagen::permutation(2 * k, static_cast<uint64_t>(split));
        std::vector<int64_t> a(order.begin(), order.begin() + per_group),
            b(order.begin() + k, order.begin() + k + per_group);
        for (size_t metric = 0; metric < n_metrics; ++metric) {
          std::vector<double> x, y;
          for (int64_t i : a) x.push_back(metrics[static_cast<size_t>(i)][metric]);
          for (int64_t i : b) y.push_back(metrics[static_cast<size_t>(i)][metric]);
          const mutagen::KillDecision d = mutagen::decide_kill(x, y);
          wilcoxon_d.add(d.killed);
          wilcoxon_only.add(d.p_value < 0.05);
        }
        // Per-input: one verdict per (split, test set); the set here is the whole test split and,
        // to show how the rate grows with the set, its first 100 inputs.
        std::vector<int64_t> ca(correct.front().size(), 0), cb(correct.front().size(), 0);
        for (int64_t i : a)
          for (size_t j = 0; j < ca.size(); ++j) ca[j] += correct[static_cast<size_t>(i)][j];
        for (int64_t i : b)
          for (size_t j = 0; j < cb.size(); ++j) cb[j] += correct[static_cast<size_t>(i)][j];
        per_input.add(mutagen::per_input_kill(ca, cb, per_group, per_group, 0.05).killed);
        const std::vector<int64_t> ca100(ca.begin(), ca.begin() + 100), cb100(cb.begin(), cb.begin() + 100);
        per_input_small.add(mutagen::per_input_kill(ca100, cb100, per_group, per_group, 0.05).killed);
      }
      std::printf("\nhealthy vs healthy, %lld vs %lld instances, %d splits, %zu metrics, alpha 0.05\n",
                  static_cast<long long>(per_group), static_cast<long long>(per_group), splits, n_metrics);
      wilcoxon_d.print("Wilcoxon (one-sided) + Cohen's d >= 0.5");
      wilcoxon_only.print("Wilcoxon (one-sided) alone");
      per_input.print("per-input Fisher, test set of 2,004 inputs");
      per_input_small.print("per-input Fisher, first 100 test inputs");
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_false_kills: error: %s\n", e.what());
    return 2;
  }
}
