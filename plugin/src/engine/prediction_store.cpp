// Originals' predictions kept across processes (prediction_store.h).
#include "prediction_store.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "model_internal.h"
#include "mutagen/hash.h"
#include "mutagen/io.h"

namespace fs = std::filesystem;

namespace mutagen::internal {

std::string hash_sets(const std::vector<NamedData>& sets) {
  Hasher h;
  h.str("mutagen.sets.v1");
  for (const auto& s : sets) h.str(s.name).tensor(s.data->images).tensor(s.data->labels);
  return h.hex();
}

PredictionStore::PredictionStore(std::string dir, bool enabled)
    : dir_(std::move(dir)), enabled_(enabled) {}

std::vector<torch::Tensor> PredictionStore::get_or_predict(const Model& model,
                                                           const std::string& fingerprint,
                                                           const std::vector<NamedData>& sets,
                                                           const std::string& sets_hash,
                                                           PredictionMemo& memo) {
  // The device is part of the key: another device's arithmetic may round differently.
  const std::string key = Hasher()
                              .str("mutagen.predictions.v1")
                              .str(fingerprint)
                              .str(sets_hash)
                              .str(model.device().str())
                              .hex();
  const std::string path = (fs::path(dir_) / (key + ".pt")).string();
  std::vector<torch::Tensor> preds;
  std::error_code ec;
  if (enabled_ && fs::exists(path, ec)) {
    try {
      torch::load(preds, path);
    } catch (const std::exception& e) {
      spdlog::warn("original predictions '{}' unreadable, recomputing: {}", path, torch_message(e));
      preds.clear();
    }
    bool fits = preds.size() == sets.size();
    for (size_t s = 0; fits && s < sets.size(); ++s)
      fits = preds[s].dim() == 1 && preds[s].size(0) == sets[s].data->images.size(0) &&
             preds[s].scalar_type() == torch::kLong;
    if (!fits) preds.clear();
  }
  if (preds.empty()) {
    for (const auto& s : sets) {
      const torch::Tensor* known = memo.find(s.data->images);
      preds.push_back(known ? *known : model.predict(s.data->images));
    }
    if (enabled_) {
      try {
        fs::create_directories(dir_);
        const std::string tmp = temp_path_for(path);
        std::vector<torch::Tensor> cpu;
        for (const auto& p : preds) cpu.push_back(p.to(torch::kCPU));
        torch::save(cpu, tmp);
        commit_temp(tmp, path);
      } catch (const std::exception& e) {
        // A read-only or full cache costs time, never the run.
        spdlog::warn("cannot keep the original predictions in '{}': {}", dir_, e.what());
      }
    }
  }
  // (Stored on the CPU, where predict() returns labels for data kept on the CPU.)
  for (size_t s = 0; s < sets.size(); ++s)
    if (!memo.find(sets[s].data->images)) memo.put(sets[s].data->images, preds[s]);
  return preds;
}

}  // namespace mutagen::internal
