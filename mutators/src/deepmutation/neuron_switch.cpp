// NS: swaps seeded pairs of one layer's neurons (weights and bias), so each takes the other's role
// for the layers after it (DeepMutation++). `ratio` of the neurons, at least one pair.
#include "deepmutation_base.h"
#include "mutagen/error.h"

namespace mutagen {

namespace {
bool has_two_neurons(const Model& model, int64_t k) {
  const torch::Tensor w = model.layer_weight(k);
  return w.defined() && w.size(0) >= 2;
}
}  // namespace

Model NeuronSwitch::mutate(const Model& original, const MutationInputs& inputs) const {
  Rng rng(mutant_seed(inputs));
  internal::WeightEdit e =
      internal::edit_weights(original, options_, rng, kName, has_two_neurons,
                             "a Linear or Conv2d layer with at least two neurons (output units "
                             "or channels) to switch");
  const torch::Tensor &w = e.weight, &b = e.bias;
  const int64_t neurons = w.size(0);
  const int64_t count = std::max<int64_t>(2, internal::count_of(options_.ratio(), neurons));
  const std::vector<int64_t> chosen = internal::choose(neurons, count, rng);
  for (size_t i = 0; i + 1 < chosen.size(); i += 2) {
    for (torch::Tensor t : {w, b}) {
      if (!t.defined()) continue;
      const torch::Tensor first = t[chosen[i]].clone();
      t[chosen[i]].copy_(t[chosen[i + 1]]);
      t[chosen[i + 1]].copy_(first);
    }
  }
  return e.mutant;
}

}  // namespace mutagen
