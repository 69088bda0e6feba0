// mutagen localise ...: the Arachne localisation (SPEC 2.4) of one layer for one (class, cluster):
// front.json with each localised weight's index, GL and FI costs and Pareto front, optionally every
// weight, and an SVG scatter of all weights (GL vs FI, log scales) with the front highlighted.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "mutagen/error.h"
#include "mutagen/io.h"
#include "mutagen/mutators/arachne.h"
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

nlohmann::json weight_entry(const Localisation& loc, int64_t flat, const at::IntArrayRef& shape) {
  std::vector<int64_t> index(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1, rest = flat; d >= 0; --d) {
    index[static_cast<size_t>(d)] = rest % shape[static_cast<size_t>(d)];
    rest /= shape[static_cast<size_t>(d)];
  }
  return {{"index", index},
          {"gl", loc.gl.reshape(-1)[flat].item<double>()},
          {"fi", loc.fi.reshape(-1)[flat].item<double>()},
          {"front", loc.rank[flat].item<int64_t>()}};
}

// Scatter of log10 GL against log10 FI; weights with a zero cost sit on the axis.
std::string scatter_svg(const Localisation& loc) {
  constexpr double kSize = 480, kMargin = 50;
  const torch::Tensor gl = loc.gl.reshape(-1), fi = loc.fi.reshape(-1);
  auto logs = [](const torch::Tensor& v) {
    const double floor =
        v.gt(0).any().item<bool>() ? v.masked_select(v.gt(0)).min().item<double>() : 1e-12;
    return torch::log10(torch::clamp_min(v, floor));
  };
  const torch::Tensor x = logs(gl), y = logs(fi);
  const double x0 = x.min().item<double>(), x1 = x.max().item<double>();
  const double y0 = y.min().item<double>(), y1 = y.max().item<double>();
  auto sx = [&](double v) { return kMargin + (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5) * kSize; };
  auto sy = [&](double v) {
    return kMargin + kSize - (y1 > y0 ? (v - y0) / (y1 - y0) : 0.5) * kSize;
  };
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kSize + 2 * kMargin << "\" height=\""
    << kSize + 2 * kMargin << "\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s << "<text x=\"" << kMargin + kSize / 2 << "\" y=\"" << kSize + 1.7 * kMargin
    << "\" text-anchor=\"middle\">log10 GL cost</text>\n";
  s << "<text x=\"15\" y=\"" << kMargin + kSize / 2 << "\" transform=\"rotate(-90 15 "
    << kMargin + kSize / 2 << ")\" text-anchor=\"middle\">log10 FI cost</text>\n";
  const auto* r = loc.rank.data_ptr<int64_t>();
  for (int pass = 0; pass < 2; ++pass) {  // the front drawn last, on top
    for (int64_t i = 0; i < x.numel(); ++i) {
      if ((r[i] == 1) != (pass == 1)) continue;
      s << "<circle cx=\"" << sx(x[i].item<double>()) << "\" cy=\"" << sy(y[i].item<double>())
        << "\" r=\"" << (pass ? 3 : 1.5) << "\" fill=\"" << (pass ? "#d62728" : "#1f77b4")
        << "\" fill-opacity=\"" << (pass ? 1.0 : 0.4) << "\"/>\n";
    }
  }
  s << "</svg>\n";
  return s.str();
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
    const TargetData t = load_target(args->target);
    const int64_t layer = resolve_layer(t.model, args->layer);
    const Localisation loc = localise(t.model, layer, t.inputs.neg, t.inputs.pos, args->count);
    const auto shape = loc.gl.sizes();
    nlohmann::json out = {{"layer", layer},
                          {"name", t.model.layer_name(layer)},
                          {"kind", loc.kind},
                          {"shape", shape.vec()},
                          {"class", args->target.cls},
                          {"cluster", args->target.cluster},
                          {"i_neg", t.inputs.neg.size()},
                          {"i_pos", t.inputs.pos.size()},
                          {"front", nlohmann::json::array()}};
    for (const int64_t i : loc.selected) out["front"].push_back(weight_entry(loc, i, shape));
    if (args->all) {
      out["weights"] = nlohmann::json::array();
      for (int64_t i = 0; i < loc.rank.numel(); ++i)
        out["weights"].push_back(weight_entry(loc, i, shape));
    }
    write_json_atomic(args->out, out);
    if (!args->svg.empty()) write_file_atomic(args->svg, scatter_svg(loc));
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
