#include "run_records.h"

#include <set>
#include <string>
#include <utility>

#include "mutagen/error.h"

namespace mutagen::internal {

nlohmann::json InstanceResult::to_json() const {
  return {{"outcomes", outcomes_to_json(outcomes)},
          {"correct", correct},
          {"targeting", targeting.to_json()},
          {"cached", cached}};
}

InstanceResult InstanceResult::from_json(const nlohmann::json& j) {
  InstanceResult r;
  r.outcomes = outcomes_from_json(j.at("outcomes"));
  r.correct = j.at("correct").get<std::vector<std::string>>();
  r.targeting = InstanceTargeting::from_json(j.at("targeting"));
  r.cached = j.at("cached");
  return r;
}

void RunRecords::fail(int64_t config, Failure f) {
  auto it = failures.find(config);
  if (it == failures.end() || f.instance < it->second.instance) failures[config] = std::move(f);
}

namespace {

nlohmann::json kill_to_json(const KillOptions& k) {
  return {{"alpha", k.alpha()},
          {"effect_size", k.effect_size()},
          {"min_power", k.min_power()},
          {"power_effect_size", k.power_effect_size()},
          {"zero_method", static_cast<int>(k.wilcoxon().zero_method())},
          {"correction", k.wilcoxon().correction()},
          {"alternative", static_cast<int>(k.wilcoxon().alternative())},
          {"mode", static_cast<int>(k.wilcoxon().mode())}};
}

KillOptions kill_from_json(const nlohmann::json& j) {
  return KillOptions()
      .alpha(j.at("alpha").get<double>())
      .effect_size(j.at("effect_size").get<double>())
      .min_power(j.at("min_power").get<double>())
      .power_effect_size(j.at("power_effect_size").get<double>())
      .wilcoxon(WilcoxonOptions()
                    .zero_method(static_cast<ZeroMethod>(j.at("zero_method").get<int>()))
                    .correction(j.at("correction").get<bool>())
                    .alternative(static_cast<Alternative>(j.at("alternative").get<int>()))
                    .mode(static_cast<WilcoxonMode>(j.at("mode").get<int>())));
}

// Runs `read`; a JSON type or key error becomes a mutagen::Error naming the file and the field.
template <class F>
auto named(const std::string& source, const std::string& field, const std::string& expected,
           F&& read) {
  try {
    return read();
  } catch (const nlohmann::json::exception& e) {
    // "[json.exception.type_error.302] type must be number, but is string": the library's tag
    // means nothing to a reader, its text does.
    std::string what = e.what();
    if (const size_t tag = what.find("] ");
        what.rfind("[json.exception.", 0) == 0 && tag != what.npos)
      what = what.substr(tag + 2);
    throw Error("'" + source + "': field '" + field + "': " + what + " (expected " + expected +
                ")");
  }
}

}  // namespace

nlohmann::json to_partial_json(const Partial& p) {
  nlohmann::json configs = nlohmann::json::array();
  for (const auto& c : p.plan.configs)
    configs.push_back({{"id", c.id},
                       {"operator", c.operator_name},
                       {"options", c.options},
                       {"class", c.cls},
                       {"cluster", c.cluster}});
  nlohmann::json originals = nlohmann::json::array();
  for (const auto& [i, r] : p.records.originals)
    originals.push_back({{"instance", i}, {"result", r.to_json()}});
  nlohmann::json mutants = nlohmann::json::array();
  for (const auto& [key, r] : p.records.mutants)
    mutants.push_back({{"config", key.first}, {"instance", key.second}, {"result", r.to_json()}});
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& [c, f] : p.records.failures)
    failures.push_back(
        {{"config", c}, {"instance", f.instance}, {"skipped", f.skipped}, {"message", f.message}});
  return {{"format", kPartialFormat},
          {"run", p.run},
          {"shard", p.shard},
          {"shards", p.shards},
          {"header", p.plan.header.to_json()},
          {"tests", p.plan.tests},
          {"gated", p.plan.gated},
          {"kill", kill_to_json(p.plan.kill)},
          {"allow_undecided", p.plan.allow_undecided},
          {"configs", configs},
          {"originals", originals},
          {"mutants", mutants},
          {"failures", failures},
          {"resumed", p.records.resumed},
          {"timings", p.timings}};
}

Partial partial_from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object() || !j.contains("format") || j["format"] != kPartialFormat)
    throw Error("'" + source + "': field 'format': expected \"" + std::string(kPartialFormat) +
                "\" (a partial report written by a shard: --mutagen_shard=k/n)");
  Partial p;
  p.run = named(source, "run", "the run fingerprint, a string",
                [&] { return j.at("run").get<std::string>(); });
  p.shard = named(source, "shard", "the shard index, a whole number",
                  [&] { return j.at("shard").get<int64_t>(); });
  p.shards = named(source, "shards", "the shard count, a whole number",
                   [&] { return j.at("shards").get<int64_t>(); });
  if (p.shards < 1)
    throw Error("'" + source + "': field 'shards': expected at least 1, got " +
                std::to_string(p.shards));
  if (p.shard < 1 || p.shard > p.shards)
    throw Error("'" + source + "': field 'shard': expected 1.." + std::to_string(p.shards) +
                ", got " + std::to_string(p.shard));
  p.plan.header = Report::from_json(
      named(source, "header", "the report's header, an object", [&] { return j.at("header"); }),
      source + " (header)");
  p.plan.tests = named(source, "tests", "test names, strings",
                       [&] { return j.at("tests").get<std::vector<std::string>>(); });
  p.plan.gated = named(source, "gated", "test set names, strings",
                       [&] { return j.at("gated").get<std::vector<std::string>>(); });
  p.plan.kill = named(source, "kill", "the kill rule's options",
                      [&] { return kill_from_json(j.at("kill")); });
  p.plan.allow_undecided = named(source, "allow_undecided", "true or false",
                                 [&] { return j.at("allow_undecided").get<bool>(); });
  const auto& configs = named(source, "configs", "an array",
                              [&]() -> const nlohmann::json& { return j.at("configs"); });
  for (size_t c = 0; c < configs.size(); ++c)
    p.plan.configs.push_back(
        named(source, "configs[" + std::to_string(c) + "]",
              "{id, operator, options, class, cluster}", [&] {
                const auto& x = configs.at(c);
                return PlannedConfig{x.at("id").get<std::string>(),
                                     x.at("operator").get<std::string>(), x.at("options"),
                                     x.at("class").get<int64_t>(), x.at("cluster").get<int64_t>()};
              }));
  const int64_t n = p.plan.header.instances;
  const int64_t nc = static_cast<int64_t>(p.plan.configs.size());
  // Originals are config -1; mutants and failures name a configuration (0..).
  auto check = [&](const std::string& field, int64_t lowest, int64_t config, int64_t instance) {
    if (instance < 0 || instance >= n || config < lowest || config >= nc)
      throw Error("'" + source + "': field '" + field + "': (config " + std::to_string(config) +
                  ", instance " + std::to_string(instance) + ") is outside the run's " +
                  std::to_string(nc) + " configurations x " + std::to_string(n) + " instances");
  };
  // A result as the run wrote it: once per (configuration, instance), each input's correctness a
  // character '0' or '1' (a hand-edited file could hold anything else and shift the verdicts).
  auto take = [&](const std::string& field, std::set<std::pair<int64_t, int64_t>>& seen,
                  int64_t config, int64_t instance, const nlohmann::json& result) {
    if (!seen.emplace(config, instance).second)
      throw Error("'" + source + "': field '" + field + "': the result of (config " +
                  std::to_string(config) + ", instance " + std::to_string(instance) +
                  ") is listed twice, expected it once");
    InstanceResult r = InstanceResult::from_json(result);
    for (size_t s = 0; s < r.correct.size(); ++s)
      if (r.correct[s].find_first_not_of("01") != std::string::npos)
        throw Error("'" + source + "': field '" + field + ".result.correct[" + std::to_string(s) +
                    "]': expected a string of 0 and 1 (one per input)");
    return r;
  };
  std::set<std::pair<int64_t, int64_t>> seen;
  const auto& originals = named(source, "originals", "an array",
                                [&]() -> const nlohmann::json& { return j.at("originals"); });
  for (size_t r = 0; r < originals.size(); ++r) {
    const std::string field = "originals[" + std::to_string(r) + "]";
    named(source, field, "{instance, result}", [&] {
      const int64_t i = originals.at(r).at("instance").get<int64_t>();
      check(field, -1, -1, i);
      p.records.originals[i] = take(field, seen, -1, i, originals.at(r).at("result"));
      return 0;
    });
  }
  const auto& mutants = named(source, "mutants", "an array",
                              [&]() -> const nlohmann::json& { return j.at("mutants"); });
  for (size_t r = 0; r < mutants.size(); ++r) {
    const std::string field = "mutants[" + std::to_string(r) + "]";
    named(source, field, "{config, instance, result}", [&] {
      const int64_t c = mutants.at(r).at("config").get<int64_t>();
      const int64_t i = mutants.at(r).at("instance").get<int64_t>();
      check(field, 0, c, i);
      p.records.mutants[{c, i}] = take(field, seen, c, i, mutants.at(r).at("result"));
      return 0;
    });
  }
  const auto& failures = named(source, "failures", "an array",
                               [&]() -> const nlohmann::json& { return j.at("failures"); });
  for (size_t r = 0; r < failures.size(); ++r) {
    const std::string field = "failures[" + std::to_string(r) + "]";
    named(source, field, "{config, instance, skipped, message}", [&] {
      const auto& f = failures.at(r);
      const int64_t c = f.at("config").get<int64_t>();
      const int64_t i = f.at("instance").get<int64_t>();
      check(field, 0, c, i);
      p.records.fail(c, {i, f.at("skipped").get<bool>(), f.at("message").get<std::string>()});
      return 0;
    });
  }
  p.records.resumed =
      named(source, "resumed", "a whole number", [&] { return j.value("resumed", int64_t{0}); });
  p.timings = j.value("timings", nlohmann::json::object());
  return p;
}

}  // namespace mutagen::internal
