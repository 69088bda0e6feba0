#pragma once
// Arachne-style mutants (SPEC 2.4, thesis 4.3): localise the kernel weights of one layer that
// matter for a cluster (Gradient Loss and Forward Impact on I_neg against I_pos, Pareto fronts),
// then change only those: Gaussian noise (`arachne-noise`) or differential evolution
// (`arachne-de`).
//
//   ArachneDeMutator de(ArachneOptions().layer("auto").generations(25));
//   Model mutant = de.mutate(original, inputs);
#include <torch/arg.h>
#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mutagen/dataset.h"
#include "mutagen/model.h"
#include "mutagen/mutators/mutator.h"

namespace mutagen {

// ---- Localisation ---------------------------------------------------------------------------

// Gradient Loss: |sum over inputs of dCE/dw| for each kernel weight of layer `layer`
// (weight-shaped), with cross-entropy on the logits. Throws mutagen::Error naming the layer if it
// has no kernel weight.
torch::Tensor gradient_loss(const Model& model, int64_t layer, const Dataset& data);
// Forward Impact: front x behind per kernel weight (weight-shaped), SPEC 2.4; Conv2d summed over
// output positions.
torch::Tensor forward_impact(const Model& model, int64_t layer, const Dataset& data);

// Pareto rank of each point maximising both objectives: 1 for the non-dominated front, 2 for the
// front of the rest, ... `a` and `b` have the same number of elements; the result is int64 [numel],
// flat. Fronts are computed until at least `min_count` points are ranked; the rest get rank 0
// (min_count <= 0: the first front only).
torch::Tensor pareto_ranks(const torch::Tensor& a, const torch::Tensor& b, int64_t min_count = 0);

// The layer named by `spec`: an index, a parameter-name prefix ("3", "features.0"), or "auto" (the
// last hidden layer with kernel weights, i.e. the last Linear/Conv2d before the output layer).
// Checks it has kernel weights; errors name the model, the layer and what was expected.
int64_t resolve_layer(const Model& model, const std::string& spec);

struct Localisation {
  int64_t layer = 0;
  std::string kind;    // "Linear" or "Conv2d"
  torch::Tensor gl;    // cost per weight: GL(I_neg) / (1 + GL(I_pos)), weight-shaped, float64
  torch::Tensor fi;    // cost per weight: FI(I_neg) / (1 + FI(I_pos)), weight-shaped, float64
  torch::Tensor rank;  // int64 [numel]: Pareto front (1, 2, ...) or 0 when not selected
  std::vector<int64_t> selected;  // flat indices into the weight, ordered by (rank, index)
};

// Bidirectional localisation of `layer`'s kernel weights for I_neg against I_pos. count <= 0: the
// first Pareto front; otherwise further fronts until at least `count` weights, then the first
// `count`.
Localisation localise(const Model& model, int64_t layer, const Dataset& neg, const Dataset& pos,
                      int64_t count = 0);

// ---- Mutators -------------------------------------------------------------------------------

struct ArachneOptions {
  // Layer index, parameter-name prefix, or "auto".
  TORCH_ARG(std::string, layer) = "auto";
  // Localised weights to change; 0 = the first Pareto front.
  TORCH_ARG(int64_t, count) = 0;
  // arachne-noise: standard deviation of the noise, unless target_misprediction > 0, in which case
  // sigma is bisected until the mutant mispredicts that fraction of I_neg.
  TORCH_ARG(double, sigma) = 1.0;
  TORCH_ARG(double, target_misprediction) = 0.0;
  // arachne-de (SPEC 2.4).
  TORCH_ARG(int64_t, population) = 100;
  TORCH_ARG(int64_t, generations) = 25;
  // Early stop after this many generations without improvement, once the best candidate
  // mispredicts at least one cluster member (before that the search runs all generations).
  TORCH_ARG(int64_t, patience) = 10;
  TORCH_ARG(double, crossover) = 0.7;
  TORCH_ARG(double, f_min) = 0.5;
  TORCH_ARG(double, f_max) = 1.0;
  TORCH_ARG(bool, clip) = false;
  // Weight of the inputs to keep (I_pos and the other classes' sample) in the fitness; SPEC's is 1.
  // Higher trades misprediction of I_neg for fewer side effects on the rest.
  TORCH_ARG(double, keep_weight) = 1.0;
  // Weigh I_neg and I_pos as if each had their mean size, so that a small cluster is not
  // outweighed by the rest of its class, nor a small rest of the class by a large cluster
  // (keep_weight still scales I_pos and the other classes). SPEC's fitness sums every input alike.
  TORCH_ARG(bool, balance) = false;
  // An input to keep counts as kept only while its logit margin (its label's logit minus the
  // largest other) stays at least min(keep_margin, the original's margin); below, it scores as if
  // mispredicted. Holding the margin of the sampled inputs, not just their label, keeps the unseen
  // inputs near the boundary too. SPEC's (0): kept while correct.
  TORCH_ARG(double, keep_margin) = 0.0;
  // How a cluster member that is still correct scores. "loss" (SPEC eq. 4.11): its loss, up to
  // ln C, more than the 1 it scores once mispredicted whenever its label's probability is below
  // 1/e, so the search can settle on members made uncertain but still correct (a mutant that
  // mispredicts nothing). "bounded": loss / (1 + loss), below 1, so mispredicting always scores
  // more.
  TORCH_ARG(std::string, neg_score) = "loss";
  // Mixed into the engine's seed, so that several mutants of one configuration differ.
  TORCH_ARG(uint64_t, seed) = 0;

 public:  // TORCH_ARG leaves the struct in `private:`
  // The options `mutator` reads ("arachne-noise", "arachne-de"; "arachne": all of them).
  nlohmann::json to_json(const std::string& mutator = "arachne") const;
  // Throws mutagen::Error naming the mutator, the field and what was expected. For
  // "arachne-noise" and "arachne-de", an option only the other one reads gets a warning.
  static ArachneOptions from_json(const nlohmann::json& j, const std::string& mutator = "arachne");
};

class ArachneNoiseMutator : public Mutator {
 public:
  struct Options : ArachneOptions {
    Options() = default;
    Options(ArachneOptions o) : ArachneOptions(std::move(o)) {}  // NOLINT: implicit on purpose
    static Options from_json(const nlohmann::json& j) {
      return ArachneOptions::from_json(j, "arachne-noise");
    }
  };
  static constexpr const char* kName = "arachne-noise";
  static constexpr const char* kDescription =
      "Arachne-style: Gaussian noise on the Pareto-localised weights of one layer (fixed sigma, or "
      "sigma bisected to a target misprediction of the cluster)";

  explicit ArachneNoiseMutator(ArachneOptions options = {}) : options_(std::move(options)) {}
  std::string name() const override { return kName; }
  std::string description() const override { return kDescription; }
  std::string version() const override { return "arachne-noise-1"; }
  nlohmann::json options() const override { return options_.to_json(kName); }
  Model mutate(const Model& original, const MutationInputs& inputs) const override;

 private:
  ArachneOptions options_;
};

class ArachneDeMutator : public Mutator {
 public:
  struct Options : ArachneOptions {
    Options() = default;
    Options(ArachneOptions o) : ArachneOptions(std::move(o)) {}  // NOLINT: implicit on purpose
    static Options from_json(const nlohmann::json& j) {
      return ArachneOptions::from_json(j, "arachne-de");
    }
  };
  static constexpr const char* kName = "arachne-de";
  static constexpr const char* kDescription =
      "Arachne-style: differential evolution of the Pareto-localised weights of one layer, fitness "
      "from the layer on over the whole population at once (cluster mispredicted, rest of the "
      "class "
      "and other classes kept)";

  explicit ArachneDeMutator(ArachneOptions options = {}) : options_(std::move(options)) {}
  std::string name() const override { return kName; }
  std::string description() const override { return kDescription; }
  std::string version() const override { return "arachne-de-2"; }
  nlohmann::json options() const override { return options_.to_json(kName); }
  Model mutate(const Model& original, const MutationInputs& inputs) const override;

 private:
  ArachneOptions options_;
};

}  // namespace mutagen
