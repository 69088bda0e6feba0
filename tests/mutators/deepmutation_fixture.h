#pragma once
// A small registered network for the DeepMutation++ tests, with layers of every kind the operators
// look for, and a fixed input:
//   0 Conv2d(1->3,3) 1 ReLU 2 MaxPool2d(2) 3 Flatten 4 Linear(27->8) 5 ReLU 6 Linear(8->8) 7 Tanh
//   8 Linear(8->4)                                                          input [N, 1, 8, 8]
#include <torch/torch.h>

#include <string>
#include <vector>

#include "mutagen/model.h"
#include "mutagen/mutators/mutator.h"

namespace mutagen::testing_support {

inline constexpr const char* kDeepMutationNet = "deepmutation_test_net";
// The registry's "deepmutation" group, in its order.
inline const std::vector<std::string> kDeepMutationOperators = {"gf", "ws", "neb", "nai",
                                                                "ns", "ld", "lam", "afrm"};

inline Model deepmutation_net(uint64_t seed = 1) {
  static const bool registered = [] {
    register_architecture(kDeepMutationNet, [] {
      return torch::nn::Sequential(
          torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 3, 3)), torch::nn::ReLU(),
          torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2)), torch::nn::Flatten(),
          torch::nn::Linear(27, 8), torch::nn::ReLU(), torch::nn::Linear(8, 8), torch::nn::Tanh(),
          torch::nn::Linear(8, 4));
    });
    return true;
  }();
  (void)registered;
  return Model::create(kDeepMutationNet, seed);
}

inline torch::Tensor deepmutation_input() {
  return torch::linspace(-1, 1, 6 * 64).reshape({6, 1, 8, 8}).sin();
}

// Inputs for an untargeted mutator: the engine's seed, and a few images so that structural
// operators can check their mutant still runs.
inline MutationInputs deepmutation_inputs(uint64_t seed = 7) {
  MutationInputs in;
  in.seed = seed;
  in.other.images = deepmutation_input();
  in.other.labels = torch::zeros({6}, torch::kLong);
  return in;
}

}  // namespace mutagen::testing_support
