// Scoring many candidate values of the localised weights in one batched pass from the target layer
// on.
#include "candidate_evaluator.h"

#include <algorithm>

#include "mutagen/error.h"

namespace mutagen::internal {
namespace {

// Elements of layer outputs held at once: bounds candidates per batch (about 128 MB of floats).
constexpr int64_t kOutputBudget = int64_t{1} << 25;

}  // namespace

CandidateEvaluator::CandidateEvaluator(const Model& model, int64_t layer,
                                       std::vector<int64_t> selected, const Dataset& neg,
                                       const Dataset& keep)
    : model_(model),
      layer_(layer),
      end_(model.logits_end()),
      kernel_(KernelLayer::of(model, layer)),
      selected_(std::move(selected)) {
  torch::NoGradGuard no_grad;
  // Everything the scoring passes touch lives on the model's device; scores return to the CPU.
  const torch::Device device = model.device();
  neg_count_ = neg.size();
  const bool has_keep = keep.size() > 0;
  const torch::Tensor images = has_keep ? torch::cat({neg.images, keep.images}) : neg.images;
  labels_ =
      (has_keep ? torch::cat({neg.labels, keep.labels}) : neg.labels).to(device, torch::kLong);
  is_neg_ = torch::arange(labels_.size(0), torch::TensorOptions().device(device)) < neg_count_;
  input_ = layer_input(model, layer, images);
  output_ = kernel_.apply(input_);
  const torch::Tensor flat = torch::tensor(selected_, torch::kLong).to(device);
  original_ = kernel_.weight.reshape(-1).index_select(0, flat).to(torch::kFloat32);
  if (kernel_.kind == "Linear") {
    const int64_t in = kernel_.weight.size(1);
    rows_ = flat.div(in, "floor");
    cols_ = flat.remainder(in);
  } else {
    const int64_t q = kernel_.weight[0].numel();
    rows_ = flat.div(q, "floor");
    channels_ = std::get<0>(torch::_unique(rows_, /*sorted=*/true));
    const torch::Tensor position = torch::searchsorted(channels_, rows_);
    slot_ = position * q + flat.remainder(q);
  }
  chunk_ = std::max<int64_t>(1, kOutputBudget / std::max<int64_t>(1, output_.numel()));
}

torch::Tensor CandidateEvaluator::logits_chunk(const torch::Tensor& deltas) const {
  const int64_t p = deltas.size(0);
  const int64_t n = input_.size(0);
  torch::Tensor z;
  if (kernel_.kind == "Linear") {
    const int64_t out = kernel_.weight.size(0);
    const int64_t m = deltas.size(1);
    // M[c, l, row_l] = delta of weight l in candidate c: the layer output moves by input[:, col_l]
    // M.
    const torch::Tensor spread =
        torch::zeros({p, m, out}, deltas.options())
            .scatter_(2, rows_.view({1, m, 1}).expand({p, m, 1}), deltas.unsqueeze(2));
    z = output_.unsqueeze(0) +
        torch::einsum("nl,clj->cnj", {input_.index_select(1, cols_), spread});
    z = z.reshape({p * n, out});
  } else {
    const auto& w = kernel_.weight;
    const int64_t affected = channels_.size(0);
    torch::Tensor kernels = torch::zeros({p, affected * w[0].numel()}, deltas.options());
    kernels.index_copy_(1, slot_, deltas);
    const auto& g = kernel_.geometry;
    const torch::Tensor moved = torch::conv2d(
        input_, kernels.view({p * affected, w.size(1), w.size(2), w.size(3)}), {},
        {g.stride[0], g.stride[1]}, {g.padding[0], g.padding[1]}, {g.dilation[0], g.dilation[1]});
    const auto h = output_.size(2), wd = output_.size(3);
    z = output_.unsqueeze(0).repeat({p, 1, 1, 1, 1});
    z.index_add_(2, channels_, moved.view({n, p, affected, h, wd}).transpose(0, 1));
    z = z.reshape({p * n, output_.size(1), h, wd});
  }
  return model_.forward_layers(z, layer_ + 1, end_).reshape({p, n, -1});
}

CandidateScores CandidateEvaluator::score(const torch::Tensor& values) const {
  torch::NoGradGuard no_grad;
  model_.train(false);
  if (values.dim() != 2 || values.size(1) != static_cast<int64_t>(selected_.size()))
    throw Error("arachne: candidates must be [P, " + std::to_string(selected_.size()) + "]");
  const torch::Tensor deltas =
      values.to(original_.device(), torch::kFloat32) - original_.unsqueeze(0);
  std::vector<torch::Tensor> fitness, mispredicted;
  const torch::Tensor neg = is_neg_.unsqueeze(0);
  for (int64_t c = 0; c < deltas.size(0); c += chunk_) {
    const torch::Tensor d = deltas.slice(0, c, std::min(deltas.size(0), c + chunk_));
    const torch::Tensor logits = logits_chunk(d);  // [p, N, C]
    const torch::Tensor labels = labels_.view({1, -1, 1}).expand({d.size(0), -1, 1});
    const torch::Tensor loss =
        -torch::log_softmax(logits, 2).gather(2, labels).squeeze(2).to(torch::kFloat64);
    const torch::Tensor correct = logits.argmax(2).eq(labels.squeeze(2));
    // SPEC eq. 4.11-4.13: a cluster member scores 1 once mispredicted, else its loss; an input to
    // keep scores 1 while correct, else 1 / (1 + loss).
    const torch::Tensor neg_score = torch::where(correct, loss, torch::ones_like(loss));
    const torch::Tensor keep_score =
        torch::where(correct, torch::ones_like(loss), 1.0 / (1.0 + loss));
    fitness.push_back(torch::where(neg, neg_score, keep_score).sum(1));
    mispredicted.push_back((~correct & neg).sum(1).to(torch::kFloat64) /
                           static_cast<double>(std::max<int64_t>(1, neg_count_)));
  }
  evaluations_ += deltas.size(0);
  // Differential evolution compares them on the host.
  return {torch::cat(fitness).to(torch::kCPU), torch::cat(mispredicted).to(torch::kCPU)};
}

Model with_values(const Model& original, int64_t layer, const std::vector<int64_t>& selected,
                  const torch::Tensor& values) {
  Model mutant = original.clone();
  torch::NoGradGuard no_grad;
  torch::Tensor weight = mutant.layer_weight(layer);
  if (!weight.is_contiguous())
    throw Error("arachne: the weight of " + describe_layer(original, layer) + " is not contiguous");
  weight.view(-1).index_put_({torch::tensor(selected, torch::kLong).to(weight.device())},
                             values.to(weight.device(), weight.dtype()));
  return mutant;
}

int64_t prepare_target(const std::string& mutator, const Model& original, const MutationInputs& in,
                       const ArachneOptions& options) {
  const std::string where = mutator + ", cluster " + std::to_string(in.cluster) + " of class " +
                            std::to_string(in.target_class);
  if (!original.valid()) throw Error(where + ": the original model is empty");
  if (in.neg.size() == 0)
    throw Error(where +
                ": no correctly classified cluster members (I_neg is empty), expected at "
                "least one for localisation and fitness");
  check_data(in.neg, "I_neg", where);
  check_data(in.pos, "I_pos", where);
  check_data(in.other, "the other-class sample", where);
  try {
    return resolve_layer(original, options.layer());
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
}

}  // namespace mutagen::internal
