// The mutation run: originals and mutants through the user's tests, kill decisions, scores, reports.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "evaluation.h"
#include "mutagen/error.h"
#include "mutagen/hash.h"
#include "mutagen/mutant_cache.h"
#include "mutagen/mutation_test.h"
#include "mutagen/random.h"
#include "mutagen/reporters/reporter.h"
#include "registry.h"
#include "selection.h"
#include "verdicts.h"

namespace mutagen {
namespace internal {
namespace {

using Clock = std::chrono::steady_clock;

std::string format_duration(double seconds) {
  const int64_t s = static_cast<int64_t>(std::llround(seconds));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", static_cast<long>(s / 3600), static_cast<long>(s % 3600 / 60));
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", static_cast<long>(s / 60), static_cast<long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lds", static_cast<long>(s));
  return buf;
}

class Progress {
 public:
  explicit Progress(int64_t total) : total_(total), start_(Clock::now()) {}
  void step(const std::string& what) {
    ++done_;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double eta = done_ > 0 ? elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_) : 0;
    spdlog::info("[{}/{}] {} | elapsed {} | ETA {}", done_, total_, what, format_duration(elapsed),
                 format_duration(eta));
  }

 private:
  int64_t total_;
  int64_t done_ = 0;
  Clock::time_point start_;
};

// Fraction of `positions` whose prediction (from `pred`, over the whole data set) is not `cls`.
double mispredicted(const torch::Tensor& pred, const std::vector<int64_t>& positions, int64_t cls) {
  if (positions.empty()) return std::nan("");
  const torch::Tensor idx = torch::tensor(positions, torch::kLong);
  return pred.index_select(0, idx).ne(cls).to(torch::kDouble).mean().item<double>();
}

// Accuracy over the samples whose label is not `cls` (all samples for cls < 0).
double accuracy_on_other_classes(const torch::Tensor& pred, const Dataset& data, int64_t cls) {
  const torch::Tensor mask = data.labels.ne(cls);
  const int64_t n = mask.sum().item<int64_t>();
  if (n == 0) return std::nan("");
  const torch::Tensor correct = pred.eq(data.labels).logical_and(mask);
  return static_cast<double>(correct.sum().item<int64_t>()) / static_cast<double>(n);
}

double mean_finite(const std::vector<double>& v) {
  double s = 0;
  int64_t n = 0;
  for (double x : v)
    if (std::isfinite(x)) s += x, ++n;
  return n ? s / static_cast<double>(n) : std::nan("");
}

struct MutantConfig {
  std::shared_ptr<Mutator> mutator;
  int64_t cls = -1;
  int64_t cluster = -1;
};

Report analyse(const std::string& subject_name, const std::vector<const RegisteredTest*>& tests) {
  const Subject& subject = subject_instance(subject_name);
  subject.validate();
  const auto& instances = subject.resolved_instances();
  const auto& clusters = subject.resolved_clusters();
  const Dataset& training = subject.training();
  const int64_t n = static_cast<int64_t>(instances.size());

  std::vector<NamedData> sets{{"train", &training}};
  for (const auto& s : subject.test_sets()) sets.push_back({s.name, &s.data});
  const Dataset& eval_set = subject.test_sets().front().data;  // for other classes' accuracy

  KillOptions kill;
  kill.alpha(subject.alpha()).effect_size(subject.effect_size());
  kill.wilcoxon(WilcoxonOptions().alternative(Alternative::kGreater));

  Report report;
  report.subject = subject.name();
  report.alpha = subject.alpha();
  report.effect_size = subject.effect_size();
  report.instances = n;
  for (const auto& s : sets) report.test_sets.push_back(s.name);
  report.threshold = flags().min_score >= 0 ? flags().min_score : subject.min_score();

  spdlog::info("subject '{}': {} instances, {} tests, test sets: train (killability){}", subject.name(), n,
               tests.size(), [&] {
                 std::string s;
                 for (const auto& t : subject.test_sets()) s += ", " + t.name;
                 return s;
               }());

  // Originals: outcomes, which training inputs each gets right, fingerprints.
  std::vector<Outcomes> original(static_cast<size_t>(n));
  std::vector<torch::Tensor> correct(static_cast<size_t>(n)), eval_pred(static_cast<size_t>(n));
  std::vector<std::string> fingerprints(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    PredictionMemo memo{{training.images.data_ptr(), instances[i].predict(training.images)},
                        {eval_set.images.data_ptr(), instances[i].predict(eval_set.images)}};
    correct[i] = memo[training.images.data_ptr()].eq(training.labels);
    eval_pred[i] = memo[eval_set.images.data_ptr()];
    original[i] = evaluate(instances[i], tests, sets, memo);
    fingerprints[i] = instances[i].fingerprint();
  }

  std::vector<MutantConfig> configs;
  for (const auto& m : subject.mutators()) {
    if (!m->targeted()) {
      configs.push_back({m, -1, -1});
      continue;
    }
    for (int64_t c : subject.classes())
      for (int64_t k : clusters.for_class(c).cluster_ids()) configs.push_back({m, c, k});
  }
  MutantCache cache((std::filesystem::path(subject.cache_dir()) / "mutants").string(), !flags().no_cache);
  Progress progress(static_cast<int64_t>(configs.size()) * n);

  for (size_t ci = 0; ci < configs.size(); ++ci) {
    const MutantConfig& cfg = configs[ci];
    MutantReport mr;
    mr.operator_name = cfg.mutator->name();
    mr.options = cfg.mutator->options();
    mr.cls = cfg.cls;
    mr.cluster = cfg.cluster;
    mr.id = mr.operator_name + "-c" + std::to_string(cfg.cls) + "-k" + std::to_string(cfg.cluster) + "-" +
            Hasher().str(mr.options.dump()).hex().substr(0, 8);
    std::vector<double> neg, pos, hneg, hpos, other, trivial_frac;
    double size_neg = 0, size_pos = 0;
    std::vector<Outcomes> mutant(static_cast<size_t>(n));
    bool failed = false;
    for (int64_t i = 0; i < n && !failed; ++i) {
      const uint64_t seed = derive_seed(subject.seed(), static_cast<uint64_t>(
                                                            (cfg.cls + 1) * 1000003 + (cfg.cluster + 1) * 1009 + i));
      try {
        InputSelection sel;
        MutantKey key;
        key.original_fingerprint = fingerprints[i];
        key.operator_name = mr.operator_name;
        key.options = mr.options;
        key.cls = cfg.cls;
        key.cluster = cfg.cluster;
        key.seed = seed;
        if (cfg.cls >= 0) {
          const ClassClusters& cc = clusters.for_class(cfg.cls);
          sel = select_inputs(correct[i], training.labels, cc, cfg.cluster, subject.heldout(),
                              subject.other_ratio(), seed);
          key.members = cc.members(cfg.cluster);
          if (sel.neg.empty())
            throw Error("class " + std::to_string(cfg.cls) + " cluster " + std::to_string(cfg.cluster) +
                        ": original instance " + std::to_string(i) +
                        " classifies none of the cluster's members correctly (I_neg is empty): no "
                        "targeted mutant can be made");
        }
        const MutationInputs inputs = make_inputs(training, sel, cfg.cls, cfg.cluster, seed);
        bool cached = false;
        nlohmann::json meta = {{"operator", mr.operator_name}, {"options", mr.options},
                               {"class", cfg.cls}, {"cluster", cfg.cluster}, {"instance", i},
                               {"i_neg", sel.neg.size()}, {"i_pos", sel.pos.size()}};
        const Model m = cache.get_or_create(
            key, [&] { return cfg.mutator->mutate(instances[i], inputs); }, meta, &cached);
        // One inference per data set for everything below, the tests included.
        const torch::Tensor train_pred = m.predict(training.images);
        const torch::Tensor mut_eval_pred = m.predict(eval_set.images);
        PredictionMemo memo{{training.images.data_ptr(), train_pred},
                            {eval_set.images.data_ptr(), mut_eval_pred}};
        if (cfg.cls >= 0) {
          neg.push_back(mispredicted(train_pred, sel.neg, cfg.cls));
          pos.push_back(mispredicted(train_pred, sel.pos, cfg.cls));
          hneg.push_back(mispredicted(train_pred, sel.heldout_neg, cfg.cls));
          hpos.push_back(mispredicted(train_pred, sel.heldout_pos, cfg.cls));
          size_neg += static_cast<double>(sel.neg.size());
          size_pos += static_cast<double>(sel.pos.size());
        }
        other.push_back(accuracy_on_other_classes(mut_eval_pred, eval_set, cfg.cls) -
                        accuracy_on_other_classes(eval_pred[i], eval_set, cfg.cls));
        // Triviality (DeepCrime): the mutant breaks >= 90% of the inputs the original gets right.
        const torch::Tensor mut_correct = train_pred.eq(training.labels);
        const double orig_ok = correct[i].sum().item<double>();
        trivial_frac.push_back(orig_ok > 0
                                   ? correct[i].logical_and(mut_correct.logical_not()).sum().item<double>() / orig_ok
                                   : 0.0);
        mutant[i] = evaluate_isolated(m, tests, sets, memo);
        progress.step(mr.id + " instance " + std::to_string(i) + (cached ? " (cached)" : " (made)"));
      } catch (const std::exception& e) {
        report.errors.push_back(mr.id + ": " + e.what());
        spdlog::error("{}: {}", mr.id, e.what());
        failed = true;
      }
    }
    if (failed) continue;
    mr.i_neg = static_cast<int64_t>(std::llround(size_neg / static_cast<double>(n)));
    mr.i_pos = static_cast<int64_t>(std::llround(size_pos / static_cast<double>(n)));
    mr.misprediction_neg = mean_finite(neg);
    mr.misprediction_pos = mean_finite(pos);
    mr.heldout_misprediction_neg = mean_finite(hneg);
    mr.heldout_misprediction_pos = mean_finite(hpos);
    mr.other_classes_accuracy_change = mean_finite(other);
    mr.trivial = mean_finite(trivial_frac) >= 0.9;
    for (size_t t = 0; t < tests.size(); ++t) {
      for (size_t s = 0; s < sets.size(); ++s) {
        std::vector<const Outcome*> o, m;
        for (int64_t i = 0; i < n; ++i) {
          o.push_back(&original[i][t][s]);
          m.push_back(&mutant[i][t][s]);
        }
        for (auto& v : decide(tests[t]->full_name(), sets[s].name, o, m, kill)) {
          if (v.test_set == "train" && v.killed) mr.killable = true;
          mr.verdicts.push_back(std::move(v));
        }
      }
    }
    report.mutants.push_back(std::move(mr));
  }

  // Scores per test set: killed / killable, killable = killed by the training data (DeepCrime).
  report.passed = true;
  for (const auto& s : subject.test_sets()) {
    ScoreReport sr;
    sr.test_set = s.name;
    for (const auto& mr : report.mutants) {
      if (!mr.killable) continue;
      ++sr.killable;
      for (const auto& v : mr.verdicts)
        if (v.test_set == s.name && v.killed) {
          ++sr.killed;
          break;
        }
    }
    sr.score = sr.killable ? static_cast<double>(sr.killed) / static_cast<double>(sr.killable) : std::nan("");
    if (sr.killable && sr.score < report.threshold) report.passed = false;
    report.scores.push_back(sr);
  }
  return report;
}

}  // namespace
}  // namespace internal

int RunMutationAnalysis() {
  using namespace internal;
  const std::string filter = GTEST_FLAG_GET(filter);
  int exit_code = 0;
  int analysed = 0;
  const auto& subjects = registered_subjects();
  for (const auto& [name, factory] : subjects) {
    if (!flags().subject.empty() && name != flags().subject) continue;
    std::vector<const RegisteredTest*> tests;
    for (const auto& t : registered_tests())
      if (t.subject == name && matches_filter(t.full_name(), filter)) tests.push_back(&t);
    if (tests.empty()) continue;
    ++analysed;
    try {
      Report report = analyse(name, tests);
      print_console_report(report, std::cout);
      std::string path = flags().report;
      if (subjects.size() > 1) {
        const std::filesystem::path p(path);
        path = (p.parent_path() / (p.stem().string() + "-" + name + p.extension().string())).string();
      }
      write_json_report(report, path);
      spdlog::info("report written to {}", path);
      if (!report.errors.empty()) exit_code = std::max(exit_code, 2);
      else if (!report.passed) exit_code = std::max(exit_code, 1);
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
