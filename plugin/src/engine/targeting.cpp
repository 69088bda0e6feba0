#include "targeting.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "json_number.h"

namespace mutagen::internal {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Fraction of `positions` whose prediction (from `pred`, over the whole data set) is not `cls`.
double mispredicted(const torch::Tensor& pred, const std::vector<int64_t>& positions, int64_t cls) {
  if (positions.empty()) return kNaN;
  const torch::Tensor idx = torch::tensor(positions, torch::kLong);
  return pred.index_select(0, idx).ne(cls).to(torch::kDouble).mean().item<double>();
}

// Accuracy per class (NaN where the class is absent).
std::vector<double> per_class_accuracy(const torch::Tensor& pred, const Dataset& data) {
  std::vector<double> acc(static_cast<size_t>(std::max<int64_t>(data.num_classes, 0)), kNaN);
  const torch::Tensor correct = pred.eq(data.labels).to(torch::kDouble);
  for (int64_t c = 0; c < data.num_classes; ++c) {
    const torch::Tensor mask = data.labels.eq(c);
    const int64_t n = mask.sum().item<int64_t>();
    if (n > 0) acc[static_cast<size_t>(c)] = correct.masked_select(mask).sum().item<double>() / n;
  }
  return acc;
}

double mean_finite(const std::vector<double>& v) {
  double s = 0;
  int64_t n = 0;
  for (double x : v)
    if (std::isfinite(x)) s += x, ++n;
  return n ? s / static_cast<double>(n) : kNaN;
}

double number_from(const nlohmann::json& j) { return j.is_null() ? kNaN : j.get<double>(); }
}  // namespace

InstanceTargeting measure_targeting(const InputSelection& selection, int64_t cls,
                                    const torch::Tensor& train_pred,
                                    const torch::Tensor& original_train_correct,
                                    const Dataset& training, const torch::Tensor& eval_pred,
                                    const torch::Tensor& original_eval_pred,
                                    const Dataset& eval_set) {
  InstanceTargeting t;
  if (cls >= 0) {
    t.neg = mispredicted(train_pred, selection.neg, cls);
    t.pos = mispredicted(train_pred, selection.pos, cls);
    t.heldout_neg = mispredicted(train_pred, selection.heldout_neg, cls);
    t.heldout_pos = mispredicted(train_pred, selection.heldout_pos, cls);
    t.size_neg = static_cast<double>(selection.neg.size());
    t.size_pos = static_cast<double>(selection.pos.size());
  }
  const std::vector<double> mutant = per_class_accuracy(eval_pred, eval_set);
  const std::vector<double> original = per_class_accuracy(original_eval_pred, eval_set);
  t.class_change.assign(mutant.size(), kNaN);
  for (size_t c = 0; c < mutant.size(); ++c)
    if (static_cast<int64_t>(c) != cls) t.class_change[c] = mutant[c] - original[c];
  // Triviality (DeepCrime): the share of the inputs the original gets right that the mutant breaks.
  const torch::Tensor mutant_correct = train_pred.eq(training.labels);
  const double right = original_train_correct.sum().item<double>();
  t.broken_fraction =
      right > 0
          ? original_train_correct.logical_and(mutant_correct.logical_not()).sum().item<double>() /
                right
          : 0.0;
  return t;
}

void measure_on_clusters(const ClusterFile& clusters, const std::vector<int64_t>& classes,
                         const torch::Tensor& labels, const torch::Tensor& train_pred,
                         const torch::Tensor& original_train_correct, InstanceTargeting& t) {
  // The cluster the mutant hits hardest relative to the rest of its class: a random operator can
  // look targeted only by chance, and this shows how much at most. (A mean over clusters would hide
  // it: with two clusters and no noise each cluster is the other's rest, so the means are equal.)
  double best_gap = -2;
  for (int64_t c : classes) {
    if (!clusters.has_class(c)) continue;
    const ClassClusters& cc = clusters.for_class(c);
    for (int64_t k : cc.cluster_ids()) {
      // I_neg and I_pos as a targeted mutant of (c, k) would have them, nothing held out.
      const InputSelection s = select_inputs(original_train_correct, labels, cc, k, 0.0, 0.0, 0);
      const double in = mispredicted(train_pred, s.neg, c);
      const double out = mispredicted(train_pred, s.pos, c);
      if (std::isfinite(in) && std::isfinite(out) && in - out > best_gap) {
        best_gap = in - out;
        t.neg = in;
        t.pos = out;
      }
    }
  }
}

std::string added_edits(const Model& original, const Model& mutant) {
  const std::string& before = original.layer_edits();
  const std::string& after = mutant.layer_edits();
  if (after == before) return "";
  if (before.empty()) return after;
  // Edits of an edited original: those after its own ("identity:1" + ",remove:3").
  return after.compare(0, before.size(), before) == 0 && after.size() > before.size() + 1
             ? after.substr(before.size() + 1)
             : after;
}

void describe_change(const Model& original, const Model& mutant, InstanceTargeting& t) {
  const auto a = original.named_parameters();
  const auto b = mutant.named_parameters();
  const std::string edits = added_edits(original, mutant);
  if (!edits.empty()) {
    // Recorded edits say what changed; after a removed or repeated layer the parameters no longer
    // pair up by position. A repeated layer adds a copy of its weights.
    int64_t before = 0, after = 0;
    for (const auto& p : a) before += p.second.numel();
    for (const auto& p : b) after += p.second.numel();
    t.layer = "+structure " + edits;
    t.weights_changed = std::max<int64_t>(0, after - before);
    return;
  }
  std::vector<std::string> layers;
  int64_t changed = 0;
  // Parameters that no longer pair up without a recorded edit: a change of structure all the same.
  bool structure = a.size() != b.size();
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const auto& [name, x] = a[i];
    const auto& y = b[i].second;
    int64_t n = 0;
    if (name != b[i].first || x.sizes() != y.sizes()) {
      structure = true;
      n = y.numel();
    } else {
      n = x.ne(y.to(x.device())).sum().item<int64_t>();
    }
    if (n == 0) continue;
    changed += n;
    const std::string module = name.substr(0, name.rfind('.'));
    if (std::find(layers.begin(), layers.end(), module) == layers.end()) layers.push_back(module);
  }
  for (size_t i = a.size(); i < b.size(); ++i) changed += b[i].second.numel();
  t.layer.clear();
  for (const auto& l : layers) t.layer += (t.layer.empty() ? "" : ",") + l;
  if (structure) t.layer += t.layer.empty() ? "+structure" : ",+structure";
  t.weights_changed = changed;
}

void summarise_targeting(const std::vector<InstanceTargeting>& instances, MutantReport& report) {
  // The layers any instance changed, and the mean number of changed weights (rounded).
  report.layer.clear();
  double weights = 0;
  for (const auto& t : instances) {
    weights += static_cast<double>(t.weights_changed);
    size_t from = 0;
    while (from <= t.layer.size() && !t.layer.empty()) {
      const size_t to = std::min(t.layer.find(',', from), t.layer.size());
      const std::string l = t.layer.substr(from, to - from);
      const std::string listed = "," + report.layer + ",";
      if (!l.empty() && listed.find("," + l + ",") == std::string::npos)
        report.layer += (report.layer.empty() ? "" : ",") + l;
      from = to + 1;
    }
  }
  report.weights_changed =
      instances.empty() ? -1 : std::llround(weights / static_cast<double>(instances.size()));

  std::vector<double> neg, pos, hneg, hpos, broken, size_neg, size_pos, seconds;
  size_t classes = 0;
  for (const auto& t : instances) {
    neg.push_back(t.neg);
    pos.push_back(t.pos);
    hneg.push_back(t.heldout_neg);
    hpos.push_back(t.heldout_pos);
    size_neg.push_back(t.size_neg);
    size_pos.push_back(t.size_pos);
    broken.push_back(t.broken_fraction);
    seconds.push_back(t.mutate_seconds);
    classes = std::max(classes, t.class_change.size());
  }
  report.i_neg = instances.empty() ? 0 : static_cast<int64_t>(std::llround(mean_finite(size_neg)));
  report.i_pos = instances.empty() ? 0 : static_cast<int64_t>(std::llround(mean_finite(size_pos)));
  report.misprediction_neg = mean_finite(neg);
  report.misprediction_pos = mean_finite(pos);
  report.heldout_misprediction_neg = mean_finite(hneg);
  report.heldout_misprediction_pos = mean_finite(hpos);
  report.trivial = mean_finite(broken) >= 0.9;
  report.seconds_per_mutant = mean_finite(seconds);
  // Per other class, the mean change over instances; the report's figure is their mean, with the
  // worst class beside it.
  std::vector<double> per_class;
  report.other_classes_worst_change = kNaN;
  report.other_classes_worst_class = -1;
  for (size_t c = 0; c < classes; ++c) {
    std::vector<double> v;
    for (const auto& t : instances)
      v.push_back(c < t.class_change.size() ? t.class_change[c] : kNaN);
    const double m = mean_finite(v);
    if (!std::isfinite(m)) continue;
    per_class.push_back(m);
    if (report.other_classes_worst_class < 0 || m < report.other_classes_worst_change) {
      report.other_classes_worst_change = m;
      report.other_classes_worst_class = static_cast<int64_t>(c);
    }
  }
  report.other_classes_accuracy_change = mean_finite(per_class);
}

nlohmann::json InstanceTargeting::to_json() const {
  nlohmann::json changes = nlohmann::json::array();
  for (double c : class_change) changes.push_back(json_number(c));
  return {{"neg", json_number(neg)},
          {"pos", json_number(pos)},
          {"heldout_neg", json_number(heldout_neg)},
          {"heldout_pos", json_number(heldout_pos)},
          {"size_neg", size_neg},
          {"size_pos", size_pos},
          {"class_change", changes},
          {"broken_fraction", broken_fraction},
          {"layer", layer},
          {"weights_changed", weights_changed},
          {"mutate_seconds", json_number(mutate_seconds)}};
}

InstanceTargeting InstanceTargeting::from_json(const nlohmann::json& j) {
  InstanceTargeting t;
  t.neg = number_from(j.at("neg"));
  t.pos = number_from(j.at("pos"));
  t.heldout_neg = number_from(j.at("heldout_neg"));
  t.heldout_pos = number_from(j.at("heldout_pos"));
  t.size_neg = j.at("size_neg");
  t.size_pos = j.at("size_pos");
  for (const auto& c : j.at("class_change")) t.class_change.push_back(number_from(c));
  t.broken_fraction = j.at("broken_fraction");
  t.layer = j.value("layer", std::string());
  t.weights_changed = j.value("weights_changed", int64_t{0});
  if (j.contains("mutate_seconds")) t.mutate_seconds = number_from(j.at("mutate_seconds"));
  return t;
}

}  // namespace mutagen::internal
