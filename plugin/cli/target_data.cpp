// Loading a (class, cluster) target for the localise and mutate subcommands.
#include "target_data.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>

#include "commands.h"
#include "engine/preprocessing_check.h"
#include "mutagen/device.h"
#include "mutagen/error.h"

namespace mutagen::cli {

void add_target_options(CLI::App& cmd, TargetArgs& args, bool heldout_and_seed) {
  cmd.add_option("--model", args.model, "the original model (mutagen or TorchScript file)")
      ->required();
  cmd.add_option("--images", args.images, "training images (IDX)")->required();
  cmd.add_option("--labels", args.labels, "training labels (IDX)")->required();
  cmd.add_option("--clusters", args.clusters, "cluster file of the training data")->required();
  cmd.add_option("--class", args.cls, "target class")->required();
  cmd.add_option("--cluster", args.cluster, "target cluster of that class")->required();
  cmd.add_option("--num-classes", args.num_classes, "number of classes of the data set")
      ->capture_default_str();
  cmd.add_option("--device", args.device, "where the model runs: cpu, cuda or cuda:N")
      ->capture_default_str();
  if (heldout_and_seed) {
    cmd.add_option(
           "--heldout", args.heldout,
           "fraction of I_neg and I_pos held out from the mutator, to measure generalisation")
        ->capture_default_str();
    cmd.add_option("--other-ratio", args.other_ratio,
                   "other classes' correctly classified inputs the mutator keeps right, per input "
                   "of the class (as Subject::other_classes_ratio; fewer make Arachne faster)")
        ->capture_default_str();
    cmd.add_option("--seed", args.seed, "seed of the selection and of the mutator")
        ->check(seed_value())
        ->capture_default_str();
  }
}

TargetData load_target(const TargetArgs& args) {
  if (!(args.heldout >= 0 && args.heldout < 1))
    throw Error("--heldout " + fmt::format("{}", args.heldout) + ": expected a fraction in [0, 1)");
  if (!(args.other_ratio >= 0 && args.other_ratio <= 100))
    throw Error("--other-ratio " + fmt::format("{}", args.other_ratio) +
                ": expected a number in [0, 100]");
  // Before anything loads or runs: a bad device is an error at start.
  const torch::Device device = parse_device(args.device, "--device");
  TargetData t;
  t.model = Model::load(args.model);
  t.model.to(device);
  if (args.num_classes < 2)
    throw Error("--num-classes " + std::to_string(args.num_classes) + ": expected at least 2");
  try {
    t.data = load_idx_dataset(args.images, args.labels, "training", args.num_classes);
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.find("outside [0, ") == std::string::npos) throw;
    throw Error(what + "; for data with more classes pass --num-classes (now " +
                std::to_string(args.num_classes) + ")");
  }
  const ClusterFile clusters = ClusterFile::load(args.clusters);
  if (clusters.dataset_size != t.data.size())
    throw Error("cluster file '" + args.clusters + "' describes a data set of " +
                std::to_string(clusters.dataset_size) + " samples, but '" + args.labels + "' has " +
                std::to_string(t.data.size()));
  const auto in_data = t.data.indices_of_class(args.cls);
  if (in_data.empty())
    throw Error("--class " + std::to_string(args.cls) + ": no sample of '" + args.labels +
                "' has this label, expected a class present in the data");
  if (!clusters.has_class(args.cls))
    throw Error("--class " + std::to_string(args.cls) + ": absent from cluster file '" +
                args.clusters + "'");
  const ClassClusters& cc = clusters.for_class(args.cls);
  const torch::Tensor labels = t.data.labels.to(torch::kCPU, torch::kLong).contiguous();
  for (const int64_t s : cc.samples)
    if (labels.data_ptr<int64_t>()[s] != args.cls)
      throw Error("cluster file '" + args.clusters + "' lists sample " + std::to_string(s) +
                  " under class " + std::to_string(args.cls) + ", but its label in '" +
                  args.labels + "' is " + std::to_string(labels.data_ptr<int64_t>()[s]) +
                  " (expected a cluster file made from these labels)");
  const auto ids = cc.cluster_ids();
  if (std::find(ids.begin(), ids.end(), args.cluster) == ids.end()) {
    std::string known;
    for (const int64_t id : ids) known += (known.empty() ? "" : ", ") + std::to_string(id);
    throw Error("--cluster " + std::to_string(args.cluster) + ": class " +
                std::to_string(args.cls) + " of '" + args.clusters + "' has clusters {" + known +
                "}");
  }
  const torch::Tensor logits = t.model.logits(t.data.images);
  const int64_t classes_in_data = labels.max().item<int64_t>() + 1;
  if (logits.size(1) < std::max<int64_t>(2, classes_in_data))
    throw Error("model '" + args.model + "' outputs " + std::to_string(logits.size(1)) +
                " values per input, but '" + args.labels + "' has labels up to " +
                std::to_string(classes_in_data - 1) +
                " (expected a classifier with one output per class)");
  const int64_t non_finite = (~torch::isfinite(logits)).any(1).sum().item<int64_t>();
  if (non_finite > 0)
    throw Error("model '" + args.model + "' outputs NaN or infinite values for " +
                std::to_string(non_finite) + " of the " + std::to_string(logits.size(0)) +
                " inputs of '" + args.images + "' (expected finite logits or probabilities)");
  const torch::Tensor correct = logits.argmax(1).to(torch::kCPU).eq(t.data.labels);
  Dataset as_file = t.data;  // warnings name the file
  as_file.name = args.images;
  t.original_accuracy =
      internal::check_preprocessing(t.model, as_file, correct, "model '" + args.model + "'");
  t.selection = internal::select_inputs(correct, t.data.labels, cc, args.cluster, args.heldout,
                                        args.other_ratio, args.seed);
  if (t.selection.neg.empty())
    throw Error(
        "class " + std::to_string(args.cls) + " cluster " + std::to_string(args.cluster) +
        ": model '" + args.model +
        "' classifies none of the cluster's members correctly (I_neg is empty), expected at "
        "least one");
  t.inputs = internal::make_inputs(t.data, t.selection, args.cls, args.cluster, args.seed);
  return t;
}

}  // namespace mutagen::cli
