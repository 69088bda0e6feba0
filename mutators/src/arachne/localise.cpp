// Bidirectional localisation (SPEC 2.4): cost per weight (GL, FI) on I_neg / (1 + (GL, FI) on
// I_pos), the Pareto front(s) maximising both, and choosing the layer by index, name or "auto".
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "arachne_internal.h"
#include "mutagen/error.h"
#include "mutagen/mutators/arachne.h"

namespace mutagen {

namespace {
// The error, and why layers inside an opaque start cannot be chosen when that is the case.
Error layer_error(const Model& model, const std::string& message) {
  const std::string why = model.unreachable_layers();
  return Error(why.empty() ? message : message + "; " + why);
}
}  // namespace

int64_t resolve_layer(const Model& model, const std::string& spec) {
  if (!model.valid()) throw Error("layer '" + spec + "': the model is empty");
  internal::check_layers_reachable(model);  // whatever the spec
  const int64_t end = model.logits_end();
  if (spec == "auto") {
    std::vector<int64_t> kernels;
    for (int64_t k = 0; k < end; ++k) {
      const std::string kind = model.layer_kind(k);
      if ((kind == "Linear" || kind == "Conv2d") && model.layer_weight(k).defined())
        kernels.push_back(k);
    }
    if (kernels.size() < 2)
      throw layer_error(model, "layer 'auto': the model has " + std::to_string(kernels.size()) +
                                   " Linear/Conv2d layers before its logits, expected at least 2 "
                                   "(a hidden layer and the output layer)");
    return kernels[kernels.size() - 2];
  }
  int64_t layer = -1;
  if (!spec.empty() &&
      std::all_of(spec.begin(), spec.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    try {
      layer = std::stoll(spec);
    } catch (const std::exception&) {
      layer = -1;
    }
    // A numeric name is an index (for a Sequential they coincide unless nested).
    if (layer < 0 || layer >= model.num_layers()) {
      layer = model.layer_index(spec);
      if (layer < 0)
        throw layer_error(model, "layer " + spec + " out of range, expected an index in [0, " +
                                     std::to_string(end) + "), a layer name, or \"auto\"");
    }
  } else {
    layer = model.layer_index(spec);
    if (layer < 0)
      throw layer_error(model, "layer '" + spec + "' not found, expected an index in [0, " +
                                   std::to_string(end) + "), a layer name, or \"auto\"");
  }
  try {
    internal::check_kernel_layer(model, layer, "layer '" + spec + "'");
  } catch (const Error& e) {
    throw layer_error(model, e.what());
  }
  return layer;
}

Localisation localise(const Model& model, int64_t layer, const Dataset& neg, const Dataset& pos,
                      int64_t count) {
  internal::check_kernel_layer(model, layer, "localise");
  if (neg.size() == 0)
    throw Error("localise " + internal::describe_layer(model, layer) +
                ": I_neg is empty, expected at least one correctly classified cluster member");
  Localisation loc;
  loc.layer = layer;
  loc.kind = model.layer_kind(layer);
  loc.gl = gradient_loss(model, layer, neg) / (1.0 + gradient_loss(model, layer, pos));
  loc.fi = forward_impact(model, layer, neg) / (1.0 + forward_impact(model, layer, pos));
  if (count > loc.gl.numel())
    spdlog::warn("localise {}: count {} is more than its {} weights; all of them are taken",
                 internal::describe_layer(model, layer), count, loc.gl.numel());
  loc.rank = pareto_ranks(loc.gl, loc.fi, count);
  const auto* r = loc.rank.data_ptr<int64_t>();
  std::vector<int64_t> chosen;
  for (int64_t i = 0; i < loc.rank.numel(); ++i)
    if (r[i] > 0) chosen.push_back(i);
  std::stable_sort(chosen.begin(), chosen.end(), [&](int64_t x, int64_t y) { return r[x] < r[y]; });
  if (count > 0 && static_cast<int64_t>(chosen.size()) > count)
    chosen.resize(static_cast<size_t>(count));
  if (chosen.empty())
    throw Error("localise " + internal::describe_layer(model, layer) +
                ": the Pareto front is empty");
  loc.selected = std::move(chosen);
  return loc;
}

}  // namespace mutagen
