#pragma once
// Mutants are made when first needed and kept on disk: <dir>/<key>.pt (the model) and <key>.json
// (what made it, with a checksum of the .pt file). The key hashes everything that makes the mutant:
// the original instance, the operator, its options and algorithm version, the class, the cluster's
// members, the held-out fraction, the other-classes ratio, the training data and the seed; changing
// any one makes a new mutant. A corrupted or truncated entry is reported and regenerated. Processes
// sharing the folder (also on several hosts) take a lock per key, so none makes a mutant another is
// making, and none sees a half-written file.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mutagen/model.h"

namespace mutagen {

struct MutantKey {
  std::string original_fingerprint;  // Model::fingerprint() of the original instance
  std::string operator_name;
  nlohmann::json options = nlohmann::json::object();
  std::string algorithm_version;  // Mutator::version()
  int64_t cls = 0;
  int64_t cluster = 0;
  std::vector<int64_t> members;  // the cluster's members (data set positions)
  double heldout_fraction = 0;
  double other_classes_ratio = 0;
  std::string training_data;  // hash of the training data the mutator's inputs are taken from
  uint64_t seed = 0;

  std::string hex() const;
};

class MutantCache {
 public:
  // enabled=false: never reads (always regenerates) but still writes, so a later run can reuse.
  explicit MutantCache(std::string dir, bool enabled = true);

  // `metadata` (optional) receives the metadata stored with a hit (store()'s `metadata`).
  std::optional<Model> find(const MutantKey& key, nlohmann::json* metadata = nullptr) const;
  // Atomic: model and metadata go to temp files renamed into place; a crash never leaves a half
  // file.
  void store(const MutantKey& key, const Model& mutant, const nlohmann::json& metadata) const;
  // find(), else make() then store(). `was_cached` (optional) tells which happened; on a hit
  // `stored_metadata` (optional) receives the metadata stored with the entry.
  Model get_or_create(const MutantKey& key, const std::function<Model()>& make,
                      const nlohmann::json& metadata, bool* was_cached = nullptr,
                      nlohmann::json* stored_metadata = nullptr) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  bool enabled_;
};

}  // namespace mutagen
