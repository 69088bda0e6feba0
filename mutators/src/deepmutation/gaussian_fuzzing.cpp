// GF: w *= 1 + N(0, sigma) on a seeded `ratio` of one layer's weights (DeepMutation++).
#include "deepmutation_base.h"

namespace mutagen {

Model GaussianFuzzing::mutate(const Model& original, const MutationInputs& inputs) const {
  Rng rng(mutant_seed(inputs));
  internal::WeightEdit e = internal::edit_weights(original, options_, rng, kName);
  torch::Tensor flat = e.weight.view(-1);
  for (int64_t i :
       internal::choose(flat.numel(), internal::count_of(options_.ratio(), flat.numel()), rng)) {
    const double factor = 1.0 + options_.sigma() * rng.normal();
    flat[i].mul_(factor);
  }
  return e.mutant;
}

}  // namespace mutagen
