// The built-in mutators and groups, listed once. Each mutator owns its name and description.
#include "mutagen/mutators/arachne.h"
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

}  // namespace

void register_builtin_mutators(MutatorRegistry& registry) {
  add_builtin<TmrMutator>(registry);
  add_builtin<ArachneNoiseMutator>(registry);
  add_builtin<ArachneDeMutator>(registry);
  registry.add_group("arachne", {ArachneNoiseMutator::kName, ArachneDeMutator::kName},
                     "Arachne-style mutants: arachne-noise and arachne-de");
}

}  // namespace mutagen::internal
