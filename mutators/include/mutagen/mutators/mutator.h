#pragma once
// The mutator interface. A mutator turns one original instance into one mutant, given the inputs
// that define its target (SPEC 2.2), selected per instance by the engine. Registry:
// mutators/registry.h.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mutagen/dataset.h"
#include "mutagen/error.h"
#include "mutagen/model.h"

namespace mutagen {

struct MutationInputs {
  int64_t target_class = 0;
  int64_t cluster = 0;
  Dataset
      neg;  // I_neg: members of the cluster the original classifies correctly (held-out removed)
  Dataset pos;  // I_pos: correctly classified rest of the class: other clusters and noise (held-out
                // removed)
  Dataset other;  // correctly classified inputs of the other classes, a seeded sample
  uint64_t seed = 0;
};

// Thrown by mutate() when the operator makes no sense for this model (NS on a layer with one
// neuron, LD where every removal breaks shapes, a structural edit of a TorchScript module that is
// no chain of layers):
// the engine reports the mutant as skipped with the reason instead of as an error.
class NotApplicable : public Error {
 public:
  using Error::Error;
};

class Mutator {
 public:
  virtual ~Mutator() = default;
  // Registry name, e.g. "tmr".
  virtual std::string name() const = 0;
  // One line for `mutagen mutators` and the report.
  virtual std::string description() const { return ""; }
  // Everything that changes the mutant; part of the cache key and of the report.
  virtual nlohmann::json options() const = 0;
  // Version of the algorithm: part of the mutant cache key, so that a changed algorithm never
  // reuses mutants made by the old one. Bump it whenever mutate() would make a different mutant.
  virtual std::string version() const { return "1"; }
  // False for untargeted baselines (their mutants do not depend on the cluster).
  virtual bool targeted() const { return true; }
  // Returns a new model; must not modify `original`. Deterministic given inputs.seed.
  virtual Model mutate(const Model& original, const MutationInputs& inputs) const = 0;
};

}  // namespace mutagen
