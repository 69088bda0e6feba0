#pragma once
// What a model's accuracy on the training data says about its preprocessing. mutagen feeds IDX
// images as bytes / 255, in [0, 1]; a model trained on normalised inputs still classifies many of
// those right (68% in one case), so a low-accuracy threshold alone misses it. Trying the usual
// transformations on a sample names the one the model was most likely trained with.
#include <torch/torch.h>

#include <string>

#include "mutagen/dataset.h"
#include "mutagen/model.h"

namespace mutagen::internal {

// When `model` classifies at most 90% of `data` right, tries the usual input transformations
// ((x - mean) / std with this data's, MNIST's or Fashion-MNIST's figures, 2x - 1, x * 255, 1 - x)
// on a sample of it, and warns (spdlog) naming one that makes the model classify at least 10
// points more of the sample right; else warns as warn_if_inaccurate does. `correct`: bool [N],
// the model's hits on `data` as given; `name` says which model ("model 'm.pt'"). Returns the
// accuracy on `data`.
double check_preprocessing(const Model& model, const Dataset& data, const torch::Tensor& correct,
                           const std::string& name);

// Warns when the model classifies less than half of the data right, naming no cause (the
// transformations are tried once per run, on the first instance). Returns the accuracy.
double warn_if_inaccurate(const torch::Tensor& correct, const std::string& name,
                          const std::string& data);

}  // namespace mutagen::internal
