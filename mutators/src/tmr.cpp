// Targeted Misbehavior Retraining (SPEC 2.3): options, L_mis and the two fine-tuning schedules.
#include "mutagen/mutators/tmr.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "mutagen/error.h"
#include "mutagen/random.h"
#include "mutagen/training.h"

namespace mutagen {

namespace {

const std::vector<std::string>& field_names() {
  static const std::vector<std::string> names = {"schedule",         "epochs",     "pos_epochs",
                                                 "learning_rate",    "batch_size", "optimizer",
                                                 "relabel_fraction", "other_ratio"};
  return names;
}

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"adam", "adadelta", "sgd"};
  return names;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

[[noreturn]] void bad(const std::string& field, const std::string& expected,
                      const nlohmann::json& got) {
  throw Error("tmr option '" + field + "': expected " + expected + ", got " + got.dump());
}

int64_t get_int(const nlohmann::json& j, const std::string& field, int64_t min) {
  const nlohmann::json& v = j.at(field);
  const std::string expected = "an integer >= " + std::to_string(min);
  if (!v.is_number_integer()) bad(field, expected, v);
  if (v.is_number_unsigned() &&
      v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    bad(field, expected, v);
  }
  const int64_t x = v.get<int64_t>();
  if (x < min) bad(field, expected, v);
  return x;
}

double get_double(const nlohmann::json& j, const std::string& field) {
  const nlohmann::json& v = j.at(field);
  if (!v.is_number()) bad(field, "a number", v);
  const double x = v.get<double>();
  if (!std::isfinite(x)) bad(field, "a finite number", v);
  return x;
}

}  // namespace

std::string to_string(TmrSchedule s) {
  switch (s) {
    case TmrSchedule::kMixed:
      return "mixed";
    case TmrSchedule::kSequential:
      return "sequential";
  }
  return "unknown";
}

nlohmann::json TmrOptions::to_json() const {
  return {{"schedule", to_string(schedule())},
          {"epochs", epochs()},
          {"pos_epochs", pos_epochs()},
          {"learning_rate", learning_rate()},
          {"batch_size", batch_size()},
          {"optimizer", optimizer()},
          {"relabel_fraction", relabel_fraction()},
          {"other_ratio", other_ratio()}};
}

TmrOptions TmrOptions::from_json(const nlohmann::json& j) {
  TmrOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) {
    throw Error("tmr options: expected a JSON object with fields " + join(field_names()) +
                ", got " + std::string(j.type_name()));
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const auto& names = field_names();
    if (std::find(names.begin(), names.end(), it.key()) == names.end()) {
      throw Error("tmr options: unknown field '" + it.key() + "'; valid fields: " + join(names));
    }
  }
  if (j.contains("schedule")) {
    const auto& v = j.at("schedule");
    if (v == "mixed") {
      o.schedule(TmrSchedule::kMixed);
    } else if (v == "sequential") {
      o.schedule(TmrSchedule::kSequential);
    } else {
      bad("schedule", "\"mixed\" or \"sequential\"", v);
    }
  }
  if (j.contains("epochs")) o.epochs(get_int(j, "epochs", 1));
  if (j.contains("pos_epochs")) o.pos_epochs(get_int(j, "pos_epochs", 0));
  if (j.contains("batch_size")) o.batch_size(get_int(j, "batch_size", 1));
  if (j.contains("learning_rate")) {
    const double lr = get_double(j, "learning_rate");
    if (lr <= 0) bad("learning_rate", "a number > 0", j.at("learning_rate"));
    o.learning_rate(lr);
  }
  if (j.contains("optimizer")) {
    const auto& v = j.at("optimizer");
    const auto& opts = optimizer_names();
    if (!v.is_string() || std::find(opts.begin(), opts.end(), v.get<std::string>()) == opts.end()) {
      bad("optimizer", "one of " + join(opts), v);
    }
    o.optimizer(v.get<std::string>());
  }
  if (j.contains("relabel_fraction")) {
    const double f = get_double(j, "relabel_fraction");
    if (f < 0 || f > 1) bad("relabel_fraction", "a number in [0, 1]", j.at("relabel_fraction"));
    o.relabel_fraction(f);
  }
  if (j.contains("other_ratio")) {
    const double r = get_double(j, "other_ratio");
    if (r < 0) bad("other_ratio", "a number >= 0", j.at("other_ratio"));
    o.other_ratio(r);
  }
  return o;
}

torch::Tensor second_most_probable(const Model& model, const torch::Tensor& images) {
  if (!model.valid()) throw Error("second_most_probable: the model is empty");
  const torch::Tensor logits = model.logits(images);
  if (logits.dim() != 2 || logits.size(1) < 2) {
    throw Error(
        "second_most_probable: the model must output [N, classes] logits with at least 2 "
        "classes");
  }
  return std::get<1>(logits.topk(2, /*dim=*/1)).select(1, 1).to(torch::kLong).contiguous();
}

namespace {

void check_part(const Dataset& d, const std::string& what, const std::string& where) {
  if (d.size() == 0) return;
  if (!d.images.defined() || d.images.size(0) != d.size()) {
    throw Error(where + ": " + what + " has " + std::to_string(d.size()) +
                " labels but its images do not match");
  }
}

// The first `k` positions of a seeded permutation of 0..n-1, as an index tensor.
torch::Tensor seeded_choice(int64_t n, int64_t k, uint64_t seed) {
  std::vector<int64_t> p = permutation(n, seed);
  p.resize(static_cast<size_t>(std::min(k, n)));
  return torch::tensor(p, torch::kLong);
}

}  // namespace

Model TmrMutator::mutate(const Model& original, const MutationInputs& in) const {
  const std::string where =
      "cluster " + std::to_string(in.cluster) + " of class " + std::to_string(in.target_class);
  if (!original.valid()) throw Error("tmr, " + where + ": the original model is empty");
  if (in.neg.size() == 0) {
    throw Error(where +
                ": no correctly classified samples (I_neg is empty), so TMR has nothing to make "
                "the mutant mispredict; the original instance misclassifies every member of it");
  }
  check_part(in.neg, "I_neg", where);
  check_part(in.pos, "I_pos", where);
  check_part(in.other, "the other-class sample", where);
  const TmrOptions& o = options_;
  try {
    // L_mis from the original; a seeded `relabel_fraction` of I_neg gets it, the rest keeps its
    // label.
    const int64_t n = in.neg.size();
    const torch::Tensor lmis = second_most_probable(original, in.neg.images);
    torch::Tensor neg_labels = in.neg.labels.to(torch::kLong).clone();
    const int64_t k = std::llround(o.relabel_fraction() * static_cast<double>(n));
    if (k > 0) {
      const torch::Tensor idx = seeded_choice(n, k, derive_seed(in.seed, 1));
      neg_labels.index_put_({idx}, lmis.index_select(0, idx));
    }

    Model mutant = original.clone();
    TrainOptions t;
    t.batch_size(o.batch_size()).learning_rate(o.learning_rate()).optimizer(o.optimizer());

    if (o.schedule() == TmrSchedule::kSequential) {
      // Thesis Algorithm 5: N epochs on I_neg relabelled, then pos_epochs on I_pos (true labels).
      fit(mutant, in.neg.images, neg_labels, t.epochs(o.epochs()).seed(derive_seed(in.seed, 2)));
      if (o.pos_epochs() > 0 && in.pos.size() > 0) {
        fit(mutant, in.pos.images, in.pos.labels.to(torch::kLong),
            t.epochs(o.pos_epochs()).seed(derive_seed(in.seed, 3)));
      }
    } else {
      // Mixed: one shuffled set of I_neg relabelled, I_pos and other classes with true labels.
      std::vector<torch::Tensor> xs{in.neg.images};
      std::vector<torch::Tensor> ys{neg_labels};
      if (in.pos.size() > 0) {
        xs.push_back(in.pos.images);
        ys.push_back(in.pos.labels.to(torch::kLong));
      }
      const int64_t want = std::llround(o.other_ratio() * static_cast<double>(n + in.pos.size()));
      if (want > 0 && in.other.size() > 0) {
        if (want > in.other.size()) {
          spdlog::debug("tmr, {}: other-class pool holds {} samples, {} wanted; using all", where,
                        in.other.size(), want);
        }
        const torch::Tensor idx = seeded_choice(in.other.size(), want, derive_seed(in.seed, 4));
        xs.push_back(in.other.images.index_select(0, idx));
        ys.push_back(in.other.labels.to(torch::kLong).index_select(0, idx));
      }
      fit(mutant, torch::cat(xs), torch::cat(ys),
          t.epochs(o.epochs()).seed(derive_seed(in.seed, 5)));
    }
    return mutant;
  } catch (const std::exception& e) {
    throw Error("tmr, " + where + ": " + e.what());
  }
}

}  // namespace mutagen
