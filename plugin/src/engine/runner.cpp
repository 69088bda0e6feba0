// The mutation run: originals and mutants through the user's tests, kill decisions, scores,
// reports.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "evaluation.h"
#include "mutagen/error.h"
#include "mutagen/hash.h"
#include "mutagen/mutant_cache.h"
#include "mutagen/mutation_test.h"
#include "mutagen/mutators/mutator.h"
#include "mutagen/random.h"
#include "mutagen/reporters/registry.h"
#include "mutagen/reporters/reporter.h"
#include "progress.h"
#include "registry.h"
#include "run_journal.h"
#include "scoring.h"
#include "selection.h"
#include "targeting.h"
#include "verdicts.h"

namespace mutagen {
namespace internal {
namespace {

// An original's test bodies have no reference time; this bounds a hang in one of them.
constexpr double kOriginalTimeoutSeconds = 1800;

struct MutantConfig {
  std::shared_ptr<Mutator> mutator;
  int64_t cls = -1;
  int64_t cluster = -1;
};

// What one instance (original or mutant) did: its test outcomes and, per set, which inputs it
// classifies correctly ('1'/'0' per input; the per-input criterion counts them over instances).
struct InstanceResult {
  Outcomes outcomes;
  std::vector<std::string> correct;
  InstanceTargeting targeting;
  bool cached = false;

  nlohmann::json to_json() const {
    return {{"outcomes", outcomes_to_json(outcomes)},
            {"correct", correct},
            {"targeting", targeting.to_json()},
            {"cached", cached}};
  }
  static InstanceResult from_json(const nlohmann::json& j) {
    InstanceResult r;
    r.outcomes = outcomes_from_json(j.at("outcomes"));
    r.correct = j.at("correct").get<std::vector<std::string>>();
    r.targeting = InstanceTargeting::from_json(j.at("targeting"));
    r.cached = j.at("cached");
    return r;
  }
};

std::string correct_string(const torch::Tensor& pred, const Dataset& data) {
  const torch::Tensor ok = pred.eq(data.labels).to(torch::kCPU).to(torch::kBool).contiguous();
  const bool* p = ok.data_ptr<bool>();
  std::string s(static_cast<size_t>(ok.numel()), '0');
  for (size_t j = 0; j < s.size(); ++j)
    if (p[j]) s[j] = '1';
  return s;
}

// One forward pass per data set; the tests' predictions() calls are served from the memo.
std::vector<torch::Tensor> predict_sets(const Model& model, const std::vector<NamedData>& sets,
                                        PredictionMemo& memo) {
  std::vector<torch::Tensor> preds;
  for (const auto& s : sets) {
    if (const torch::Tensor* known = memo.find(s.data->images)) {
      preds.push_back(*known);
      continue;
    }
    preds.push_back(model.predict(s.data->images));
    memo.put(s.data->images, preds.back());
  }
  return preds;
}

std::string run_fingerprint(const Subject& subject, const std::vector<std::string>& fingerprints,
                            const std::vector<const RegisteredTest*>& tests,
                            const std::vector<NamedData>& sets,
                            const std::vector<MutantConfig>& configs,
                            const std::string& training_hash) {
  Hasher h;
  h.str("mutagen-run-v1").str(executable_identity()).str(subject.name());
  for (const auto& f : fingerprints) h.str(f);
  for (const RegisteredTest* t : tests) h.str(t->full_name());
  for (const auto& s : sets) h.str(s.name).tensor(s.data->images).tensor(s.data->labels);
  for (const auto& c : configs)
    h.str(c.mutator->name())
        .str(c.mutator->options().dump())
        .str(c.mutator->version())
        .u64(static_cast<uint64_t>(c.cls))
        .u64(static_cast<uint64_t>(c.cluster));
  h.str(training_hash).f64(subject.heldout()).f64(subject.other_ratio()).u64(subject.seed());
  h.f64(flags().timeout >= 0 ? flags().timeout : subject.test_timeout());
  h.f64(subject.timeout_factor()).f64(subject.timeout_floor());
  return h.hex();
}

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

struct Analysis {
  Report report;
  int exit_code = 0;
  std::string journal;  // removed once the report is written
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

Analysis analyse(const std::string& subject_name, const std::vector<const RegisteredTest*>& tests) {
  const auto started = std::chrono::steady_clock::now();
  const Subject& subject = subject_instance(subject_name);
  subject.validate();
  const auto& instances = subject.resolved_instances();
  const auto& clusters = subject.resolved_clusters();
  const Dataset& training = subject.training();
  const int64_t n = static_cast<int64_t>(instances.size());

  std::vector<NamedData> sets{{"train", &training}};
  for (const auto& s : subject.test_sets()) sets.push_back({s.name, &s.data});
  const size_t eval_index = 1;  // the first test set: other classes' accuracy
  const Dataset& eval_set = *sets[eval_index].data;
  const KillOptions kill = subject.kill_options();

  Report report;
  report.subject = subject.name();
  report.alpha = subject.alpha();
  report.effect_size = subject.effect_size();
  report.alternative = alternative_name(subject.alternative());
  report.kill_criterion =
      subject.kill_criterion() == KillCriterion::kPerInput ? "per-input" : "wilcoxon-cohen";
  report.power_effect_size = subject.power_effect_size();
  report.instances = n;
  for (const auto& s : sets) report.test_sets.push_back(s.name);
  report.threshold = flags().min_score >= 0 ? flags().min_score : subject.min_score();
  report.thresholds.high =
      flags().threshold_high >= 0 ? flags().threshold_high : subject.threshold_high();
  report.thresholds.low =
      flags().threshold_low >= 0 ? flags().threshold_low : subject.threshold_low();

  spdlog::info("subject '{}': {} instances, {} tests, test sets: {}; kills: {}, {}", subject.name(),
               n, tests.size(), fmt::join(report.test_sets, ", "), report.kill_criterion,
               report.alternative);

  std::vector<MutantConfig> configs;
  for (const auto& m : subject.mutators()) {
    if (!m->targeted()) {
      configs.push_back({m, -1, -1});
      continue;
    }
    for (int64_t c : subject.classes())
      for (int64_t k : clusters.for_class(c).cluster_ids()) configs.push_back({m, c, k});
  }
  std::vector<std::string> fingerprints(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) fingerprints[i] = instances[i].fingerprint();
  report.original_fingerprints = fingerprints;
  const std::string training_hash = Hasher().tensor(training.images).tensor(training.labels).hex();
  RunJournal journal(subject.cache_dir(),
                     run_fingerprint(subject, fingerprints, tests, sets, configs, training_hash));
  Progress progress(n + static_cast<int64_t>(configs.size()) * n);

  // Originals: the same isolated evaluation as the mutants get.
  std::vector<InstanceResult> original(static_cast<size_t>(n));
  std::vector<std::vector<torch::Tensor>> original_pred(static_cast<size_t>(n));
  std::vector<torch::Tensor> train_correct(static_cast<size_t>(n));
  const double fixed_timeout = flags().timeout >= 0 ? flags().timeout : subject.test_timeout();
  const double original_limit = fixed_timeout > 0 ? fixed_timeout : kOriginalTimeoutSeconds;
  const std::vector<std::vector<double>> original_timeouts(
      tests.size(), std::vector<double>(sets.size(), original_limit));
  for (int64_t i = 0; i < n; ++i) {
    PredictionMemo memo;
    original_pred[i] = predict_sets(instances[i], sets, memo);
    train_correct[i] = original_pred[i][0].eq(training.labels);
    if (auto j = journal.find(-1, i)) {
      original[i] = InstanceResult::from_json(*j);
      ++report.resumed;
    } else {
      original[i].outcomes = evaluate_isolated(instances[i], tests, sets, memo, original_timeouts);
      for (size_t s = 0; s < sets.size(); ++s)
        original[i].correct.push_back(correct_string(original_pred[i][s], *sets[s].data));
      journal.record(-1, i, original[i].to_json());
    }
    for (size_t t = 0; t < tests.size(); ++t)
      for (size_t s = 0; s < sets.size(); ++s) {
        const Outcome& o = original[i].outcomes[t][s];
        if (o.error || o.timeout)
          report.errors.push_back("original instance " + std::to_string(i) + ": " +
                                  tests[t]->full_name() + " on '" + sets[s].name +
                                  "': " + o.message);
      }
    progress.step("original instance " + std::to_string(i));
  }

  const double originals_seconds = seconds_since(started);

  // Per (test, set): a mutant's body may take factor x the slowest original's time + floor.
  std::vector<std::vector<double>> timeouts(tests.size(), std::vector<double>(sets.size()));
  for (size_t t = 0; t < tests.size(); ++t)
    for (size_t s = 0; s < sets.size(); ++s) {
      double slowest = 0;
      for (const auto& o : original) slowest = std::max(slowest, o.outcomes[t][s].seconds);
      timeouts[t][s] = fixed_timeout > 0
                           ? fixed_timeout
                           : subject.timeout_factor() * slowest + subject.timeout_floor();
    }

  MutantCache cache((std::filesystem::path(subject.cache_dir()) / "mutants").string(),
                    !flags().no_cache);
  for (size_t ci = 0; ci < configs.size(); ++ci) {
    const MutantConfig& cfg = configs[ci];
    MutantReport mr;
    mr.operator_name = cfg.mutator->name();
    mr.options = cfg.mutator->options();
    mr.cls = cfg.cls;
    mr.cluster = cfg.cluster;
    mr.id = mr.operator_name + "-c" + std::to_string(cfg.cls) + "-k" + std::to_string(cfg.cluster) +
            "-" + Hasher().str(mr.options.dump()).hex().substr(0, 8);
    std::vector<InstanceResult> mutant(static_cast<size_t>(n));
    bool failed = false;
    for (int64_t i = 0; i < n && !failed; ++i) {
      const uint64_t seed = derive_seed(
          subject.seed(),
          static_cast<uint64_t>((cfg.cls + 1) * 1000003 + (cfg.cluster + 1) * 1009 + i));
      if (auto j = journal.find(static_cast<int64_t>(ci), i)) {
        mutant[i] = InstanceResult::from_json(*j);
        ++report.resumed;
        progress.step(mr.id + " instance " + std::to_string(i) + " (resumed)");
        continue;
      }
      try {
        InputSelection sel;
        MutantKey key;
        key.original_fingerprint = fingerprints[i];
        key.operator_name = mr.operator_name;
        key.options = mr.options;
        key.algorithm_version = cfg.mutator->version();
        key.cls = cfg.cls;
        key.cluster = cfg.cluster;
        key.heldout_fraction = subject.heldout();
        key.other_classes_ratio = subject.other_ratio();
        key.training_data = training_hash;
        key.seed = seed;
        if (cfg.cls >= 0) {
          const ClassClusters& cc = clusters.for_class(cfg.cls);
          sel = select_inputs(train_correct[i], training.labels, cc, cfg.cluster, subject.heldout(),
                              subject.other_ratio(), seed);
          key.members = cc.members(cfg.cluster);
          if (sel.neg.empty())
            throw Error("class " + std::to_string(cfg.cls) + " cluster " +
                        std::to_string(cfg.cluster) + ": original instance " + std::to_string(i) +
                        " classifies none of the cluster's members correctly (I_neg is empty): no "
                        "targeted mutant can be made");
        }
        const MutationInputs inputs = make_inputs(training, sel, cfg.cls, cfg.cluster, seed);
        nlohmann::json meta = {
            {"operator", mr.operator_name}, {"options", mr.options}, {"class", cfg.cls},
            {"cluster", cfg.cluster},       {"instance", i},         {"i_neg", sel.neg.size()},
            {"i_pos", sel.pos.size()}};
        bool made = false;
        const Model m = cache.get_or_create(
            key,
            [&] {
              made = true;
              return cfg.mutator->mutate(instances[i], inputs);
            },
            meta, &mutant[i].cached);
        // A cached mutant loads on the CPU; it is evaluated where its original lives.
        if (m.device() != instances[i].device()) m.to(instances[i].device());
        // Model copies share tensors: a mutator that writes into the original's weights would
        // silently turn every later comparison into mutant vs mutant.
        if (made && instances[i].fingerprint() != fingerprints[i])
          throw Error(
              "mutator '" + mr.operator_name + "' changed original instance " + std::to_string(i) +
              " (its weights' fingerprint differs after mutate()); a mutator must clone() the "
              "original and change only the copy");
        PredictionMemo memo;
        const std::vector<torch::Tensor> pred = predict_sets(m, sets, memo);
        mutant[i].targeting =
            measure_targeting(sel, cfg.cls, pred[0], train_correct[i], training, pred[eval_index],
                              original_pred[i][eval_index], eval_set);
        describe_change(instances[i], m, mutant[i].targeting);
        mutant[i].outcomes = evaluate_isolated(m, tests, sets, memo, timeouts);
        for (size_t s = 0; s < sets.size(); ++s)
          mutant[i].correct.push_back(correct_string(pred[s], *sets[s].data));
        journal.record(static_cast<int64_t>(ci), i, mutant[i].to_json());
        progress.step(mr.id + " instance " + std::to_string(i) +
                      (mutant[i].cached ? " (cached)" : " (made)"));
      } catch (const NotApplicable& e) {
        report.skipped.push_back(mr.id + ": " + e.what());
        spdlog::warn("{}: skipped: {}", mr.id, e.what());
        failed = true;
      } catch (const std::exception& e) {
        report.errors.push_back(mr.id + ": " + e.what());
        spdlog::error("{}: {}", mr.id, e.what());
        failed = true;
      }
    }
    if (failed) continue;
    std::vector<InstanceTargeting> targeting;
    for (const auto& r : mutant) targeting.push_back(r.targeting);
    summarise_targeting(targeting, mr);
    if (subject.kill_criterion() == KillCriterion::kPerInput) {
      std::vector<const InstanceResult*> o, m;
      for (int64_t i = 0; i < n; ++i) o.push_back(&original[i]), m.push_back(&mutant[i]);
      for (size_t s = 0; s < sets.size(); ++s) {
        Verdict v =
            decide_per_input(sets[s].name, count_correct(o, s), count_correct(m, s), n, kill);
        for (int64_t i = 0; i < n; ++i) {
          v.original.push_back(share_correct(original[i].correct[s]));
          v.mutant.push_back(share_correct(mutant[i].correct[s]));
        }
        mr.verdicts.push_back(std::move(v));
      }
    } else {
      for (size_t t = 0; t < tests.size(); ++t)
        for (size_t s = 0; s < sets.size(); ++s) {
          std::vector<const Outcome*> o, m;
          for (int64_t i = 0; i < n; ++i) {
            o.push_back(&original[i].outcomes[t][s]);
            m.push_back(&mutant[i].outcomes[t][s]);
          }
          for (auto& v : decide(tests[t]->full_name(), sets[s].name, o, m, kill))
            mr.verdicts.push_back(std::move(v));
        }
    }
    for (const auto& v : mr.verdicts)
      if (v.test_set == "train" && v.killed) mr.killable = true;
    report.mutants.push_back(std::move(mr));
  }

  score(report, subject.test_sets(), subject.gated_test_sets());
  const double total_seconds = seconds_since(started);
  report.timings = {{"originals", originals_seconds},
                    {"mutants", total_seconds - originals_seconds},
                    {"total", total_seconds}};
  report.options = {{"tests", static_cast<int64_t>(tests.size())},
                    {"mutators", static_cast<int64_t>(subject.mutators().size())},
                    {"classes", subject.classes()},
                    {"test_timeout", fixed_timeout},
                    {"timeout_factor", subject.timeout_factor()},
                    {"timeout_floor", subject.timeout_floor()},
                    {"allow_undecided", subject.undecided_allowed() || flags().allow_undecided},
                    {"cache", !flags().no_cache},
                    {"cache_dir", subject.cache_dir()},
                    {"filter", GTEST_FLAG_GET(filter)}};
  Analysis a;
  a.exit_code = gate_exit_code(report, subject.undecided_allowed() || flags().allow_undecided);
  a.journal = journal.path();
  a.report = std::move(report);
  spdlog::info(
      "mutation run of '{}' took {}", subject.name(),
      format_duration(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()));
  return a;
}

}  // namespace
}  // namespace internal

int RunMutationAnalysis() {
  using namespace internal;
  const std::string filter = GTEST_FLAG_GET(filter);
  int exit_code = 0;
  int analysed = 0;
  std::vector<std::string> report_errors_after_run;
  const auto& subjects = registered_subjects();
  // Reporters are checked before anything runs: a typo must not cost a whole run.
  std::vector<std::unique_ptr<Reporter>> reporters;
  try {
    reporters = ReporterRegistry::global().create_list(flags().reporters);
  } catch (const std::exception& e) {
    std::cerr << "mutagen: error: --mutagen_reporters: " << e.what() << "\n";
    return 2;
  }
  for (const auto& [name, factory] : subjects) {
    if (!flags().subject.empty() && name != flags().subject) continue;
    std::vector<const RegisteredTest*> tests;
    for (const auto& t : registered_tests())
      if (t.subject == name && matches_filter(t.full_name(), filter)) tests.push_back(&t);
    if (tests.empty()) continue;
    ++analysed;
    try {
      Analysis a = analyse(name, tests);
      const Report& report = a.report;
      std::string path = flags().report;
      if (subjects.size() > 1) {
        const std::filesystem::path p(path);
        path =
            (p.parent_path() / (p.stem().string() + "-" + name + p.extension().string())).string();
      }
      std::string dir = flags().report_dir;
      if (dir.empty()) dir = std::filesystem::path(path).parent_path().string();
      if (dir.empty()) dir = ".";
      // report.json always (the journal's replacement and what `mutagen report` re-renders).
      write_json_report(report, path);
      spdlog::info("report written to {}", path);
      for (const auto& r : reporters) {
        if (r->name() == "json") continue;
        if (r->name() == "console") {
          print_console_report(report, std::cout);
          continue;
        }
        try {
          r->write(report, dir);
          spdlog::info("{} report written to {}", r->name(), dir);
        } catch (const std::exception& e) {
          report_errors_after_run.push_back(r->name() + " reporter: " + e.what());
        }
      }
      std::error_code ec;
      std::filesystem::remove(a.journal, ec);  // complete: a rerun starts afresh
      exit_code = std::max(exit_code, a.exit_code);
      for (const auto& e : report_errors_after_run) {
        std::cerr << "mutagen: error: " << e << "\n";
        exit_code = 2;
      }
      report_errors_after_run.clear();
    } catch (const std::exception& e) {
      std::cerr << "mutagen: error: subject '" << name << "': " << e.what() << "\n";
      exit_code = 2;
    }
  }
  if (analysed == 0) {
    std::cerr << "mutagen: error: no MUTATION_TEST matched (filter '" << filter << "'"
              << (flags().subject.empty() ? "" : ", subject '" + flags().subject + "'") << ")\n";
    return 2;
  }
  return exit_code;
}

}  // namespace mutagen
