// From a run's plan and records to its report: the second half of a mutation run, shared by the
// unsharded run and `mutagen merge`.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>

#include "mutagen/error.h"
#include "run_records.h"
#include "scoring.h"
#include "verdicts.h"

namespace mutagen::internal {

namespace {

// Per-input verdicts of one configuration: per set, how many instances get each input right.
std::vector<int64_t> count_correct(const std::vector<const InstanceResult*>& results, size_t set) {
  std::vector<int64_t> counts;
  for (const InstanceResult* r : results) {
    const std::string& s = r->correct[set];
    if (counts.empty()) counts.assign(s.size(), 0);
    for (size_t j = 0; j < s.size() && j < counts.size(); ++j) counts[j] += s[j] == '1';
  }
  return counts;
}

double share_correct(const std::string& s) {
  if (s.empty()) return std::nan("");
  return static_cast<double>(std::count(s.begin(), s.end(), '1')) / static_cast<double>(s.size());
}

const InstanceResult& record_of(const std::map<std::pair<int64_t, int64_t>, InstanceResult>& m,
                                int64_t config, int64_t instance, const std::string& id) {
  auto it = m.find({config, instance});
  if (it == m.end())
    throw Error("no result for mutant " + id + " (configuration " + std::to_string(config) +
                ") on instance " + std::to_string(instance));
  return it->second;
}

void check_shape(const InstanceResult& r, size_t tests, size_t sets, const std::string& what) {
  if (r.outcomes.size() != tests || r.correct.size() != sets)
    throw Error(what + ": the result has " + std::to_string(r.outcomes.size()) + " tests and " +
                std::to_string(r.correct.size()) + " sets, expected " + std::to_string(tests) +
                " and " + std::to_string(sets));
  for (const auto& per_set : r.outcomes)
    if (per_set.size() != sets)
      throw Error(what + ": a test has " + std::to_string(per_set.size()) +
                  " set outcomes, expected " + std::to_string(sets));
}

// A test whose measure is NaN on every original instance cannot kill anything: its verdicts all
// say "insufficient". That is nearly always a bug in the test (a measure of an empty subset, a
// wrong class id), so it is said once per test and set instead of hiding in the verdict table.
void warn_unmeasured(const Report& report) {
  std::set<std::pair<std::string, std::string>> warned;
  for (const auto& m : report.mutants)
    for (const auto& v : m.verdicts) {
      if (v.original.empty() || warned.count({v.test, v.test_set})) continue;
      if (!std::all_of(v.original.begin(), v.original.end(),
                       [](double x) { return std::isnan(x); }))
        continue;
      warned.insert({v.test, v.test_set});
      spdlog::warn(
          "test '{}' measured {} as NaN on every original instance on '{}': its verdicts cannot "
          "decide (check what it measures)",
          v.test, v.metric.empty() ? "its value" : "'" + v.metric + "'", v.test_set);
    }
}

}  // namespace

Report assemble_report(const RunPlan& plan, const RunRecords& records) {
  Report report = plan.header;
  report.mutants.clear();
  report.scores.clear();
  report.errors.clear();
  report.skipped.clear();
  report.resumed = records.resumed;
  const int64_t n = report.instances;
  const auto& sets = report.test_sets;
  const auto& tests = plan.tests;

  std::vector<const InstanceResult*> original;
  for (int64_t i = 0; i < n; ++i) {
    auto it = records.originals.find(i);
    if (it == records.originals.end())
      throw Error("no result for original instance " + std::to_string(i));
    check_shape(it->second, tests.size(), sets.size(), "original instance " + std::to_string(i));
    original.push_back(&it->second);
    for (size_t t = 0; t < tests.size(); ++t)
      for (size_t s = 0; s < sets.size(); ++s) {
        const Outcome& o = it->second.outcomes[t][s];
        if (o.error || o.timeout)
          report.errors.push_back("original instance " + std::to_string(i) + ": " + tests[t] +
                                  " on '" + sets[s] + "': " + o.message);
      }
  }

  for (size_t ci = 0; ci < plan.configs.size(); ++ci) {
    const PlannedConfig& cfg = plan.configs[ci];
    if (auto f = records.failures.find(static_cast<int64_t>(ci)); f != records.failures.end()) {
      (f->second.skipped ? report.skipped : report.errors)
          .push_back(cfg.id + ": " + f->second.message);
      continue;
    }
    MutantReport mr;
    mr.id = cfg.id;
    mr.operator_name = cfg.operator_name;
    mr.options = cfg.options;
    mr.cls = cfg.cls;
    mr.cluster = cfg.cluster;
    std::vector<const InstanceResult*> mutant;
    std::vector<InstanceTargeting> targeting;
    for (int64_t i = 0; i < n; ++i) {
      mutant.push_back(&record_of(records.mutants, static_cast<int64_t>(ci), i, cfg.id));
      check_shape(*mutant.back(), tests.size(), sets.size(),
                  "mutant " + cfg.id + " instance " + std::to_string(i));
      targeting.push_back(mutant.back()->targeting);
    }
    summarise_targeting(targeting, mr);
    if (report.kill_criterion == "per-input") {
      for (size_t s = 0; s < sets.size(); ++s) {
        Verdict v = decide_per_input(sets[s], count_correct(original, s), count_correct(mutant, s),
                                     n, plan.kill);
        for (int64_t i = 0; i < n; ++i) {
          v.original.push_back(share_correct(original[i]->correct[s]));
          v.mutant.push_back(share_correct(mutant[i]->correct[s]));
        }
        mr.verdicts.push_back(std::move(v));
      }
    } else {
      for (size_t t = 0; t < tests.size(); ++t)
        for (size_t s = 0; s < sets.size(); ++s) {
          std::vector<const Outcome*> o, m;
          for (int64_t i = 0; i < n; ++i) {
            o.push_back(&original[i]->outcomes[t][s]);
            m.push_back(&mutant[i]->outcomes[t][s]);
          }
          for (auto& v : decide(tests[t], sets[s], o, m, plan.kill))
            mr.verdicts.push_back(std::move(v));
        }
    }
    for (const auto& v : mr.verdicts)
      if (v.test_set == "train" && v.killed) mr.killable = true;
    report.mutants.push_back(std::move(mr));
  }

  // The scored sets are the subject's test sets: every set but the training data (the first).
  std::vector<std::string> scored(sets.begin() + (sets.empty() ? 0 : 1), sets.end());
  score(report, scored, plan.gated);
  warn_unmeasured(report);
  return report;
}

}  // namespace mutagen::internal
