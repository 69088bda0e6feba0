// mutagen mutate --operator NAME [--option key=value ...] ...: one mutant of one (class, cluster)
// outside a test suite, with any registered operator, and one JSON line on how targeted it is:
// misprediction of I_neg / I_pos (used and held out), other classes' accuracy change, and which
// layer and how many weights it changed (found by comparing the mutant with the original).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "engine/targeting.h"
#include "mutagen/error.h"
#include "mutagen/mutators/registry.h"
#include "output_path.h"
#include "target_data.h"

namespace mutagen::cli {
namespace {

struct MutateArgs {
  TargetArgs target;
  std::string op;
  std::vector<std::string> options;
  std::string out;
};

// "count=20" -> {"count": 20}: values parse as JSON, else they are strings ("layer=auto").
nlohmann::json parse_options(const std::vector<std::string>& pairs) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& p : pairs) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--option '" + p + "': expected key=value");
    if (j.contains(p.substr(0, eq)))
      throw Error("--option '" + p + "': option '" + p.substr(0, eq) +
                  "' given twice, expected each key once");
    const std::string value = p.substr(eq + 1);
    nlohmann::json v = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    j[p.substr(0, eq)] = v.is_discarded() ? nlohmann::json(value) : v;
  }
  return j;
}

// Fraction of `rows` of `data` that `model` mispredicts (null when there are none).
nlohmann::json misprediction(const Model& model, const Dataset& data,
                             const std::vector<int64_t>& rows) {
  if (rows.empty()) return nullptr;
  const Dataset d = data.subset(rows);
  return 1.0 - accuracy(model, d.images, d.labels);
}

// What a mutant changed: the layers whose weight or bias differ or whose structure was edited (by
// index), how many parameter elements changed (as the run's report counts them), and the
// structural edits (DeepMutation++'s layer operators change no weight: "identity:7").
struct Change {
  nlohmann::json layer;
  int64_t weights = 0;
  std::string edits;
};

Change describe_change(const Model& original, const Model& mutant) {
  internal::InstanceTargeting counted;
  internal::describe_change(original, mutant, counted);
  Change c;
  c.weights = counted.weights_changed;
  c.edits = internal::added_edits(original, mutant);
  std::vector<int64_t> layers;
  // "kind:index" entries, comma-separated.
  std::stringstream entries(c.edits);
  for (std::string e; std::getline(entries, e, ',');) {
    const auto colon = e.find(':');
    if (colon != std::string::npos) layers.push_back(std::stoll(e.substr(colon + 1)));
  }
  // A structural edit shifts the layers after it: layers are compared only without one. A
  // parameter belongs to the layer whose name prefixes it (a block of several modules is one
  // layer of the chain); a model that is no chain has its changed modules named instead.
  std::vector<std::string> modules;
  const auto a = original.named_parameters();
  const auto b = mutant.named_parameters();
  const bool opaque_start = original.num_layers() > 0 && !original.unreachable_layers().empty();
  for (size_t i = 0; c.edits.empty() && i < std::min(a.size(), b.size()); ++i) {
    const auto& [name, x] = a[i];
    const torch::Tensor& y = b[i].second;
    if (name != b[i].first || x.sizes() != y.sizes() || !x.ne(y.to(x.device())).any().item<bool>())
      continue;
    bool found = false;
    for (int64_t k = 0; k < original.num_layers() && !found; ++k) {
      const std::string prefix = original.layer_name(k) + ".";
      if (name.compare(0, prefix.size(), prefix) == 0) {
        layers.push_back(k);
        found = true;
      }
    }
    // Not under any layer's name: inside the layer that runs a forward's start, if it has one.
    if (!found && opaque_start) {
      layers.push_back(0);
      found = true;
    }
    const std::string module = name.substr(0, name.rfind('.'));
    if (!found && std::find(modules.begin(), modules.end(), module) == modules.end())
      modules.push_back(module);
  }
  if (original.num_layers() == 0 && !modules.empty()) {
    c.layer = modules;
    return c;
  }
  std::sort(layers.begin(), layers.end());
  layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
  c.layer = layers.size() == 1 ? nlohmann::json(layers[0]) : nlohmann::json(layers);
  return c;
}

}  // namespace

void add_mutate_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<MutateArgs>();
  CLI::App* cmd =
      app.add_subcommand("mutate", "Make one mutant of a (class, cluster) target and measure it");
  cmd->add_option("--operator", args->op, "registered mutator name (see mutagen run --help)")
      ->required();
  cmd->add_option("--option", args->options, "mutator option key=value (repeatable)");
  add_target_options(*cmd, args->target, /*heldout_and_seed=*/true);
  cmd->add_option("--out", args->out, "mutant file to write")->required();
  cmd->callback([args, &exit_code] {
    const auto& registry = MutatorRegistry::global();
    if (registry.is_group(args->op))
      throw Error("--operator '" + args->op + "' is a group, expected one mutator of it");
    check_output_path("--out", args->out, input_paths(args->target));
    const nlohmann::json options = parse_options(args->options);
    const auto mutator = registry.create(args->op, options);
    const TargetData t = load_target(args->target);
    const std::string before = t.model.fingerprint();
    const auto start = std::chrono::steady_clock::now();
    const Model mutant = mutator->mutate(t.model, t.inputs);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (t.model.fingerprint() != before)
      throw Error("mutator '" + args->op + "' changed the original model");
    mutant.save(args->out);

    std::vector<int64_t> others;
    for (int64_t i = 0; i < t.data.size(); ++i)
      if (t.data.labels[i].item<int64_t>() != args->target.cls) others.push_back(i);
    nlohmann::json other_change = nullptr;
    if (!others.empty()) {
      const Dataset d = t.data.subset(others);
      other_change = accuracy(mutant, d.images, d.labels) - accuracy(t.model, d.images, d.labels);
    }
    const Change change = describe_change(t.model, mutant);
    const auto& s = t.selection;
    std::cout << nlohmann::json{{"operator", args->op},
                                {"options", mutator->options()},
                                {"seconds", seconds},
                                {"original_accuracy", t.original_accuracy},
                                {"misprediction_neg", misprediction(mutant, t.data, s.neg)},
                                {"misprediction_pos", misprediction(mutant, t.data, s.pos)},
                                {"heldout_misprediction_neg",
                                 misprediction(mutant, t.data, s.heldout_neg)},
                                {"heldout_misprediction_pos",
                                 misprediction(mutant, t.data, s.heldout_pos)},
                                {"other_classes_accuracy_change", other_change},
                                {"layer", change.layer},
                                {"weights_changed", change.weights},
                                {"edits", change.edits},
                                {"out", args->out}}
                     .dump()
              << "\n";
    exit_code = 0;
  });
}

}  // namespace mutagen::cli
