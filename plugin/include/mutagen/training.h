#pragma once
// Training original instances, cached by architecture, data, options and seed.
#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mutagen/dataset.h"
#include "mutagen/model.h"

namespace mutagen {

struct TrainOptions {
  TORCH_ARG(int64_t, epochs) = 4;
  TORCH_ARG(int64_t, batch_size) = 64;
  TORCH_ARG(double, learning_rate) = 1e-3;
  TORCH_ARG(std::string, optimizer) = "adam";  // adam | adadelta | sgd
  TORCH_ARG(uint64_t, seed) = 0;
  // Where train_model/train_instances train (see parse_device in mutagen/device.h); fit() trains
  // on the model's own device. Not part of the instance cache's key: a cached instance is reused
  // on any device.
  TORCH_ARG(torch::Device, device) = torch::Device(torch::kCPU);
};

// Trains one model of `architecture` on `data` (cross-entropy on logits, shuffled mini-batches).
Model train_model(const std::string& architecture, const Dataset& data,
                  const TrainOptions& options);
// Continues training `model` in place (used by mutators such as TMR).
void fit(Model& model, const torch::Tensor& images, const torch::Tensor& labels,
         const TrainOptions& options);

// N instances with seeds options.seed()+0 .. +N-1. When `cache_dir` is non-empty each instance is
// stored as <cache_dir>/<key>.pt (key = hash of architecture, data, options, seed) and reused.
std::vector<Model> train_instances(const std::string& architecture, const Dataset& data,
                                   const TrainOptions& options, int64_t count,
                                   const std::string& cache_dir = "");

}  // namespace mutagen
