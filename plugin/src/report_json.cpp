// Report::to_json: the report.json format (field names are the public format; NaN/inf -> null).
#include <cmath>

#include "json_number.h"
#include "mutagen/report.h"

namespace mutagen {
namespace {

using internal::json_number;

nlohmann::json numbers(const std::vector<double>& values) {
  nlohmann::json a = nlohmann::json::array();
  for (double v : values) a.push_back(json_number(v));
  return a;
}

nlohmann::json verdict_json(const Verdict& v) {
  return {{"test", v.test},
          {"metric", v.metric},
          {"test_set", v.test_set},
          {"better", v.better},
          {"p_value", json_number(v.p_value)},
          {"cohens_d", json_number(v.cohens_d)},
          {"correlation", json_number(v.correlation)},
          {"power", json_number(v.power)},
          {"method", v.method},
          {"killed", v.killed},
          {"underpowered", v.underpowered},
          {"errors", v.errors},
          {"timeouts", v.timeouts},
          {"killing_inputs",
           v.killing_inputs >= 0 ? nlohmann::json(v.killing_inputs) : nlohmann::json(nullptr)},
          {"original", numbers(v.original)},
          {"mutant", numbers(v.mutant)}};
}

nlohmann::json mutant_json(const MutantReport& m) {
  nlohmann::json verdicts = nlohmann::json::array();
  for (const auto& v : m.verdicts) verdicts.push_back(verdict_json(v));
  return {{"id", m.id},
          {"operator", m.operator_name},
          {"options", m.options},
          {"class", m.cls},
          {"cluster", m.cluster},
          {"i_neg", m.i_neg},
          {"i_pos", m.i_pos},
          {"misprediction_neg", json_number(m.misprediction_neg)},
          {"misprediction_pos", json_number(m.misprediction_pos)},
          {"heldout_misprediction_neg", json_number(m.heldout_misprediction_neg)},
          {"heldout_misprediction_pos", json_number(m.heldout_misprediction_pos)},
          {"other_classes_accuracy_change", json_number(m.other_classes_accuracy_change)},
          {"other_classes_worst_change", json_number(m.other_classes_worst_change)},
          {"other_classes_worst_class", m.other_classes_worst_class},
          {"killable", m.killable},
          {"trivial", m.trivial},
          {"layer", m.layer},
          {"weights_changed", m.weights_changed},
          {"seconds_per_mutant", json_number(m.seconds_per_mutant)},
          {"verdicts", std::move(verdicts)}};
}

}  // namespace

nlohmann::json Report::to_json() const {
  nlohmann::json ms = nlohmann::json::array();
  for (const auto& m : mutants) ms.push_back(mutant_json(m));
  nlohmann::json ss = nlohmann::json::array();
  for (const auto& s : scores)
    ss.push_back({{"test_set", s.test_set},
                  {"killed", s.killed},
                  {"killable", s.killable},
                  {"score", json_number(s.score)},
                  {"gated", s.gated}});
  nlohmann::json j = {{"subject", subject},
                      {"alpha", json_number(alpha)},
                      {"effect_size", json_number(effect_size)},
                      {"instances", instances},
                      {"test_sets", test_sets},
                      {"mutants", std::move(ms)},
                      {"scores", std::move(ss)},
                      {"alternative", alternative},
                      {"kill_criterion", kill_criterion},
                      {"power_effect_size", json_number(power_effect_size)},
                      {"threshold", json_number(threshold)},
                      {"thresholds",
                       {{"high", json_number(thresholds.high)},
                        {"low", json_number(thresholds.low)},
                        {"break", json_number(threshold)}}},
                      {"decided", decided},
                      {"undecided_reason", undecided_reason},
                      {"passed", passed},
                      {"resumed", resumed},
                      {"errors", errors},
                      {"original_fingerprints", original_fingerprints},
                      {"options", options},
                      {"timings", timings},
                      {"format", kFormat}};
  // Only when there are some, so reports of runs without skipped mutants stay as they were.
  if (!skipped.empty()) j["skipped"] = skipped;
  return j;
}

}  // namespace mutagen
