// Timed program (no assertions): training the thesis's convolutional VAE (Table 5.1, 10-d latent)
// on Fashion-MNIST train class 0 (6000 images), seconds per epoch, and encoding the class.
// bench/run_vae_bench.sh runs it beside bench/vae_peer.py (the same network, loss, batch size and
// optimiser in PyTorch) with the same thread count and prints the ratio.
//
// usage: bench_vae [--fashion DIR] [--epochs N] [--class C]
#include <spdlog/cfg/env.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "mutagen/clustering/vae.h"
#include "mutagen/dataset.h"
#include "mutagen/error.h"

int main(int argc, char** argv) {
  spdlog::cfg::load_env_levels();
  std::string dir = "/usr/share/datasets/fashion-mnist";
  int64_t epochs = 5, cls = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--fashion")
      dir = argv[i + 1];
    else if (a == "--epochs")
      epochs = std::stoll(argv[i + 1]);
    else if (a == "--class")
      cls = std::stoll(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  try {
    const mutagen::Dataset train = mutagen::load_idx_dataset(
        dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz", "fashion", 10);
    const torch::Tensor images = train.subset(train.indices_of_class(cls)).images;
    std::printf("bench_vae: %ld images of class %ld, %ld epochs, torch threads %d\n",
                static_cast<long>(images.size(0)), static_cast<long>(cls),
                static_cast<long>(epochs), torch::get_num_threads());
    mutagen::VaeReport report;
    const auto t0 = std::chrono::steady_clock::now();
    const mutagen::VaeEncoder vae =
        mutagen::VaeEncoder::fit(images, mutagen::VaeOptions().epochs(epochs).seed(0), &report);
    const double train_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto t1 = std::chrono::steady_clock::now();
    const Eigen::MatrixXd z = vae.encode(images);
    const double encode_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    std::printf("vae_epoch_s=%.3f vae_encode_s=%.3f loss_first=%.2f loss_last=%.2f latent=%ld\n",
                train_s / static_cast<double>(epochs), encode_s, report.epoch_loss.front(),
                report.epoch_loss.back(), static_cast<long>(z.cols()));
  } catch (const mutagen::Error& e) {
    std::fprintf(stderr, "bench_vae: %s\n", e.what());
    return 2;
  }
  return 0;
}
