// NAI: negates the pre-activation of a seeded `ratio` of one layer's neurons (their weights and
// bias), so the activation sees -z instead of z (DeepMutation++).
#include "deepmutation_base.h"

namespace mutagen {

Model NeuronActivationInverse::mutate(const Model& original, const MutationInputs& inputs) const {
  Rng rng(mutant_seed(inputs));
  const int64_t k = internal::choose_layer(original, options_, rng, kName, internal::has_weight,
                                           "a Linear or Conv2d layer");
  Model mutant = original.clone();
  torch::NoGradGuard no_grad;
  torch::Tensor w = mutant.layer_weight(k);
  torch::Tensor b = internal::layer_bias(mutant, k);
  const int64_t neurons = w.size(0);
  for (int64_t n : internal::choose(neurons, internal::count_of(options_.ratio(), neurons), rng)) {
    w[n].neg_();
    if (b.defined()) b[n].neg_();
  }
  return mutant;
}

}  // namespace mutagen
