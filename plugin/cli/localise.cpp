// mutagen localise ...: the Arachne localisation (SPEC 2.4) of one layer for one (class, cluster):
// front.json with each localised weight's index, GL and FI costs and Pareto front, optionally every
// weight (each with its own Pareto front), and an SVG scatter of all weights (front_plot.h).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "front_plot.h"
#include "mutagen/error.h"
#include "mutagen/io.h"
#include "mutagen/mutators/arachne.h"
#include "output_path.h"
#include "target_data.h"

namespace mutagen::cli {
namespace {

struct LocaliseArgs {
  TargetArgs target;
  std::string layer = "auto";
  int64_t count = 0;
  bool all = false;
  std::string out, svg;
};

// One weight as front.json lists it; `rank` is its Pareto front.
nlohmann::json weight_entry(const std::vector<double>& gl, const std::vector<double>& fi,
                            int64_t flat, int64_t rank, const std::vector<int64_t>& shape) {
  return {{"index", unravel(flat, shape)},
          {"gl", gl[static_cast<size_t>(flat)]},
          {"fi", fi[static_cast<size_t>(flat)]},
          {"front", rank}};
}

}  // namespace

void add_localise_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LocaliseArgs>();
  CLI::App* cmd = app.add_subcommand(
      "localise", "Arachne localisation of one layer's weights for a (class, cluster) target");
  add_target_options(*cmd, args->target, /*heldout_and_seed=*/false);
  cmd->add_option("--layer", args->layer, "layer index, layer name, or auto")
      ->capture_default_str();
  cmd->add_option("--count", args->count,
                  "take further Pareto fronts until this many weights (0: the first front)")
      ->capture_default_str();
  cmd->add_flag("--all", args->all, "also list every weight of the layer");
  cmd->add_option("--out", args->out, "front.json to write")->required();
  cmd->add_option("--svg", args->svg, "scatter plot of all weights to write");
  cmd->callback([args, &exit_code] {
    if (args->count < 0)
      throw Error("--count " + std::to_string(args->count) + ": expected an integer >= 0");
    auto inputs = input_paths(args->target);
    check_output_path("--out", args->out, inputs);
    if (!args->svg.empty()) {
      check_output_path("--svg", args->svg, inputs);
      if (args->svg == args->out)
        throw Error("--svg '" + args->svg + "' is also --out, expected two different files");
    }
    const TargetData t = load_target(args->target);
    const int64_t layer = resolve_layer(t.model, args->layer);
    const Localisation loc = localise(t.model, layer, t.inputs.neg, t.inputs.pos, args->count);
    const std::vector<int64_t> shape = loc.gl.sizes().vec();
    nlohmann::json out = {{"layer", layer},
                          {"name", t.model.layer_name(layer)},
                          {"kind", loc.kind},
                          {"shape", shape},
                          {"class", args->target.cls},
                          {"cluster", args->target.cluster},
                          {"i_neg", t.inputs.neg.size()},
                          {"i_pos", t.inputs.pos.size()},
                          {"front", nlohmann::json::array()}};
    const auto* rank = loc.rank.data_ptr<int64_t>();
    const std::vector<double> gl = cost_values(loc.gl), fi = cost_values(loc.fi);
    for (const int64_t i : loc.selected)
      out["front"].push_back(weight_entry(gl, fi, i, rank[i], shape));
    if (args->all) {
      // Every weight with its own Pareto front, also beyond the fronts taken.
      const torch::Tensor all_ranks = pareto_ranks(loc.gl, loc.fi, loc.rank.numel());
      const auto* all = all_ranks.data_ptr<int64_t>();
      out["weights"] = nlohmann::json::array();
      for (int64_t i = 0; i < all_ranks.numel(); ++i)
        out["weights"].push_back(weight_entry(gl, fi, i, all[i], shape));
    }
    write_json_atomic(args->out, out);
    if (!args->svg.empty()) {
      std::string dims;
      for (const int64_t d : shape) dims += (dims.empty() ? "" : "x") + std::to_string(d);
      FrontPlotText text;
      text.title = "Layer " + std::to_string(layer) + " '" + t.model.layer_name(layer) + "' (" +
                   loc.kind + " " + dims + "), class " + std::to_string(args->target.cls) +
                   ", cluster " + std::to_string(args->target.cluster);
      text.subtitle = "Arachne localisation: I_neg " + std::to_string(t.inputs.neg.size()) +
                      " cluster members, I_pos " + std::to_string(t.inputs.pos.size()) +
                      " other members of the class (correctly classified)";
      write_file_atomic(args->svg, front_plot_svg(loc, shape, text));
    }
    std::cout << nlohmann::json{{"layer", layer},
                                {"kind", loc.kind},
                                {"weights", loc.rank.numel()},
                                {"front", loc.selected.size()},
                                {"out", args->out}}
                     .dump()
              << "\n";
    exit_code = 0;
  });
}

}  // namespace mutagen::cli
