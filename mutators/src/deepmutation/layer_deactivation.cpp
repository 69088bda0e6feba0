// LD: removes one layer whose input and output shapes agree (an activation, batch norm or square
// Linear; never the last), as DeepMutation++ deactivates a layer. Dropout is not one: at inference
// it is the identity, so removing it makes an equivalent mutant.
#include "deepmutation_base.h"

namespace mutagen {

Model LayerDeactivation::mutate(const Model& original, const MutationInputs& inputs) const {
  internal::require_layers(original, kName);
  Rng rng(mutant_seed(inputs));
  const int64_t k = internal::choose_layer(
      original, options_, rng, kName, internal::shape_preserving,
      "a layer whose removal keeps shapes (activation, batch norm, square Linear; not the last)");
  Model mutant = original.without_layer(k);
  internal::check_runs(mutant, inputs, kName);
  return mutant;
}

}  // namespace mutagen
