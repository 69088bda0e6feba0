// Arachne's options: JSON in and out, with named errors.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mutagen/error.h"
#include "mutagen/mutators/arachne.h"
#include "options_reader.h"

namespace mutagen {
namespace {

// Which options each mutator reads; "arachne" (the struct alone) takes them all.
const std::vector<std::string> kShared = {"layer", "count", "seed"};
const std::vector<std::string> kNoiseOnly = {"sigma", "target_misprediction"};
const std::vector<std::string> kDeOnly = {"population", "generations", "patience", "crossover",
                                          "f_min",      "f_max",       "clip",     "keep_weight",
                                          "balance",    "keep_margin", "neg_score"};

bool in(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The options `mutator` reads, and in `foreign` those only the other Arachne mutator reads
// ("arachne", the struct alone, reads them all).
std::vector<std::string> fields_of(const std::string& mutator, std::vector<std::string>* foreign) {
  const bool noise = mutator == ArachneNoiseMutator::kName, de = mutator == ArachneDeMutator::kName;
  std::vector<std::string> fields = kShared;
  auto add = [](std::vector<std::string>& to, const std::vector<std::string>& part) {
    to.insert(to.end(), part.begin(), part.end());
  };
  add(de ? *foreign : fields, kNoiseOnly);
  add(noise ? *foreign : fields, kDeOnly);
  return fields;
}

}  // namespace

nlohmann::json ArachneOptions::to_json(const std::string& mutator) const {
  std::vector<std::string> foreign;
  const std::vector<std::string> fields = fields_of(mutator, &foreign);
  nlohmann::json j = {{"layer", layer()},
                      {"count", count()},
                      {"sigma", sigma()},
                      {"target_misprediction", target_misprediction()},
                      {"population", population()},
                      {"generations", generations()},
                      {"patience", patience()},
                      {"crossover", crossover()},
                      {"f_min", f_min()},
                      {"f_max", f_max()},
                      {"clip", clip()},
                      {"seed", seed()}};
  // Written only when set, so that the options (and the cache keys made from them) of mutants
  // from before the option existed stay the same.
  if (keep_weight() != 1.0) j["keep_weight"] = keep_weight();
  if (balance()) j["balance"] = true;
  if (keep_margin() > 0) j["keep_margin"] = keep_margin();
  if (neg_score() != "loss") j["neg_score"] = neg_score();
  for (const auto& f : foreign) j.erase(f);
  return j;
}

ArachneOptions ArachneOptions::from_json(const nlohmann::json& j, const std::string& mutator) {
  std::vector<std::string> foreign;
  std::vector<std::string> fields = fields_of(mutator, &foreign);
  // The other Arachne mutator's options are read (a group, "arachne", passes the same options to
  // both) but do nothing here: said once, and left out of to_json and so of the cache key.
  if (j.is_object())
    for (const auto& [key, value] : j.items())
      if (in(foreign, key))
        spdlog::warn("{}: option '{}' is an option of {} and does nothing here", mutator, key,
                     mutator == ArachneNoiseMutator::kName ? ArachneDeMutator::kName
                                                           : ArachneNoiseMutator::kName);
  fields.insert(fields.end(), foreign.begin(), foreign.end());
  const internal::OptionsReader r(mutator, j, fields);
  ArachneOptions o;
  if (r.has("layer")) {
    // An index is accepted as a number or as a string ("3"); names and "auto" as strings.
    const nlohmann::json& v = r.raw("layer");
    if (v.is_number_integer() && v.get<int64_t>() >= 0) {
      o.layer(std::to_string(v.get<int64_t>()));
    } else if (v.is_string() && !v.get<std::string>().empty()) {
      o.layer(v.get<std::string>());
    } else {
      r.bad("layer", "a layer index >= 0, a layer name, or \"auto\"");
    }
  }
  if (r.has("count")) o.count(r.integer("count", 0));
  if (r.has("sigma")) o.sigma(r.number_in("sigma", 0, 1e6, /*lo_open=*/true));
  if (r.has("target_misprediction"))
    o.target_misprediction(r.number_in("target_misprediction", 0, 1));
  if (r.has("population")) o.population(r.integer("population", 4));
  if (r.has("generations")) o.generations(r.integer("generations", 0));
  if (r.has("patience")) o.patience(r.integer("patience", 1));
  if (r.has("crossover")) o.crossover(r.number_in("crossover", 0, 1));
  if (r.has("f_min")) o.f_min(r.number_in("f_min", 0, 2));
  if (r.has("f_max")) o.f_max(r.number_in("f_max", 0, 2));
  if (o.f_min() > o.f_max())
    r.bad("f_min", "a number <= f_max (" + std::to_string(o.f_max()) + ")");
  if (r.has("clip")) o.clip(r.boolean("clip"));
  if (r.has("keep_weight")) o.keep_weight(r.number_in("keep_weight", 0, 1e3, /*lo_open=*/true));
  if (r.has("balance")) o.balance(r.boolean("balance"));
  if (r.has("keep_margin")) o.keep_margin(r.number_in("keep_margin", 0, 1e3));
  if (r.has("neg_score")) {
    const nlohmann::json& v = r.raw("neg_score");
    if (!v.is_string() || (v != "loss" && v != "bounded"))
      r.bad("neg_score", "\"loss\" (SPEC eq. 4.11) or \"bounded\"");
    o.neg_score(v.get<std::string>());
  }
  if (r.has("seed")) o.seed(static_cast<uint64_t>(r.integer("seed", 0)));
  return o;
}

}  // namespace mutagen
