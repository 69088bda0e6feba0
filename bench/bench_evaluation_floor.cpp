// The floor of a mutation run's evaluation (issue 17): a plain libtorch forward pass over the data
// the demo evaluates each model on, with the demo's architecture (mnist_small), no mutagen code on
// the path. bench/run_evaluation_bench.sh divides the run's measured evaluation time by
// (models evaluated x this floor).
//
//   bench_evaluation_floor DIGITS_DIR [WEAK_FRACTION=0.1]
// Prints one JSON object: the sizes of the train, strong and weak sets and the seconds of one
// forward pass over all three, the best of batch sizes 256 and whole-set, median of 5.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mutagen/dataset.h"
#include "mutagen/mutation_test.h"
#include "mutagen/runtime.h"

namespace {

// conv(1->16,3)-ReLU-conv(16->32,3)-ReLU-maxpool2-flatten-fc(4608->64)-ReLU-fc(64->10), as
// mutagen's "mnist_small", written out in plain libtorch.
torch::nn::Sequential mnist_small() {
  using namespace torch::nn;
  return Sequential(Conv2d(Conv2dOptions(1, 16, 3)), ReLU(), Conv2d(Conv2dOptions(16, 32, 3)), ReLU(),
                    MaxPool2d(MaxPool2dOptions(2)), Flatten(), Linear(4608, 64), ReLU(),
                    Linear(64, 10));
}

double seconds_of_pass(torch::nn::Sequential& net, const std::vector<torch::Tensor>& sets,
                       int64_t batch) {
  const auto start = std::chrono::steady_clock::now();
  for (const auto& x : sets) {
    const int64_t n = x.size(0);
    const int64_t b = batch > 0 ? batch : n;
    for (int64_t i = 0; i < n; i += b) {
      const torch::Tensor y = net->forward(x.slice(0, i, std::min(n, i + b)));
      (void)y.argmax(1);
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_evaluation_floor DIGITS_DIR [WEAK_FRACTION=0.1]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const double fraction = argc > 2 ? std::atof(argv[2]) : 0.1;
  const mutagen::Dataset train = mutagen::load_idx_split(dir, "train", "digits-train");
  const mutagen::Dataset test = mutagen::load_idx_split(dir, "t10k", "digits-test");
  torch::manual_seed(0);
  auto net = mnist_small();
  net->eval();
  // The weak set's size as the demo makes it (the easiest tenth per class); which inputs does not
  // change the arithmetic.
  const mutagen::Dataset weak = mutagen::easiest_inputs(
      test, {mutagen::Model::from_sequential(net, "mnist_small")}, fraction);
  const std::vector<torch::Tensor> sets{train.images, test.images, weak.images};
  torch::NoGradGuard no_grad;
  seconds_of_pass(net, sets, 256);  // warm-up
  double best = 1e30;
  int64_t best_batch = 0;
  for (int64_t batch : {int64_t{256}, int64_t{0}}) {
    std::vector<double> t;
    for (int rep = 0; rep < 5; ++rep) t.push_back(seconds_of_pass(net, sets, batch));
    const double m = median_of(t);
    if (m < best) {
      best = m;
      best_batch = batch;
    }
  }
  std::printf(
      "{\"train\": %lld, \"strong\": %lld, \"weak\": %lld, \"floor_seconds_per_model\": %.6f, "
      "\"batch\": %lld, \"torch_threads\": %d}\n",
      static_cast<long long>(train.size()), static_cast<long long>(test.size()),
      static_cast<long long>(weak.size()), best, static_cast<long long>(best_batch),
      mutagen::runtime_tuning().torch_threads);
  return 0;
}
