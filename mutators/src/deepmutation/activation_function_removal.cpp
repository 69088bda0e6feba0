// AFRm: replaces one activation layer by the identity (DeepMutation++).
#include "deepmutation_base.h"

namespace mutagen {

namespace {
bool activation_layer(const Model& model, int64_t k) {
  return internal::is_activation(model.layer_kind(k));
}
}  // namespace

Model ActivationFunctionRemoval::mutate(const Model& original, const MutationInputs& inputs) const {
  internal::require_layers(original, kName);
  Rng rng(mutant_seed(inputs));
  const int64_t k = internal::choose_layer(original, options_, rng, kName, activation_layer,
                                           "an activation layer (ReLU, Tanh, Sigmoid, ...)");
  Model mutant = original.with_identity_at(k);
  internal::check_runs(mutant, inputs, kName);
  return mutant;
}

}  // namespace mutagen
