#pragma once
// The mutator interface and the registry users extend. A mutator turns one original instance into one
// mutant, given the inputs that define its target (SPEC 2.2), selected per instance by the engine.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mutagen/dataset.h"
#include "mutagen/model.h"

namespace mutagen {

struct MutationInputs {
  int64_t target_class = 0;
  int64_t cluster = 0;
  Dataset neg;    // I_neg: members of the cluster the original classifies correctly (held-out removed)
  Dataset pos;    // I_pos: correctly classified rest of the class: other clusters and noise (held-out removed)
  Dataset other;  // correctly classified inputs of the other classes, a seeded sample
  uint64_t seed = 0;
};

class Mutator {
 public:
  virtual ~Mutator() = default;
  // Registry name, e.g. "tmr".
  virtual std::string name() const = 0;
  // Everything that changes the mutant; part of the cache key and of the report.
  virtual nlohmann::json options() const = 0;
  // Version of the algorithm: part of the mutant cache key, so that a changed algorithm never reuses
  // mutants made by the old one. Bump it whenever mutate() would make a different mutant.
  virtual std::string version() const { return "1"; }
  // False for untargeted baselines (their mutants do not depend on the cluster).
  virtual bool targeted() const { return true; }
  // Returns a new model; must not modify `original`. Deterministic given inputs.seed.
  virtual Model mutate(const Model& original, const MutationInputs& inputs) const = 0;
};

using MutatorFactory = std::function<std::unique_ptr<Mutator>(const nlohmann::json& options)>;

class MutatorRegistry {
 public:
  // The process-wide registry, with the built-in mutators already registered.
  static MutatorRegistry& global();

  void add(const std::string& name, MutatorFactory factory, const std::string& description = "");
  bool contains(const std::string& name) const;
  // Throws mutagen::Error naming the mutator (and listing the known ones) if unknown, or the option
  // if the options do not parse.
  std::unique_ptr<Mutator> create(const std::string& name,
                                  const nlohmann::json& options = nlohmann::json::object()) const;
  std::vector<std::string> names() const;
  std::string description(const std::string& name) const;

 private:
  struct Entry {
    MutatorFactory factory;
    std::string description;
  };
  std::vector<std::pair<std::string, Entry>> entries_;
};

namespace internal {
bool register_mutator(const char* name, MutatorFactory factory, const char* description);
}

}  // namespace mutagen

// Registers a mutator at static-initialisation time (from a user's test binary or library):
//   MUTAGEN_REGISTER_MUTATOR(my_noise, "Gaussian noise on the last layer",
//       [](const nlohmann::json& o) { return std::make_unique<MyNoise>(o); });
#define MUTAGEN_REGISTER_MUTATOR(Name, Description, Factory)        \
  [[maybe_unused]] static const bool mutagen_mutator_registered_##Name = \
      ::mutagen::internal::register_mutator(#Name, Factory, Description)
