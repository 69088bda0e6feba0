// The thesis CNN (Table 5.2) in mutagen, timed like ../shared/peers/bench_cnn.py times it in
// PyTorch, so that bench/run_cnn_bench.sh can put both side by side in one run (issue 17):
//   epoch      one epoch over the first N Fashion-MNIST training images, batch 128, Adam lr 1e-3
//              (after the same warm-up as the peer: one epoch over 384 images of a throw-away
//              model);
//   inference  logits of the 10,000 test images, batch 128 and 1000 (median of 3), and accuracy;
//   tmr        one TMR mutant of the trained model with the peer's workload: sequential schedule,
//              5 epochs over 500 relabelled images, then 1 epoch over 1000 images, batch 128, Adam
//              (median of 3; ours also computes L_mis, the second most probable label, first).
// Prints one JSON object (and a readable summary on stderr). No assertions: timings only.
//
//   bench_cnn_vs_pytorch [FASHION_DIR=/usr/share/datasets/fashion-mnist] [TRAIN_IMAGES=60000]
//                        [TORCH_THREADS=library default]
// The peer calls torch.set_num_threads(2); TORCH_THREADS does the same here, to compare at equal
// threads as well as with the library's defaults.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mutagen/dataset.h"
#include "mutagen/model.h"
#include "mutagen/mutators/tmr.h"
#include "mutagen/random.h"
#include "mutagen/runtime.h"
#include "mutagen/training.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Median of `runs` timings of f(), and every timing.
template <typename F>
std::pair<double, std::vector<double>> median_of(int runs, F&& f) {
  std::vector<double> ts;
  for (int i = 0; i < runs; ++i) {
    const auto t = Clock::now();
    f();
    ts.push_back(seconds(t));
  }
  std::vector<double> sorted = ts;
  std::sort(sorted.begin(), sorted.end());
  return {sorted[sorted.size() / 2], ts};
}

mutagen::Dataset rows(const mutagen::Dataset& d, const std::vector<int64_t>& idx) {
  return d.subset(idx);
}

std::vector<int64_t> seeded_rows(int64_t n, int64_t k, uint64_t seed) {
  std::vector<int64_t> p = mutagen::permutation(n, seed);
  p.resize(static_cast<size_t>(k));
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  const mutagen::Dataset train_all = mutagen::load_idx_split(dir, "train", "fashion-train");
  const mutagen::Dataset test = mutagen::load_idx_split(dir, "t10k", "fashion-test");
  const int64_t n = std::min<int64_t>(argc > 2 ? std::atoll(argv[2]) : 60000, train_all.size());
  if (argc > 3 && std::atoi(argv[3]) > 0) torch::set_num_threads(std::atoi(argv[3]));
  std::vector<int64_t> first(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) first[static_cast<size_t>(i)] = i;
  const mutagen::Dataset train = n == train_all.size() ? train_all : rows(train_all, first);
  auto options =
      mutagen::TrainOptions().epochs(1).batch_size(128).learning_rate(1e-3).optimizer("adam");

  // Warm-up as the peer's: oneDNN primitives, allocator pools, thread pool.
  {
    std::vector<int64_t> w(384);
    for (int64_t i = 0; i < 384; ++i) w[static_cast<size_t>(i)] = i;
    const mutagen::Dataset d = rows(train_all, w);
    mutagen::Model throwaway = mutagen::Model::create("thesis_cnn", 1);
    mutagen::fit(throwaway, d.images, d.labels, options);
  }

  mutagen::Model model = mutagen::Model::create("thesis_cnn", 0);
  auto t = Clock::now();
  mutagen::fit(model, train.images, train.labels, options.seed(0));
  const double epoch_s = seconds(t);

  nlohmann::json infer;
  for (const int64_t bs : {128, 1000}) {
    torch::Tensor logits;
    const auto [med, runs] = median_of(3, [&] { logits = model.logits(test.images, bs); });
    const double acc = logits.argmax(1).eq(test.labels).to(torch::kFloat64).mean().item<double>();
    infer["bs" + std::to_string(bs)] = {{"median_s", med}, {"runs_s", runs}, {"test_acc", acc}};
  }

  // The peer's TMR workload through our TmrMutator: 500 images (I_neg) relabelled with L_mis for 5
  // epochs, then 1000 images (I_pos) for one epoch.
  mutagen::MutationInputs in;
  in.neg = rows(train_all, seeded_rows(train_all.size(), 500, 1));
  in.pos = rows(train_all, seeded_rows(train_all.size(), 1000, 2));
  in.seed = 3;
  const mutagen::TmrMutator tmr(mutagen::TmrOptions()
                                    .schedule(mutagen::TmrSchedule::kSequential)
                                    .epochs(5)
                                    .pos_epochs(1)
                                    .batch_size(128)
                                    .learning_rate(1e-3)
                                    .optimizer("adam"));
  const auto [tmr_med, tmr_runs] = median_of(3, [&] { tmr.mutate(model, in); });

  const auto& rt = mutagen::runtime_tuning();
  const nlohmann::json out = {{"train_images", n},
                              {"epoch_s", epoch_s},
                              {"img_per_s", static_cast<double>(n) / epoch_s},
                              {"infer", infer},
                              {"tmr", {{"median_s", tmr_med}, {"runs_s", tmr_runs}}},
                              {"threads",
                               {{"torch", torch::get_num_threads()},
                                {"blas", rt.blas_threads},
                                {"cores", rt.cores},
                                {"runtime_tuning", rt.applied},
                                {"allocator_tuned", rt.allocator_tuned}}}};
  std::fprintf(stderr,
               "mutagen: epoch over %lld images %.2f s; inference 10k bs128 %.2f s, bs1000 %.2f s "
               "(acc %.4f); TMR mutant %.2f s; torch threads %d, BLAS threads %d\n",
               static_cast<long long>(n), epoch_s, infer["bs128"]["median_s"].get<double>(),
               infer["bs1000"]["median_s"].get<double>(), infer["bs128"]["test_acc"].get<double>(),
               tmr_med, torch::get_num_threads(), rt.blas_threads);
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
