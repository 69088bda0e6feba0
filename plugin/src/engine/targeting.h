#pragma once
// How well one mutant instance hits its target (SPEC 2.2): misprediction on I_neg / I_pos and their
// held-out parts, the accuracy change on every other class, triviality (DeepCrime); and their means
// over a configuration's instances for the report.
#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "mutagen/clusters.h"
#include "mutagen/dataset.h"
#include "mutagen/model.h"
#include "mutagen/report.h"
#include "selection.h"

namespace mutagen::internal {

struct InstanceTargeting {
  double neg = NAN, pos = NAN, heldout_neg = NAN, heldout_pos = NAN;  // fraction mispredicted
  double size_neg = 0, size_pos = 0;
  // Per class (index = class) accuracy change mutant - original on the evaluation set; NaN for the
  // target class and for classes absent from the set.
  std::vector<double> class_change;
  double broken_fraction = 0;  // of the training inputs the original gets right, share it breaks
  // What the mutant changed against its original: the layers (modules whose parameters differ,
  // comma-separated; "+structure" and the edits for a structural mutant) and how many parameter
  // elements.
  std::string layer;
  int64_t weights_changed = 0;
  double mutate_seconds = NAN;  // wall time of mutate() when the mutant was made (cache: as stored)

  nlohmann::json to_json() const;
  static InstanceTargeting from_json(const nlohmann::json& j);
};

// `train_pred` / `eval_pred`: the mutant's predictions; `original_*`: the original's.
InstanceTargeting measure_targeting(const InputSelection& selection, int64_t cls,
                                    const torch::Tensor& train_pred,
                                    const torch::Tensor& original_train_correct,
                                    const Dataset& training, const torch::Tensor& eval_pred,
                                    const torch::Tensor& original_eval_pred,
                                    const Dataset& eval_set);

// An untargeted mutant (class -1) has no cluster of its own. To show whether it hits cluster
// members more than the rest of their class (random operators should not), `neg` / `pos` become the
// misprediction on the members and on the rest of the class (inputs the original gets right) of the
// cluster of `classes` where the first exceeds the second most; held-out fields and sizes stay
// empty.
void measure_on_clusters(const ClusterFile& clusters, const std::vector<int64_t>& classes,
                         const torch::Tensor& labels, const torch::Tensor& train_pred,
                         const torch::Tensor& original_train_correct, InstanceTargeting& t);

// The structural edits `mutant` adds to `original`'s ("identity:4"; "" for none).
std::string added_edits(const Model& original, const Model& mutant);

// Fills `layer` and `weights_changed` by comparing the two models' parameters element by element;
// a structural edit appends "+structure" and the edits ("+structure identity:4").
void describe_change(const Model& original, const Model& mutant, InstanceTargeting& t);

// Means over the instances into the report's fields (sizes rounded; the worst other class is the
// one with the lowest mean change).
void summarise_targeting(const std::vector<InstanceTargeting>& instances, MutantReport& report);

}  // namespace mutagen::internal
