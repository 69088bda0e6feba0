// Targeted Misbehavior Retraining (SPEC 2.3): L_mis and the two fine-tuning schedules.
#include "mutagen/mutators/tmr.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "mutagen/error.h"
#include "mutagen/random.h"
#include "mutagen/training.h"

namespace mutagen {

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
