// One arachne-de mutant of the thesis CNN (SPEC Table 5.2) per kernel layer on Fashion-MNIST,
// timed: seconds per mutant, fitness evaluations per second, and the ratio to scoring each
// candidate with a plain full forward pass of a model holding it (measured on a few candidates in
// the same run).
//
//   bench_arachne [fashion-mnist dir] [train samples] [generations] [layers, e.g. 0,2,7]
// The model is trained here for one epoch on the first `train samples` images (seeded); I_neg is
// the correctly classified first half of class 0 (a stand-in cluster), I_pos the other half, plus
// as many other-class inputs: about 2,000 inputs in all by default.
#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <numeric>
#include <sstream>
#include <string>

#include "arachne/candidate_evaluator.h"
#include "mutagen/dataset.h"
#include "mutagen/mutators/arachne.h"
#include "mutagen/training.h"

using namespace mutagen;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

Dataset rows(const Dataset& d, const std::vector<int64_t>& idx) { return d.subset(idx); }

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  const int64_t train_n = argc > 2 ? std::stoll(argv[2]) : 12000;
  const int64_t generations = argc > 3 ? std::stoll(argv[3]) : 25;
  spdlog::cfg::load_env_levels();
  torch::set_num_threads(2);
  Dataset all = load_idx_split(dir, "train", "fashion-mnist");
  std::vector<int64_t> first(static_cast<size_t>(train_n));
  std::iota(first.begin(), first.end(), 0);
  const Dataset train = rows(all, first);
  auto t = Clock::now();
  const Model model =
      train_model("thesis_cnn", train, TrainOptions().epochs(1).batch_size(64).seed(0));
  std::printf("trained thesis_cnn on %lld images in %.1f s, accuracy %.3f\n",
              static_cast<long long>(train_n), seconds_since(t),
              accuracy(model, train.images, train.labels));

  const torch::Tensor correct = model.predict(train.images).eq(train.labels);
  std::vector<int64_t> class0, others;
  for (int64_t i = 0; i < train.size(); ++i) {
    if (!correct[i].item<bool>()) continue;
    (train.labels[i].item<int64_t>() == 0 ? class0 : others).push_back(i);
  }
  class0.resize(std::min<size_t>(class0.size(), 1000));
  const size_t half = class0.size() / 2;
  MutationInputs in;
  in.neg = rows(train, {class0.begin(), class0.begin() + static_cast<std::ptrdiff_t>(half)});
  in.pos = rows(train, {class0.begin() + static_cast<std::ptrdiff_t>(half), class0.end()});
  others.resize(std::min(others.size(), class0.size()));
  in.other = rows(train, others);
  in.seed = 1;
  const int64_t inputs = in.neg.size() + in.pos.size() + in.other.size();
  std::printf("inputs: I_neg %lld, I_pos %lld, other %lld (total %lld), %lld generations\n",
              static_cast<long long>(in.neg.size()), static_cast<long long>(in.pos.size()),
              static_cast<long long>(in.other.size()), static_cast<long long>(inputs),
              static_cast<long long>(generations));
  std::printf(
      "| layer | kind | weights changed | seconds per mutant | fitness evals/s | plain "
      "forward s/candidate | ratio (plain / batched) | I_neg mispredicted | I_pos | other "
      "|\n|---|---|---|---|---|---|---|---|---|---|\n");
  std::vector<int64_t> layers = {0, 2, 7};  // conv1, conv2, dense-128
  if (argc > 4) {
    layers.clear();
    std::stringstream list(argv[4]);
    for (std::string item; std::getline(list, item, ',');) layers.push_back(std::stoll(item));
  }
  for (const int64_t layer : layers) {
    const ArachneOptions o = ArachneOptions().layer(std::to_string(layer)).generations(generations);
    t = Clock::now();
    const Model mutant = ArachneDeMutator(o).mutate(model, in);
    const double mutant_s = seconds_since(t);
    // Evaluations of one mutant: the initial population plus one per generation run (early stop
    // can end sooner); measure the batched rate on one population directly.
    const Localisation loc = localise(model, layer, in.neg, in.pos, 0);
    Dataset keep;
    keep.images = torch::cat({in.pos.images, in.other.images});
    keep.labels = torch::cat({in.pos.labels, in.other.labels});
    const internal::CandidateEvaluator evaluator(model, layer, loc.selected, in.neg, keep);
    const torch::Tensor population =
        evaluator.original_values().unsqueeze(0).repeat({100, 1}) +
        0.1 * torch::randn({100, static_cast<int64_t>(loc.selected.size())});
    t = Clock::now();
    evaluator.score(population);
    const double batched_per_candidate = seconds_since(t) / 100;
    // Plain: write the candidate into a copy, full forward over all inputs (3 candidates).
    const torch::Tensor images = torch::cat({in.neg.images, keep.images});
    t = Clock::now();
    for (int64_t c = 0; c < 3; ++c)
      internal::with_values(model, layer, loc.selected, population[c]).logits(images);
    const double plain_per_candidate = seconds_since(t) / 3;
    const int64_t changed =
        model.layer_weight(layer).ne(mutant.layer_weight(layer)).sum().item<int64_t>();
    auto mis = [&](const Dataset& d) { return 1.0 - accuracy(mutant, d.images, d.labels); };
    std::printf("| %lld | %s | %lld | %.1f | %.0f | %.4f | %.1f | %.2f | %.2f | %.2f |\n",
                static_cast<long long>(layer), model.layer_kind(layer).c_str(),
                static_cast<long long>(changed), mutant_s, 1.0 / batched_per_candidate,
                plain_per_candidate, plain_per_candidate / batched_per_candidate, mis(in.neg),
                mis(in.pos), mis(in.other));
    std::fflush(stdout);
  }
  return 0;
}
