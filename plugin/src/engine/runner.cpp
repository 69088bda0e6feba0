// One subject's mutation run: originals and mutants through the user's tests (runner.h). What the
// run measures goes into RunRecords; assemble_report() (assemble.cpp) makes the report from them,
// here for an unsharded run and in `mutagen merge` for the partial reports of shards.
#include "runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>

#include "elapsed.h"
#include "evaluation.h"
#include "mutagen/error.h"
#include "mutagen/hash.h"
#include "mutagen/mutant_cache.h"
#include "mutagen/mutation_test.h"
#include "mutagen/mutators/mutator.h"
#include "mutagen/progress.h"
#include "mutagen/random.h"
#include "prediction_store.h"
#include "preprocessing_check.h"
#include "run_journal.h"
#include "run_records.h"
#include "scoring.h"
#include "selection.h"
#include "targeting.h"
#include "verdicts.h"

namespace mutagen::internal {
namespace {

// An original's test bodies have no reference time; this bounds a hang in one of them.
constexpr double kOriginalTimeoutSeconds = 1800;

struct MutantConfig {
  std::shared_ptr<Mutator> mutator;
  int64_t cls = -1;
  int64_t cluster = -1;
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

// Everything that changes a result; `code` identifies the test binary.
std::string run_fingerprint(const Subject& subject, const std::vector<std::string>& fingerprints,
                            const std::vector<const RegisteredTest*>& tests,
                            const std::string& sets_hash, const std::vector<MutantConfig>& configs,
                            const std::string& training_hash, const std::string& code) {
  Hasher h;
  h.str("mutagen-run-v1").str(code).str(subject.name());
  for (const auto& f : fingerprints) h.str(f);
  for (const RegisteredTest* t : tests) h.str(t->full_name());
  h.str(sets_hash);  // hash_sets(): the sets' names and content
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

// The report's header: everything but mutants, scores and errors.
Report report_header(const Subject& subject, const std::vector<NamedData>& sets, int64_t n,
                     size_t tests, double fixed_timeout) {
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
  report.options = {{"tests", static_cast<int64_t>(tests)},
                    {"mutators", static_cast<int64_t>(subject.mutators().size())},
                    {"classes", subject.classes()},
                    {"test_timeout", fixed_timeout},
                    {"timeout_factor", subject.timeout_factor()},
                    {"timeout_floor", subject.timeout_floor()},
                    {"allow_undecided", subject.undecided_allowed() || flags().allow_undecided},
                    {"cache", !flags().no_cache},
                    {"cache_dir", subject.cache_dir()},
                    {"filter", GTEST_FLAG_GET(filter)}};
  return report;
}

}  // namespace

Analysis analyse(const std::string& subject_name, const std::vector<const RegisteredTest*>& tests,
                 const ShardSpec& shard) {
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
  const double fixed_timeout = flags().timeout >= 0 ? flags().timeout : subject.test_timeout();

  RunPlan plan;
  plan.header = report_header(subject, sets, n, tests.size(), fixed_timeout);
  for (const RegisteredTest* t : tests) plan.tests.push_back(t->full_name());
  plan.gated = subject.gated_test_sets();
  plan.kill = subject.kill_options();
  plan.allow_undecided = subject.undecided_allowed() || flags().allow_undecided;
  spdlog::info("subject '{}': {} instances, {} tests, test sets: {}; kills: {}, {}", subject.name(),
               n, tests.size(), fmt::join(plan.header.test_sets, ", "), plan.header.kill_criterion,
               plan.header.alternative);

  std::vector<MutantConfig> configs;
  for (size_t mi = 0; mi < subject.mutators().size(); ++mi) {
    const auto& m = subject.mutators()[mi];
    if (!m->targeted()) {
      configs.push_back({m, -1, -1});
      continue;
    }
    for (int64_t c : subject.classes()) {
      if (!subject.mutator_targets(mi, c)) continue;
      for (int64_t k : clusters.for_class(c).cluster_ids()) configs.push_back({m, c, k});
    }
  }
  for (const auto& c : configs) {
    PlannedConfig p{"", c.mutator->name(), c.mutator->options(), c.cls, c.cluster};
    p.id = p.operator_name + "-c" + std::to_string(c.cls) + "-k" + std::to_string(c.cluster) + "-" +
           Hasher().str(p.options.dump()).hex().substr(0, 8);
    plan.configs.push_back(std::move(p));
  }
  std::vector<std::string> fingerprints(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) fingerprints[i] = instances[i].fingerprint();
  plan.header.original_fingerprints = fingerprints;
  const std::string training_hash = Hasher().tensor(training.images).tensor(training.labels).hex();
  const std::string sets_hash = hash_sets(sets);  // hashed once: tens of MB of images
  const std::string fingerprint = run_fingerprint(subject, fingerprints, tests, sets_hash, configs,
                                                  training_hash, executable_identity());

  // The work items, instance by instance: the original's evaluation, then its mutants.
  std::vector<WorkItem> items;
  for (int64_t i = 0; i < n; ++i) {
    items.push_back({-1, i, kEvaluationCost});
    for (size_t ci = 0; ci < configs.size(); ++ci)
      items.push_back(
          {static_cast<int64_t>(ci), i,
           kEvaluationCost +
               (configs[ci].mutator->targeted() ? kTargetedMutantCost : kUntargetedMutantCost)});
  }
  std::set<std::pair<int64_t, int64_t>> owned;
  if (shard.active()) {
    const std::vector<int64_t> assigned = assign_shards(items, shard.count);
    for (size_t w = 0; w < items.size(); ++w)
      if (assigned[w] == shard.index) owned.insert({items[w].config, items[w].instance});
    spdlog::info("shard {} of {} (from {}): {} of {} work items", shard.index, shard.count,
                 shard.source, owned.size(), items.size());
  } else {
    for (const auto& w : items) owned.insert({w.config, w.instance});
  }
  auto owns = [&](int64_t config, int64_t i) { return owned.count({config, i}) > 0; };
  std::set<int64_t> touched;  // the instances this process works on
  for (const auto& [config, i] : owned) touched.insert(i);

  check_cache_folder(subject.cache_dir());
  // --mutagen_no_cache starts afresh: no mutant, prediction or interrupted run is reused.
  RunJournal journal(subject.cache_dir(),
                     shard.active() ? fingerprint + "-shard-" + std::to_string(shard.index) +
                                          "-of-" + std::to_string(shard.count)
                                    : fingerprint,
                     /*resume=*/!flags().no_cache);
  ProgressLog progress("run", static_cast<int64_t>(owned.size()));
  RunRecords records;

  // Originals: the same isolated evaluation as the mutants get. A shard predicts with the originals
  // of its instances (their mutants' inputs depend on them); only the owner runs the tests.
  std::vector<std::vector<torch::Tensor>> original_pred(static_cast<size_t>(n));
  std::vector<torch::Tensor> train_correct(static_cast<size_t>(n));
  const double original_limit = fixed_timeout > 0 ? fixed_timeout : kOriginalTimeoutSeconds;
  const std::vector<std::vector<double>> original_timeouts(
      tests.size(), std::vector<double>(sets.size(), original_limit));
  PredictionStore original_predictions(
      (std::filesystem::path(subject.cache_dir()) / "predictions").string(), !flags().no_cache);
  // The evaluation proper (forward passes and test bodies, originals and mutants), against which
  // bench/run_evaluation_bench.sh sets a plain forward pass of the same data: the floor.
  double evaluation_seconds = 0;
  int64_t evaluations = 0;  // (model, data set) pairs
  auto timed = [&](auto&& f) {
    const auto begun = std::chrono::steady_clock::now();
    auto result = f();
    evaluation_seconds += seconds_since(begun);
    return result;
  };
  bool preprocessing_checked = false;
  for (int64_t i = 0; i < n; ++i) {
    if (!touched.count(i)) continue;
    PredictionMemo memo;
    original_pred[i] = timed([&] {
      return original_predictions.get_or_predict(instances[i], fingerprints[i], sets, sets_hash,
                                                 memo);
    });
    evaluations += static_cast<int64_t>(sets.size());
    train_correct[i] = original_pred[i][0].eq(training.labels);
    // The usual preprocessings are tried on one instance: the others were trained alike.
    if (!preprocessing_checked) {
      check_preprocessing(instances[i], training, train_correct[i],
                          "original instance " + std::to_string(i));
      preprocessing_checked = true;
    } else {
      warn_if_inaccurate(train_correct[i], "original instance " + std::to_string(i), training.name);
    }
    if (!owns(-1, i)) continue;
    InstanceResult& r = records.originals[i];
    if (auto j = journal.find(-1, i)) {
      r = InstanceResult::from_json(*j);
      ++records.resumed;
    } else {
      r.outcomes = timed(
          [&] { return evaluate_isolated(instances[i], tests, sets, memo, original_timeouts); });
      for (size_t s = 0; s < sets.size(); ++s)
        r.correct.push_back(correct_string(original_pred[i][s], *sets[s].data));
      journal.record(-1, i, r.to_json());
    }
    progress.step("original instance " + std::to_string(i));
  }

  const double originals_seconds = seconds_since(started);

  // Per (test, set): a mutant's body may take factor x the slowest original's time + floor (in a
  // shard: the slowest of the originals it evaluated; none: the originals' own limit).
  std::vector<std::vector<double>> timeouts(tests.size(), std::vector<double>(sets.size()));
  for (size_t t = 0; t < tests.size(); ++t)
    for (size_t s = 0; s < sets.size(); ++s) {
      double slowest = 0;
      for (const auto& [i, o] : records.originals)
        slowest = std::max(slowest, o.outcomes[t][s].seconds);
      timeouts[t][s] = fixed_timeout > 0 ? fixed_timeout
                       : records.originals.empty()
                           ? original_limit
                           : subject.timeout_factor() * slowest + subject.timeout_floor();
    }

  MutantCache cache((std::filesystem::path(subject.cache_dir()) / "mutants").string(),
                    !flags().no_cache);
  for (size_t ci = 0; ci < configs.size(); ++ci) {
    const MutantConfig& cfg = configs[ci];
    const PlannedConfig& planned = plan.configs[ci];
    const std::string& id = planned.id;
    const int64_t config = static_cast<int64_t>(ci);
    for (int64_t i = 0; i < n; ++i) {
      if (!owns(config, i)) continue;
      const uint64_t seed = derive_seed(
          subject.seed(),
          static_cast<uint64_t>((cfg.cls + 1) * 1000003 + (cfg.cluster + 1) * 1009 + i));
      if (auto j = journal.find(config, i)) {
        records.mutants[{config, i}] = InstanceResult::from_json(*j);
        ++records.resumed;
        progress.step(id + " instance " + std::to_string(i) + " (resumed)");
        continue;
      }
      try {
        InstanceResult r;
        InputSelection sel;
        MutantKey key;
        key.original_fingerprint = fingerprints[i];
        key.operator_name = planned.operator_name;
        key.options = planned.options;
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
        nlohmann::json meta = {{"operator", planned.operator_name},
                               {"options", planned.options},
                               {"class", cfg.cls},
                               {"cluster", cfg.cluster},
                               {"instance", i},
                               {"i_neg", sel.neg.size()},
                               {"i_pos", sel.pos.size()}};
        bool made = false;
        double mutate_seconds = NAN;
        nlohmann::json stored = nlohmann::json::object();  // a cached entry's metadata
        // `meta` is read by store() after make() returns, so the time measured here is kept with
        // the entry and reported again when the mutant comes from the cache.
        const Model m = cache.get_or_create(
            key,
            [&] {
              made = true;
              const auto begun = std::chrono::steady_clock::now();
              Model mutant = cfg.mutator->mutate(instances[i], inputs);
              mutate_seconds = seconds_since(begun);
              meta["seconds"] = mutate_seconds;
              return mutant;
            },
            meta, &r.cached, &stored);
        // (value() returns the type of its default: a double, not NAN's float.)
        if (!made) mutate_seconds = stored.value("seconds", std::nan(""));
        // A cached mutant loads on the CPU; it is evaluated where its original lives.
        if (m.device() != instances[i].device()) m.to(instances[i].device());
        // Model copies share tensors: a mutator that writes into the original's weights would
        // silently turn every later comparison into mutant vs mutant.
        if (made && instances[i].fingerprint() != fingerprints[i])
          throw Error(
              "mutator '" + planned.operator_name + "' changed original instance " +
              std::to_string(i) +
              " (its weights' fingerprint differs after mutate()); a mutator must clone() the "
              "original and change only the copy");
        PredictionMemo memo;
        const std::vector<torch::Tensor> pred = timed([&] { return predict_sets(m, sets, memo); });
        evaluations += static_cast<int64_t>(sets.size());
        r.targeting = measure_targeting(sel, cfg.cls, pred[0], train_correct[i], training,
                                        pred[eval_index], original_pred[i][eval_index], eval_set);
        r.targeting.mutate_seconds = mutate_seconds;
        if (cfg.cls < 0)
          measure_on_clusters(clusters, subject.classes(), training.labels, pred[0],
                              train_correct[i], r.targeting);
        describe_change(instances[i], m, r.targeting);
        r.outcomes = timed([&] { return evaluate_isolated(m, tests, sets, memo, timeouts); });
        for (size_t s = 0; s < sets.size(); ++s)
          r.correct.push_back(correct_string(pred[s], *sets[s].data));
        journal.record(config, i, r.to_json());
        progress.step(id + " instance " + std::to_string(i) + (r.cached ? " (cached)" : " (made)"));
        records.mutants[{config, i}] = std::move(r);
      } catch (const NotApplicable& e) {
        spdlog::warn("{}: skipped: {}", id, e.what());
        records.fail(config, {i, true, e.what()});
        break;
      } catch (const std::exception& e) {
        spdlog::error("{}: {}", id, e.what());
        records.fail(config, {i, false, e.what()});
        break;
      }
    }
  }

  const double total_seconds = seconds_since(started);
  const nlohmann::json timings = {{"originals", originals_seconds},
                                  {"mutants", total_seconds - originals_seconds},
                                  {"total", total_seconds},
                                  {"evaluation", evaluation_seconds},
                                  {"evaluations", evaluations}};
  Analysis a;
  a.journal = journal.path();
  if (shard.active()) {
    Partial p;
    // The code's identity by content: shards on other machines run copies of one binary.
    p.run = run_fingerprint(subject, fingerprints, tests, sets_hash, configs, training_hash,
                            executable_content_hash());
    p.shard = shard.index;
    p.shards = shard.count;
    p.plan = std::move(plan);
    p.records = std::move(records);
    p.timings = timings;
    a.partial = to_partial_json(p);
  } else {
    a.report = assemble_report(plan, records);
    a.report.timings = timings;
    a.exit_code = gate_exit_code(a.report, plan.allow_undecided);
  }
  spdlog::info("mutation run of '{}'{} took {}", subject.name(),
               shard.active() ? " (shard " + std::to_string(shard.index) + " of " +
                                    std::to_string(shard.count) + ")"
                              : "",
               format_duration(total_seconds));
  return a;
}

}  // namespace mutagen::internal
