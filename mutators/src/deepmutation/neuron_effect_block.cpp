// NEB: blocks a seeded `ratio` of the neurons feeding one layer by zeroing the weights through
// which they act on it (input columns of a Linear, input channels of a Conv2d; DeepMutation++).
#include "deepmutation_base.h"

namespace mutagen {

Model NeuronEffectBlock::mutate(const Model& original, const MutationInputs& inputs) const {
  Rng rng(mutant_seed(inputs));
  internal::WeightEdit e = internal::edit_weights(original, options_, rng, kName);
  const torch::Tensor& w = e.weight;
  const int64_t neurons = w.size(1);
  for (int64_t n : internal::choose(neurons, internal::count_of(options_.ratio(), neurons), rng))
    w.select(1, n).zero_();
  return e.mutant;
}

}  // namespace mutagen
