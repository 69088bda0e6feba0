#pragma once
// DeepMutation++'s model-level operators (SPEC 2.5; wellido/mutation_tool): random, untargeted
// post-training mutations, the baseline targeted mutants must beat. Each makes one mutant per
// original from a seed; `instances` K asks Subject::mutator for K of them (seeds 0..K-1).
//   subject.mutator("gf", {{"ratio", 0.05}, {"instances", 5}});
//   subject.mutator("deepmutation");  // the whole family
// An operator that makes no sense for a model (NS on a one-neuron layer, LD where no layer can go
// without breaking shapes) throws NotApplicable (a mutagen::Error) with the reason, and the engine
// reports the mutant as skipped.
#include <torch/arg.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "mutagen/mutators/mutator.h"

namespace mutagen {

// Options shared by the family:
//   GaussianFuzzing(DeepMutationOptions().ratio(0.05).layer(5).seed(3));
struct DeepMutationOptions {
  // Share of the chosen layer's weights (GF) or neurons (WS, NEB, NAI, NS) mutated; at least one.
  TORCH_ARG(double, ratio) = 0.01;
  // The layer (Model index) to mutate; -1: a seeded choice among the layers the operator applies
  // to.
  TORCH_ARG(int64_t, layer) = -1;
  // Folded into the engine's per-instance seed: the k-th of `instances` mutants has seed k.
  TORCH_ARG(uint64_t, seed) = 0;
  // Mutants of this operator per original (Subject::mutator adds one mutator per seed 0..K-1).
  TORCH_ARG(int64_t, instances) = 1;
  // GF only: w *= 1 + N(0, sigma).
  TORCH_ARG(double, sigma) = 0.5;

 public:  // TORCH_ARG leaves the struct in `private:`
  nlohmann::json to_json() const;
  // Throws mutagen::Error naming `mutator`, the field and what was expected.
  static DeepMutationOptions from_json(const nlohmann::json& j,
                                       const std::string& mutator = "deepmutation");
};

// The shared base: options, identity, untargeted, and the seed a mutant is drawn from.
class DeepMutationOperator : public Mutator {
 public:
  using Options = DeepMutationOptions;
  explicit DeepMutationOperator(DeepMutationOptions options) : options_(std::move(options)) {}
  nlohmann::json options() const override { return options_.to_json(); }
  std::string version() const override { return "deepmutation-1"; }
  bool targeted() const override { return false; }
  const DeepMutationOptions& deepmutation_options() const { return options_; }

 protected:
  // The seed of this mutant: the engine's per-instance seed with options().seed folded in.
  uint64_t mutant_seed(const MutationInputs& inputs) const;

  DeepMutationOptions options_;
};

#define MUTAGEN_DEEPMUTATION_OPERATOR(Class, Name, Description)                                    \
  class Class : public DeepMutationOperator {                                                      \
   public:                                                                                         \
    static constexpr const char* kName = Name;                                                     \
    static constexpr const char* kDescription = Description;                                       \
    explicit Class(DeepMutationOptions options = {}) : DeepMutationOperator(std::move(options)) {} \
    std::string name() const override { return kName; }                                            \
    std::string description() const override { return kDescription; }                              \
    Model mutate(const Model& original, const MutationInputs& inputs) const override;              \
  }

MUTAGEN_DEEPMUTATION_OPERATOR(GaussianFuzzing, "gf",
                              "DeepMutation++ Gaussian fuzzing: w *= 1 + N(0, sigma) on a ratio of "
                              "one layer's weights");
MUTAGEN_DEEPMUTATION_OPERATOR(WeightShuffling, "ws",
                              "DeepMutation++ weight shuffling: shuffles the incoming weights of a "
                              "ratio of one layer's neurons");
MUTAGEN_DEEPMUTATION_OPERATOR(
    NeuronEffectBlock, "neb",
    "DeepMutation++ neuron effect block: zeroes the weights through which "
    "a ratio of neurons feed the chosen layer");
MUTAGEN_DEEPMUTATION_OPERATOR(
    NeuronActivationInverse, "nai",
    "DeepMutation++ neuron activation inverse: negates the pre-activation "
    "(weights and bias) of a ratio of one layer's neurons");
MUTAGEN_DEEPMUTATION_OPERATOR(NeuronSwitch, "ns",
                              "DeepMutation++ neuron switch: swaps pairs of neurons (weights and "
                              "bias) within one layer");
MUTAGEN_DEEPMUTATION_OPERATOR(
    LayerDeactivation, "ld",
    "DeepMutation++ layer deactivation: removes one shape-preserving layer "
    "(not the last)");
MUTAGEN_DEEPMUTATION_OPERATOR(LayerAddition, "lam",
                              "DeepMutation++ layer addition: repeats one shape-preserving layer "
                              "(a copy inserted after it)");
MUTAGEN_DEEPMUTATION_OPERATOR(ActivationFunctionRemoval, "afrm",
                              "DeepMutation++ activation function removal: replaces one activation "
                              "layer by the identity");

#undef MUTAGEN_DEEPMUTATION_OPERATOR

}  // namespace mutagen
