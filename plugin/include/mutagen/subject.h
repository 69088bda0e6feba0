#pragma once
// A subject under mutation testing: the original instances, the training data, the named test sets,
// the clusters, the target classes and the mutators. Users declare one with MUTAGEN_SUBJECT.
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "mutagen/clusters.h"
#include "mutagen/dataset.h"
#include "mutagen/model.h"
#include "mutagen/stats.h"

namespace mutagen {

class Mutator;

struct NamedTestSet {
  std::string name;
  Dataset data;
};

class Subject {
 public:
  explicit Subject(std::string name = "subject") : name_(std::move(name)) {}

  Subject& instances(std::vector<Model> models);
  // Lazily built instances (trained on first use and cached by the provider).
  Subject& instances(std::function<std::vector<Model>()> provider);
  Subject& training_data(Dataset data);
  Subject& test_set(const std::string& name, Dataset data);
  Subject& target_classes(std::vector<int64_t> classes);
  Subject& clusters(ClusterFile clusters);
  Subject& clusters(std::function<ClusterFile()> provider);
  // A registered mutator by name with its options (JSON), or a mutator object. A group name adds
  // every member; {"instances", K} adds K mutators with seeds seed..seed+K-1 (random operators).
  Subject& mutator(const std::string& name, nlohmann::json options = nlohmann::json::object());
  Subject& mutator(std::shared_ptr<Mutator> mutator);
  // The same, for some of the target classes only (e.g. a costlier mutator on one class); an empty
  // list means all of them.
  Subject& mutator(const std::string& name, nlohmann::json options,
                   std::vector<int64_t> only_classes);
  // Fraction of each cluster's (and of the other clusters') correctly classified members held out
  // from mutation, to measure how well a mutant generalises to the cluster.
  Subject& heldout_fraction(double f);
  // Size of the pool of other-class inputs handed to mutators, as a multiple of |I_neg|+|I_pos|.
  Subject& other_classes_ratio(double r);
  // The kill rule (see KillOptions in mutagen/stats.h): p < alpha and Cohen's d >= effect_size, the
  // signed-rank test one-sided ("greater": mutant worse) by default.
  Subject& alpha(double a);
  Subject& effect_size(double d);
  Subject& alternative(Alternative a);
  Subject& kill_criterion(KillCriterion c);
  // Effect (pooled sds, mutant worse) that each verdict's power refers to; verdicts under 80% power
  // are flagged underpowered.
  Subject& power_effect_size(double d);
  // The run fails (exit 1) when a test set's score is below this.
  Subject& min_score(double s);
  // The test sets whose score gates the run (default: all). A weak set kept to compare against need
  // not pass: its score is still reported.
  Subject& gate_test_sets(std::vector<std::string> names);
  // Score bands for reports (Stryker's high/low: >= high good, >= low warning, below bad). The gate
  // ("break") is min_score.
  Subject& thresholds(double high, double low);
  // A run in which no mutant is killable cannot decide; it exits 2 unless this is set.
  Subject& allow_undecided(bool allow = true);
  // Per-test timeout of an evaluation: `seconds` > 0 fixes it; 0 (default) derives it per test and
  // test set as factor x the slowest original's time + floor (Stryker's timeoutFactor/timeoutMS).
  // A mutant evaluation that times out counts as detected; an original's as an error.
  Subject& test_timeout(double seconds);
  Subject& timeout_factor(double factor);
  Subject& timeout_floor(double seconds);
  // Where instances and mutants are trained, mutated and evaluated: "cpu" (default), "cuda",
  // "cuda:N" (see parse_device). Validated here, so a bad name fails before any training; the
  // GoogleTest flag --mutagen_device=NAME overrides it.
  Subject& device(const std::string& name);
  Subject& cache_dir(std::string dir);
  Subject& seed(uint64_t s);

  const std::string& name() const { return name_; }
  // Resolves lazy parts; validates (>= 2 instances, classes present in data and clusters, ...),
  // throwing mutagen::Error that names the subject and what is wrong.
  const std::vector<Model>& resolved_instances() const;
  const ClusterFile& resolved_clusters() const;
  void validate() const;

  const Dataset& training() const { return training_; }
  const std::vector<NamedTestSet>& test_sets() const { return test_sets_; }
  const std::vector<int64_t>& classes() const { return classes_; }
  const std::vector<std::shared_ptr<Mutator>>& mutators() const { return mutators_; }
  // Whether mutators()[i] (a targeted one) is run on target class `cls`.
  bool mutator_targets(size_t i, int64_t cls) const;
  double heldout() const { return heldout_; }
  double other_ratio() const { return other_ratio_; }
  double alpha() const { return alpha_; }
  double effect_size() const { return effect_size_; }
  Alternative alternative() const { return alternative_; }
  KillCriterion kill_criterion() const { return criterion_; }
  double power_effect_size() const { return power_effect_; }
  double min_score() const { return min_score_; }
  double threshold_high() const { return threshold_high_; }
  double threshold_low() const { return threshold_low_; }
  bool undecided_allowed() const { return allow_undecided_; }
  const std::vector<std::string>& gated_test_sets() const { return gated_test_sets_; }
  double test_timeout() const { return timeout_; }
  double timeout_factor() const { return timeout_factor_; }
  double timeout_floor() const { return timeout_floor_; }
  // The kill options every verdict of this subject is decided with.
  KillOptions kill_options() const;
  // The subject's device, or --mutagen_device's when given.
  torch::Device device() const;
  const std::string& cache_dir() const { return cache_dir_; }
  uint64_t seed() const { return seed_; }

 private:
  std::string name_;
  mutable std::vector<Model> instances_;
  std::function<std::vector<Model>()> instance_provider_;
  Dataset training_;
  std::vector<NamedTestSet> test_sets_;
  std::vector<int64_t> classes_;
  mutable ClusterFile clusters_;
  mutable bool clusters_resolved_ = false;
  std::function<ClusterFile()> cluster_provider_;
  std::vector<std::shared_ptr<Mutator>> mutators_;
  std::vector<std::vector<int64_t>> mutator_classes_;  // per mutator; empty: all classes
  double heldout_ = 0.25;
  double other_ratio_ = 1.0;
  double alpha_ = 0.05;
  double effect_size_ = 0.5;
  Alternative alternative_ = Alternative::kGreater;
  KillCriterion criterion_ = KillCriterion::kWilcoxonCohen;
  double power_effect_ = 1.0;
  double min_score_ = 0.0;
  double threshold_high_ = 0.8;
  double threshold_low_ = 0.6;
  bool allow_undecided_ = false;
  std::vector<std::string> gated_test_sets_;
  double timeout_ = 0;
  double timeout_factor_ = 3.0;
  double timeout_floor_ = 10.0;
  torch::Device device_{torch::kCPU};
  std::string cache_dir_ = "mutagen-cache";
  uint64_t seed_ = 0;
};

}  // namespace mutagen
