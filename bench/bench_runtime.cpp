// The load-time runtime tuning (mutagen/runtime.h), measured: the thesis CNN's logits for the 10,000
// Fashion-MNIST test images, and one training epoch over the first 20,000 training images (batch 128,
// Adam), each in a fresh process with the tuning on (default) and off (MUTAGEN_NO_RUNTIME_TUNING=1),
// alternating, twice. Issue 17: 25 s -> 3.5 s for the logits, 63 s -> 17 s for the epoch.
//
//   bench_runtime [FASHION_DIR=/usr/share/datasets/fashion-mnist] [TRAIN_IMAGES=20000]
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "mutagen/dataset.h"
#include "mutagen/model.h"
#include "mutagen/runtime.h"
#include "mutagen/training.h"

namespace {

double seconds(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int child(const std::string& dir, int64_t train_images) {
  const mutagen::Dataset test = mutagen::load_idx_split(dir, "t10k", "fashion-test");
  const mutagen::Dataset train = mutagen::load_idx_split(dir, "train", "fashion-train");
  mutagen::Model model = mutagen::Model::create("thesis_cnn", 0);
  auto t = std::chrono::steady_clock::now();
  const torch::Tensor logits = model.logits(test.images);
  const double logits_s = seconds(t);
  const auto idx = torch::arange(std::min(train_images, train.size()));
  t = std::chrono::steady_clock::now();
  mutagen::fit(model, train.images.index_select(0, idx), train.labels.index_select(0, idx),
               mutagen::TrainOptions().epochs(1).batch_size(128).optimizer("adam").seed(0));
  const double epoch_s = seconds(t);
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf("%-8s logits %7.2f s   epoch %7.2f s   page faults %9ld   system %6.2f s\n",
              mutagen::runtime_tuning().applied ? "tuned" : "untuned", logits_s, epoch_s,
              u.ru_minflt, u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6);
  return logits.size(0) == test.size() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  const int64_t n = argc > 2 ? std::atoll(argv[2]) : 20000;
  if (std::getenv("MUTAGEN_BENCH_RUNTIME_CHILD")) return child(dir, n);
  std::printf("thesis CNN, %d cores: logits of 10,000 test images; one epoch over %lld images\n",
              mutagen::usable_cores(), static_cast<long long>(n));
  int rc = 0;
  for (int round = 0; round < 2; ++round)
    for (const char* env : {"", "MUTAGEN_NO_RUNTIME_TUNING=1 "}) {
      const std::string cmd = std::string("env ") + env + "MUTAGEN_BENCH_RUNTIME_CHILD=1 /proc/" +
                              std::to_string(getpid()) + "/exe " + dir + " " + std::to_string(n);
      rc |= std::system(cmd.c_str());
    }
  return rc == 0 ? 0 : 1;
}
