#include "mutagen/subject.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "mutagen/device.h"
#include "mutagen/error.h"
#include "mutagen/mutators/registry.h"
#include "registry.h"

namespace mutagen {

Subject& Subject::instances(std::vector<Model> models) {
  instances_ = std::move(models);
  instance_provider_ = nullptr;
  return *this;
}

Subject& Subject::instances(std::function<std::vector<Model>()> provider) {
  instances_.clear();
  instance_provider_ = std::move(provider);
  return *this;
}

Subject& Subject::training_data(Dataset data) {
  training_ = std::move(data);
  return *this;
}

Subject& Subject::test_set(const std::string& name, Dataset data) {
  if (name.empty() || name == "train")
    throw Error("subject '" + name_ + "': test set name '" + name +
                "' is reserved or empty (\"train\" is the training data)");
  for (const auto& s : test_sets_)
    if (s.name == name)
      throw Error("subject '" + name_ + "': test set '" + name + "' declared twice");
  test_sets_.push_back({name, std::move(data)});
  return *this;
}

Subject& Subject::target_classes(std::vector<int64_t> classes) {
  classes_ = std::move(classes);
  return *this;
}

Subject& Subject::clusters(ClusterFile clusters) {
  clusters_ = std::move(clusters);
  clusters_resolved_ = true;
  cluster_provider_ = nullptr;
  return *this;
}

Subject& Subject::clusters(std::function<ClusterFile()> provider) {
  clusters_resolved_ = false;
  cluster_provider_ = std::move(provider);
  return *this;
}

Subject& Subject::mutator(const std::string& name, nlohmann::json options) {
  // "instances": K (random operators, e.g. DeepMutation++) adds K mutators with seeds
  // seed..seed+K-1 and instances 1, so that raising K keeps the first mutants' options (and cache
  // entries).
  int64_t copies = 1;
  if (options.is_object() && options.contains("instances") &&
      options["instances"].is_number_integer() && options["instances"].get<int64_t>() >= 1 &&
      (!options.contains("seed") || options["seed"].is_number_integer())) {
    copies = options["instances"].get<int64_t>();
  }
  // A group name ("arachne") adds each member with the same options.
  for (const auto& member : MutatorRegistry::global().expand(name)) {
    for (int64_t s = 0; s < copies; ++s) {
      nlohmann::json o = options;
      if (copies > 1) {
        o["seed"] = o.value("seed", int64_t{0}) + s;
        o["instances"] = 1;
      }
      mutators_.push_back(MutatorRegistry::global().create(member, o));
      mutator_classes_.emplace_back();
    }
  }
  return *this;
}

Subject& Subject::mutator(std::shared_ptr<Mutator> mutator) {
  if (!mutator) throw Error("subject '" + name_ + "': null mutator");
  mutators_.push_back(std::move(mutator));
  mutator_classes_.emplace_back();
  return *this;
}

Subject& Subject::mutator(const std::string& name, nlohmann::json options,
                          std::vector<int64_t> only_classes) {
  const size_t first = mutators_.size();
  mutator(name, std::move(options));
  for (size_t i = first; i < mutators_.size(); ++i) mutator_classes_[i] = only_classes;
  return *this;
}

bool Subject::mutator_targets(size_t i, int64_t cls) const {
  const auto& only = mutator_classes_.at(i);
  return only.empty() || std::find(only.begin(), only.end(), cls) != only.end();
}

namespace {
std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
std::string sidedness(Alternative a) {
  return a == Alternative::kTwoSided ? "two-sided"
                                     : (a == Alternative::kGreater ? "one-sided" : "less");
}
double in_range(const std::string& subject, const char* what, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi))
    throw Error("subject '" + subject + "': " + what + " must be in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "], got " + std::to_string(v));
  return v;
}
}  // namespace

Subject& Subject::heldout_fraction(double f) {
  heldout_ = in_range(name_, "heldout_fraction", f, 0.0, 0.9);
  return *this;
}
Subject& Subject::other_classes_ratio(double r) {
  other_ratio_ = in_range(name_, "other_classes_ratio", r, 0.0, 100.0);
  return *this;
}
Subject& Subject::alpha(double a) {
  alpha_ = in_range(name_, "alpha", a, 1e-12, 0.5);
  return *this;
}
Subject& Subject::effect_size(double d) {
  effect_size_ = in_range(name_, "effect_size", d, 0.0, 100.0);
  return *this;
}
Subject& Subject::alternative(Alternative a) {
  alternative_ = a;
  return *this;
}
Subject& Subject::kill_criterion(KillCriterion c) {
  criterion_ = c;
  return *this;
}
Subject& Subject::power_effect_size(double d) {
  power_effect_ = in_range(name_, "power_effect_size", d, 0.0, 100.0);
  return *this;
}
Subject& Subject::gate_test_sets(std::vector<std::string> names) {
  gated_test_sets_ = std::move(names);
  return *this;
}

Subject& Subject::allow_undecided(bool allow) {
  allow_undecided_ = allow;
  return *this;
}
Subject& Subject::test_timeout(double seconds) {
  timeout_ = in_range(name_, "test_timeout (seconds, 0 = automatic)", seconds, 0.0, 1e6);
  return *this;
}
Subject& Subject::timeout_factor(double factor) {
  timeout_factor_ = in_range(name_, "timeout_factor", factor, 1.0, 1e4);
  return *this;
}
Subject& Subject::timeout_floor(double seconds) {
  timeout_floor_ = in_range(name_, "timeout_floor (seconds)", seconds, 0.001, 1e6);
  return *this;
}
KillOptions Subject::kill_options() const {
  return KillOptions()
      .alpha(alpha_)
      .effect_size(effect_size_)
      .power_effect_size(power_effect_)
      .wilcoxon(WilcoxonOptions().alternative(alternative_));
}
Subject& Subject::thresholds(double high, double low) {
  threshold_high_ = in_range(name_, "thresholds (high)", high, 0.0, 1.0);
  threshold_low_ = in_range(name_, "thresholds (low)", low, 0.0, 1.0);
  if (low > high)
    throw Error("subject '" + name_ + "': thresholds: low (" + std::to_string(low) +
                ") must not exceed high (" + std::to_string(high) + ")");
  return *this;
}

Subject& Subject::min_score(double s) {
  min_score_ = in_range(name_, "min_score", s, 0.0, 1.0);
  return *this;
}
Subject& Subject::cache_dir(std::string dir) {
  cache_dir_ = std::move(dir);
  return *this;
}
Subject& Subject::seed(uint64_t s) {
  seed_ = s;
  return *this;
}

Subject& Subject::device(const std::string& name) {
  device_ = parse_device(name, "subject '" + name_ + "': device");
  return *this;
}

torch::Device Subject::device() const {
  const std::string& flag = internal::flags().device;
  return flag.empty() ? device_ : parse_device(flag, "--mutagen_device");
}

const std::vector<Model>& Subject::resolved_instances() const {
  if (instances_.empty() && instance_provider_) instances_ = instance_provider_();
  // Once, here: mutants are clones of these and keep their device.
  const torch::Device d = device();
  for (const auto& m : instances_)
    if (m.valid() && m.device() != d) m.to(d);
  return instances_;
}

const ClusterFile& Subject::resolved_clusters() const {
  if (!clusters_resolved_) {
    if (!cluster_provider_)
      throw Error("subject '" + name_ + "': no clusters declared (.clusters(...))");
    clusters_ = cluster_provider_();
    clusters_resolved_ = true;
  }
  return clusters_;
}

void Subject::validate() const {
  const std::string who = "subject '" + name_ + "'";
  if (training_.size() == 0) throw Error(who + ": no training data (.training_data(...))");
  if (test_sets_.empty()) throw Error(who + ": no test set (.test_set(name, data))");
  for (const auto& g : gated_test_sets_) {
    bool known = false;
    std::string names;
    for (const auto& s : test_sets_) {
      known = known || s.name == g;
      names += (names.empty() ? "" : ", ") + s.name;
    }
    if (!known)
      throw Error(who + ": gate_test_sets names '" + g +
                  "', which is not a test set (the test sets: " + names + ")");
  }
  const auto& models = resolved_instances();
  // A subject that can never reach p < alpha would report "nothing killable" and pass on nothing.
  // Smallest exact p with n instances: all signs alike (signed-rank), or one input right on every
  // original and wrong on every mutant (per-input Fisher).
  auto smallest_p = [&](int64_t n) {
    if (criterion_ == KillCriterion::kPerInput) return fisher_exact(n, 0, 0, n, alternative_);
    return std::ldexp(1.0, static_cast<int>(alternative_ == Alternative::kTwoSided ? 1 - n : -n));
  };
  int64_t needed = 2;
  while (needed < 64 && !(smallest_p(needed) < alpha_ * (1 - 1e-9))) ++needed;
  if (static_cast<int64_t>(models.size()) < needed)
    throw Error(who + ": " + std::to_string(models.size()) +
                " original instance(s) cannot kill any mutant at alpha " + format_number(alpha_) +
                " (" + sidedness(alternative_) + "): the smallest possible exact p-value is " +
                format_number(smallest_p(static_cast<int64_t>(models.size()))) + "; at least " +
                std::to_string(needed) + " instances are needed (the thesis used 20)");
  if (classes_.empty()) throw Error(who + ": no target classes (.target_classes({...}))");
  if (mutators_.empty()) throw Error(who + ": no mutators (.mutator(\"tmr\", ...))");
  for (size_t i = 0; i < mutators_.size(); ++i)
    for (int64_t c : mutator_classes_[i])
      if (std::find(classes_.begin(), classes_.end(), c) == classes_.end())
        throw Error(who + ": mutator '" + mutators_[i]->name() + "' is restricted to class " +
                    std::to_string(c) + ", which is not a target class (.target_classes({...}))");
  const auto& clusters = resolved_clusters();
  if (clusters.dataset_size != training_.size())
    throw Error(who + ": the cluster file (pipeline '" + clusters.pipeline +
                "') was made for a data set of " + std::to_string(clusters.dataset_size) +
                " samples, the training data has " + std::to_string(training_.size()));
  const torch::Tensor labels = training_.labels.to(torch::kCPU, torch::kLong).contiguous();
  const int64_t* label = labels.data_ptr<int64_t>();
  for (size_t i = 0; i < classes_.size(); ++i) {
    const int64_t c = classes_[i];
    if (std::find(classes_.begin(), classes_.begin() + static_cast<std::ptrdiff_t>(i), c) !=
        classes_.begin() + static_cast<std::ptrdiff_t>(i))
      throw Error(who + ": target class " + std::to_string(c) +
                  " is listed twice in .target_classes({...}); each class once");
    if (c < 0 || c >= training_.num_classes)
      throw Error(who + ": target class " + std::to_string(c) + " outside [0, " +
                  std::to_string(training_.num_classes) + ")");
    if (training_.indices_of_class(c).empty())
      throw Error(who + ": target class " + std::to_string(c) +
                  " is absent from the training data");
    if (!clusters.has_class(c))
      throw Error(who + ": the cluster file has no clusters for target class " + std::to_string(c));
    const auto& cc = clusters.for_class(c);
    for (int64_t s : cc.samples)
      if (label[s] != c)
        throw Error(who + ": the cluster file lists sample " + std::to_string(s) + " under class " +
                    std::to_string(c) + " but its label is " + std::to_string(label[s]) +
                    " (made for other data?)");
  }
}

}  // namespace mutagen
