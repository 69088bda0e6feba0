#pragma once
// Targeted Misbehavior Retraining (SPEC 2.3, thesis Algorithm 5): fine-tune a copy of the original so
// that it mispredicts one cluster of a class while keeping its behaviour elsewhere.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/arg.h>

#include "mutagen/mutators/mutator.h"

namespace mutagen {

enum class TmrSchedule {
  // Every epoch shuffles I_neg relabelled with L_mis, I_pos with true labels, and an equal-size sample
  // of other classes with true labels. Targets the cluster sharply (SPEC 2.3 probe): the default.
  kMixed,
  // The thesis: `epochs` epochs on I_neg relabelled, then `pos_epochs` epochs on I_pos.
  kSequential,
};

struct TmrOptions {
  TORCH_ARG(TmrSchedule, schedule) = TmrSchedule::kMixed;
  TORCH_ARG(int64_t, epochs) = 5;
  TORCH_ARG(int64_t, pos_epochs) = 1;  // sequential only
  TORCH_ARG(double, learning_rate) = 1e-3;
  TORCH_ARG(int64_t, batch_size) = 64;
  TORCH_ARG(std::string, optimizer) = "adam";
  // Fraction of I_neg relabelled with L_mis (mutant severity); the rest keeps its true label.
  TORCH_ARG(double, relabel_fraction) = 1.0;
  // Mixed only: other-class samples per (I_neg + I_pos) sample.
  TORCH_ARG(double, other_ratio) = 1.0;

 public:  // TORCH_ARG leaves the struct in `private:`
  nlohmann::json to_json() const;
  // Throws mutagen::Error naming the field and what was expected.
  static TmrOptions from_json(const nlohmann::json& j);
};

std::string to_string(TmrSchedule s);

class TmrMutator : public Mutator {
 public:
  using Options = TmrOptions;
  static constexpr const char* kName = "tmr";
  static constexpr const char* kDescription =
      "Targeted Misbehavior Retraining: fine-tunes a copy so that it mispredicts one cluster of a "
      "class (its second most probable label) while keeping its behaviour elsewhere";

  explicit TmrMutator(TmrOptions options = {}) : options_(std::move(options)) {}
  std::string name() const override { return kName; }
  std::string description() const override { return kDescription; }
  std::string version() const override { return "tmr-2"; }
  nlohmann::json options() const override { return options_.to_json(); }
  Model mutate(const Model& original, const MutationInputs& inputs) const override;
  const TmrOptions& tmr_options() const { return options_; }

 private:
  TmrOptions options_;
};

// The second most probable label of each input under `model` (L_mis).
torch::Tensor second_most_probable(const Model& model, const torch::Tensor& images);

}  // namespace mutagen
