// LAm: repeats one shape-preserving layer (a copy with its own weights inserted after it), as
// DeepMutation++ adds a layer at model level. Idempotent layers (ReLU) are left out: a repeated
// ReLU is the original model.
#include "deepmutation_base.h"

namespace mutagen {

namespace {
bool repeatable(const Model& model, int64_t k) {
  return internal::shape_preserving(model, k) && !internal::idempotent(model.layer_kind(k));
}
}  // namespace

Model LayerAddition::mutate(const Model& original, const MutationInputs& inputs) const {
  internal::require_layers(original, kName);
  Rng rng(mutant_seed(inputs));
  const int64_t k = internal::choose_layer(
      original, options_, rng, kName, repeatable,
      "a layer that can be repeated keeping shapes and changing predictions (a non-idempotent "
      "activation such as Tanh, batch norm, square Linear; not the last)");
  Model mutant = original.with_layer_repeated(k);
  internal::check_runs(mutant, inputs, kName);
  return mutant;
}

}  // namespace mutagen
