#pragma once
// The originals' predictions on a run's data sets, kept in the cache folder: shards that share an
// instance, and later runs of the same subject, load them instead of recomputing the forward
// passes (issue 18: each extra shard recomputed them for the instances at its edges).
#include <torch/torch.h>

#include <string>
#include <vector>

#include "evaluation.h"
#include "mutagen/model.h"
#include "registry.h"

namespace mutagen::internal {

class PredictionStore {
 public:
  // `dir` is created on first store; a disabled store always predicts and never writes.
  PredictionStore(std::string dir, bool enabled);

  // The predicted labels of `model` (fingerprint `fingerprint`) on each of `sets`, whose content
  // hash is `sets_hash`: loaded when stored by an earlier process and still matching the sets'
  // sizes, else computed and stored (atomically). Either way the memo serves them to the tests.
  std::vector<torch::Tensor> get_or_predict(const Model& model, const std::string& fingerprint,
                                            const std::vector<NamedData>& sets,
                                            const std::string& sets_hash, PredictionMemo& memo);

 private:
  std::string dir_;
  bool enabled_;
};

// Content hash of the sets' names, images and labels.
std::string hash_sets(const std::vector<NamedData>& sets);

}  // namespace mutagen::internal
