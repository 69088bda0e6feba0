// `mutagen merge`: the partial reports of a sharded run -> the run's report (mutagen/merge.h).
#include "mutagen/merge.h"

#include <cmath>
#include <map>
#include <set>

#include "mutagen/error.h"
#include "mutagen/io.h"
#include "run_records.h"
#include "scoring.h"

namespace mutagen {

namespace {

using internal::Partial;

Partial read_partial(const std::string& path) {
  const std::string text = read_file(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    if (e.byte > text.size())
      throw Error("'" + path +
                  "': unexpected end of input, the file looks truncated (expected a whole partial "
                  "report written by a shard)");
    throw Error("'" + path + "': not JSON (" + e.what() + "; expected a partial report)");
  }
  return internal::partial_from_json(j, path);
}

// What differs between two runs' plans, for the message refusing to merge them.
std::string differences(const Partial& a, const Partial& b) {
  std::vector<std::string> d;
  const Report &x = a.plan.header, &y = b.plan.header;
  if (x.subject != y.subject) d.push_back("subject '" + x.subject + "' vs '" + y.subject + "'");
  if (x.original_fingerprints != y.original_fingerprints) d.push_back("the originals");
  if (a.plan.tests != b.plan.tests) d.push_back("the tests");
  if (x.test_sets != y.test_sets) d.push_back("the test sets");
  nlohmann::json ca = nlohmann::json::array(), cb = nlohmann::json::array();
  for (const auto& c : a.plan.configs) ca.push_back({c.id, c.options});
  for (const auto& c : b.plan.configs) cb.push_back({c.id, c.options});
  if (ca != cb) d.push_back("the mutators or their options");
  if (d.empty()) return "the test binary, the test data or the run's settings differ";
  std::string s;
  for (const auto& e : d) s += (s.empty() ? "" : ", ") + e;
  return s + " differ";
}

std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (int64_t x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return s;
}

}  // namespace

MergeResult merge_partial_reports(const std::vector<std::string>& paths,
                                  const MergeOptions& options) {
  if (paths.empty()) throw Error("merge: no partial reports given (expected PARTIAL.json...)");
  std::vector<Partial> parts;
  for (const auto& p : paths) parts.push_back(read_partial(p));
  const Partial& first = parts.front();
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].run != first.run)
      throw Error("'" + paths[i] + "' is a shard of another run than '" + paths[0] +
                  "' (run fingerprints " + parts[i].run.substr(0, 12) + " and " +
                  first.run.substr(0, 12) + ": " + differences(first, parts[i]) +
                  "); merge only the shards of one run");
    if (parts[i].shards != first.shards)
      throw Error("'" + paths[i] + "' is shard " + std::to_string(parts[i].shard) + " of " +
                  std::to_string(parts[i].shards) + " but '" + paths[0] + "' is of " +
                  std::to_string(first.shards) + " shards: expected one shard count");
  }
  std::map<int64_t, std::vector<std::string>> by_index;
  for (size_t i = 0; i < parts.size(); ++i) by_index[parts[i].shard].push_back(paths[i]);
  std::vector<int64_t> missing;
  std::string duplicated;
  for (int64_t k = 1; k <= first.shards; ++k) {
    auto it = by_index.find(k);
    if (it == by_index.end()) {
      missing.push_back(k);
    } else if (it->second.size() > 1) {
      duplicated += (duplicated.empty() ? "" : "; ") + std::string("shard ") + std::to_string(k) +
                    " given " + std::to_string(it->second.size()) + " times (";
      for (size_t f = 0; f < it->second.size(); ++f)
        duplicated += (f ? ", '" : "'") + it->second[f] + "'";
      duplicated += ")";
    }
  }
  if (!missing.empty() || !duplicated.empty())
    throw Error("merge of a run in " + std::to_string(first.shards) +
                " shards: " + (missing.empty() ? "" : "missing shard(s) " + join(missing)) +
                (!missing.empty() && !duplicated.empty() ? "; " : "") + duplicated +
                " (expected each of shards 1.." + std::to_string(first.shards) + " once)");

  internal::RunPlan plan = first.plan;
  internal::RunRecords records;
  std::map<std::string, double> seconds;
  for (const Partial& p : parts) {
    for (const auto& [i, r] : p.records.originals) records.originals.emplace(i, r);
    for (const auto& [key, r] : p.records.mutants) records.mutants.emplace(key, r);
    for (const auto& [c, f] : p.records.failures) records.fail(c, f);
    records.resumed += p.records.resumed;
    for (const auto& [k, v] : p.timings.items())
      if (v.is_number()) seconds[k] += v.get<double>();
  }
  if (std::isnan(options.min_score) || options.min_score > 1)
    throw Error("merge: min_score must be a mutation score in [0, 1] (or negative: the run's own)");
  if (options.min_score >= 0) plan.header.threshold = options.min_score;
  MergeResult m;
  try {
    m.report = internal::assemble_report(plan, records);
  } catch (const Error& e) {
    throw Error("merge: the partial reports lack results: " + std::string(e.what()) +
                " (a shard of this run was cut short or its file edited)");
  }
  m.report.timings = nlohmann::json::object();
  for (const auto& [k, v] : seconds) m.report.timings[k] = v;  // summed over the shards
  m.report.timings["shards"] = first.shards;
  m.shards = first.shards;
  m.exit_code = internal::gate_exit_code(m.report, plan.allow_undecided || options.allow_undecided);
  return m;
}

}  // namespace mutagen
