// The built-in mutators and groups, listed once. Each mutator owns its name and description.
#include "mutagen/mutators/arachne.h"
#include "mutagen/mutators/deepmutation.h"
#include "mutagen/mutators/registry.h"
#include "mutagen/mutators/tmr.h"

namespace mutagen::internal {

namespace {

template <typename M>
void add_builtin(MutatorRegistry& registry) {
  registry.add(
      M::kName,
      [](const nlohmann::json& options) -> std::unique_ptr<Mutator> {
        return std::make_unique<M>(M::Options::from_json(options));
      },
      M::kDescription);
}

// DeepMutation++ operators share one Options type; its errors name the operator.
template <typename M>
void add_deepmutation(MutatorRegistry& registry) {
  registry.add(
      M::kName,
      [](const nlohmann::json& options) -> std::unique_ptr<Mutator> {
        return std::make_unique<M>(M::Options::from_json(options, M::kName));
      },
      M::kDescription);
}

}  // namespace

void register_builtin_mutators(MutatorRegistry& registry) {
  add_builtin<TmrMutator>(registry);
  add_builtin<ArachneNoiseMutator>(registry);
  add_builtin<ArachneDeMutator>(registry);
  registry.add_group("arachne", {ArachneNoiseMutator::kName, ArachneDeMutator::kName},
                     "Arachne-style mutants: arachne-noise and arachne-de");

  add_deepmutation<GaussianFuzzing>(registry);
  add_deepmutation<WeightShuffling>(registry);
  add_deepmutation<NeuronEffectBlock>(registry);
  add_deepmutation<NeuronActivationInverse>(registry);
  add_deepmutation<NeuronSwitch>(registry);
  add_deepmutation<LayerDeactivation>(registry);
  add_deepmutation<LayerAddition>(registry);
  add_deepmutation<ActivationFunctionRemoval>(registry);
  registry.add_group("deepmutation",
                     {GaussianFuzzing::kName, WeightShuffling::kName, NeuronEffectBlock::kName,
                      NeuronActivationInverse::kName, NeuronSwitch::kName, LayerDeactivation::kName,
                      LayerAddition::kName, ActivationFunctionRemoval::kName},
                     "DeepMutation++ model-level operators, the random baseline (SPEC 2.5)");
}

}  // namespace mutagen::internal
