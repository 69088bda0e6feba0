// NAI: negates the pre-activation of a seeded `ratio` of one layer's neurons (their weights and
// bias), so the activation sees -z instead of z (DeepMutation++).
#include "deepmutation_base.h"

namespace mutagen {

Model NeuronActivationInverse::mutate(const Model& original, const MutationInputs& inputs) const {
  Rng rng(mutant_seed(inputs));
  internal::WeightEdit e = internal::edit_weights(original, options_, rng, kName);
  const torch::Tensor &w = e.weight, &b = e.bias;
  const int64_t neurons = w.size(0);
  for (int64_t n : internal::choose(neurons, internal::count_of(options_.ratio(), neurons), rng)) {
    w[n].neg_();
    if (b.defined()) b[n].neg_();
  }
  return e.mutant;
}

}  // namespace mutagen
