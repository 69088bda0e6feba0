// The DeepMutation++ family's shared base: options, seeds, layer and neuron choice.
#include "deepmutation_base.h"

#include <algorithm>
#include <cmath>

#include "mutagen/error.h"
#include "options_reader.h"

namespace mutagen {

nlohmann::json DeepMutationOptions::to_json() const {
  return {{"ratio", ratio()},
          {"layer", layer()},
          {"seed", seed()},
          {"sigma", sigma()},
          {"instances", instances()}};
}

DeepMutationOptions DeepMutationOptions::from_json(const nlohmann::json& j,
                                                   const std::string& mutator) {
  const internal::OptionsReader r(mutator, j, {"ratio", "layer", "seed", "instances", "sigma"});
  DeepMutationOptions o;
  if (r.has("ratio")) o.ratio(r.number_in("ratio", 0, 1, /*lo_open=*/true));
  if (r.has("layer")) o.layer(r.integer("layer", -1));
  if (r.has("seed")) o.seed(static_cast<uint64_t>(r.integer("seed", 0)));
  if (r.has("instances")) o.instances(r.integer("instances", 1));
  if (r.has("sigma")) {
    const double s = r.number("sigma");
    if (s <= 0) r.bad("sigma", "a number > 0");
    o.sigma(s);
  }
  return o;
}

uint64_t DeepMutationOperator::mutant_seed(const MutationInputs& inputs) const {
  return derive_seed(inputs.seed, options_.seed());
}

namespace internal {

bool has_weight(const Model& model, int64_t k) { return model.layer_weight(k).defined(); }

bool is_activation(const std::string& kind) {
  static const std::vector<std::string> kinds = {
      "ReLU", "ReLU6", "LeakyReLU", "PReLU",   "ELU",      "SELU",     "CELU",      "GELU",
      "SiLU", "Mish",  "Tanh",      "Sigmoid", "Softplus", "Hardtanh", "Hardswish", "Hardsigmoid"};
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

bool shape_preserving(const Model& model, int64_t k) {
  if (k == model.num_layers() - 1) return false;
  const std::string kind = model.layer_kind(k);
  // Dropout and Identity are left out: at inference both are the identity, so removing or
  // repeating one makes a mutant that cannot differ from the original.
  if (is_activation(kind) || kind == "BatchNorm1d" || kind == "BatchNorm2d") return true;
  if (kind != "Linear") return false;
  const torch::Tensor w = model.layer_weight(k);
  return w.defined() && w.dim() == 2 && w.size(0) == w.size(1);
}

bool idempotent(const std::string& kind) {
  return kind == "ReLU" || kind == "ReLU6" || kind == "Hardtanh";
}

int64_t choose_layer(const Model& model, const DeepMutationOptions& options, Rng& rng,
                     const std::string& op, const LayerFilter& eligible,
                     const std::string& eligible_what) {
  const int64_t n = model.num_layers();
  if (n == 0)  // it has Linear and Conv2d weights, but not as layers one can tell apart
    throw NotApplicable(op +
                        ": the model's layers cannot be reached: this TorchScript model's forward "
                        "is not a plain chain of child calls and functional steps (residual sums "
                        "or branches); " +
                        op + " needs " + eligible_what + " of such a chain");
  if (options.layer() >= 0) {
    const int64_t k = options.layer();
    if (k >= n)
      throw Error(op + ": layer " + std::to_string(k) + " does not exist (the model has " +
                  std::to_string(n) + " layers, 0.." + std::to_string(n - 1) + ")");
    if (!eligible(model, k))
      throw NotApplicable(op + ": layer " + std::to_string(k) + " (" + model.layer_kind(k) +
                          ") is not one it applies to; it needs " + eligible_what);
    return k;
  }
  std::vector<int64_t> candidates;
  for (int64_t k = 0; k < n; ++k)
    if (eligible(model, k)) candidates.push_back(k);
  if (candidates.empty()) {
    const std::string why = model.unreachable_layers();
    throw NotApplicable(op + ": the model has no layer it applies to; it needs " + eligible_what +
                        (why.empty() ? "" : "; " + why));
  }
  return candidates[rng.below(candidates.size())];
}

int64_t count_of(double ratio, int64_t total) {
  const auto c = static_cast<int64_t>(std::llround(ratio * static_cast<double>(total)));
  return std::clamp<int64_t>(c, 1, std::max<int64_t>(total, 1));
}

std::vector<int64_t> choose(int64_t total, int64_t count, Rng& rng) {
  std::vector<int64_t> p = permutation(total, rng.next());
  p.resize(static_cast<size_t>(std::min(count, total)));
  return p;
}

WeightEdit edit_weights(const Model& original, const DeepMutationOptions& options, Rng& rng,
                        const std::string& op, const LayerFilter& eligible,
                        const std::string& eligible_what) {
  WeightEdit e;
  e.layer = choose_layer(original, options, rng, op, eligible, eligible_what);
  e.mutant = original.clone();
  e.weight = e.mutant.layer_weight(e.layer).detach();
  const torch::Tensor bias = layer_bias(e.mutant, e.layer);
  if (bias.defined()) e.bias = bias.detach();
  return e;
}

torch::Tensor layer_bias(const Model& model, int64_t k) {
  const torch::Tensor w = model.layer_weight(k);
  if (!w.defined()) return {};
  const auto params = model.named_parameters();
  for (const auto& [name, p] : params) {
    if (!p.is_same(w)) continue;
    const auto dot = name.rfind("weight");
    if (dot == std::string::npos) return {};
    const std::string bias = name.substr(0, dot) + "bias";
    for (const auto& [other, q] : params)
      if (other == bias) return q;
    return {};
  }
  return {};
}

void require_layers(const Model& model, const std::string& op) {
  if (model.num_layers() == 0)
    throw NotApplicable(op +
                        ": structural operators need the model's layers in sequence; this "
                        "TorchScript model's forward is not a plain chain of child calls (script "
                        "an nn.Sequential to use them)");
}

void check_runs(const Model& mutant, const MutationInputs& inputs, const std::string& op) {
  for (const Dataset* d : {&inputs.neg, &inputs.pos, &inputs.other}) {
    if (d->size() == 0 || !d->images.defined()) continue;
    try {
      mutant.logits(d->images.slice(0, 0, 1));
    } catch (const std::exception& e) {
      throw NotApplicable(op + ": the mutant no longer runs (" + e.what() + ")");
    }
    return;
  }
}

}  // namespace internal
}  // namespace mutagen
