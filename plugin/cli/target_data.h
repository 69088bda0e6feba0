#pragma once
// Shared by `mutagen localise` and `mutagen mutate`: a model, its training data and cluster file,
// and the inputs of one (class, cluster) target selected exactly as the engine selects them
// (SPEC 2.2), with a held-out part never shown to the mutator.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "engine/selection.h"
#include "mutagen/clusters.h"
#include "mutagen/dataset.h"
#include "mutagen/model.h"
#include "mutagen/mutators/mutator.h"

namespace mutagen::cli {

struct TargetArgs {
  std::string model, images, labels, clusters;
  int64_t cls = -1, cluster = -1;
  int64_t num_classes = 10;
  double heldout = 0.0;
  double other_ratio = 1.0;  // other-class inputs per cluster member and rest-of-class input
  uint64_t seed = 0;
  std::string device = "cpu";
};

// The input files as (option, path), for check_output_path.
inline std::vector<std::pair<std::string, std::string>> input_paths(const TargetArgs& a) {
  return {{"--model", a.model},
          {"--images", a.images},
          {"--labels", a.labels},
          {"--clusters", a.clusters}};
}

// Adds --model --images --labels --clusters --class --cluster --num-classes --device (and
// --heldout, --seed if asked).
void add_target_options(CLI::App& cmd, TargetArgs& args, bool heldout_and_seed);

struct TargetData {
  Model model;
  Dataset data;
  internal::InputSelection selection;
  MutationInputs inputs;
  double original_accuracy = 0;  // on the whole training data
};

// Loads everything and selects the inputs; errors name the file, the class or the cluster and what
// was expected.
TargetData load_target(const TargetArgs& args);

}  // namespace mutagen::cli
