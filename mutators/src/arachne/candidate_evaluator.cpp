// Scoring many candidate values of the localised weights in one batched pass from the target layer
// on.
#include "candidate_evaluator.h"

#include <algorithm>
#include <set>

#include "mutagen/error.h"

namespace mutagen::internal {
namespace {

// Elements of layer outputs held at once: bounds candidates per batch (about 128 MB of floats).
constexpr int64_t kOutputBudget = int64_t{1} << 25;

}  // namespace

CandidateEvaluator::CandidateEvaluator(const Model& model, int64_t layer,
                                       std::vector<int64_t> selected, const Dataset& neg,
                                       const Dataset& keep, double keep_weight)
    : model_(model),
      layer_(layer),
      end_(model.logits_end()),
      kernel_(KernelLayer::of(model, layer)),
      selected_(std::move(selected)) {
  torch::NoGradGuard no_grad;
  // Everything the scoring passes touch lives on the model's device; scores return to the CPU.
  const torch::Device device = model.device();
  neg_count_ = neg.size();
  keep_weight_ = keep_weight;
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
    chunk_ = std::max<int64_t>(1, kOutputBudget / std::max<int64_t>(1, output_.numel()));
  } else {
    prepare_conv(flat);
  }
}

void CandidateEvaluator::prepare_conv(const torch::Tensor& flat) {
  const auto& w = kernel_.weight;
  const auto& g = kernel_.geometry;
  if (g.groups != 1)
    throw Error("arachne: " + kernel_.kind + " with groups = " + std::to_string(g.groups) +
                " is not supported, expected groups = 1");
  const int64_t q = w[0].numel(), kh = w.size(2), kw = w.size(3);
  rows_ = flat.div(q, "floor");
  channels_ = std::get<0>(torch::_unique(rows_, /*sorted=*/true));
  const torch::Tensor position = torch::searchsorted(channels_, rows_).to(torch::kCPU);
  const int64_t affected = channels_.size(0);
  for (int64_t a = 0; a < affected; ++a)
    channel_weights_.push_back(position.eq(a).nonzero().view(-1).to(output_.device()));

  // The input value under weight (o, c, i, j) at output (y, x) is padded[c, y*s + i*d, x*s + j*d].
  const int64_t h = output_.size(2), wd = output_.size(3);
  const torch::Tensor padded =
      torch::constant_pad_nd(input_, {g.padding[1], g.padding[1], g.padding[0], g.padding[0]});
  const torch::Tensor within = flat.remainder(q).to(torch::kCPU);
  std::vector<torch::Tensor> patches;
  for (int64_t l = 0; l < within.size(0); ++l) {
    const int64_t r = within[l].item<int64_t>();
    const int64_t c = r / (kh * kw), i = (r / kw) % kh, j = r % kw;
    const int64_t y0 = i * g.dilation[0], x0 = j * g.dilation[1];
    patches.push_back(padded.select(1, c)
                          .slice(1, y0, y0 + (h - 1) * g.stride[0] + 1, g.stride[0])
                          .slice(2, x0, x0 + (wd - 1) * g.stride[1] + 1, g.stride[1]));
  }
  const torch::Tensor all = torch::stack(patches).view({within.size(0), -1});  // [m, N*H*W]
  for (const torch::Tensor& l : channel_weights_)
    channel_patches_.push_back(all.index_select(0, l).contiguous());
  affected_output_ = output_.index_select(1, channels_).contiguous();

  // A channel-wise tail up to Flatten + Linear carries only the affected channels.
  static const std::set<std::string> kChannelWise = {
      "ReLU",      "LeakyReLU", "ELU",     "GELU",      "Tanh",    "Sigmoid",
      "MaxPool2d", "AvgPool2d", "Dropout", "Dropout2d", "Identity"};
  int64_t k = layer_ + 1;
  while (k < end_ && kChannelWise.count(model_.layer_kind(k))) ++k;
  const int64_t n = output_.size(0);
  if (k + 1 < end_ && model_.layer_kind(k) == "Flatten" && model_.layer_kind(k + 1) == "Linear") {
    const torch::Tensor at_flatten = model_.forward_layers(output_.slice(0, 0, 1), layer_ + 1, k);
    const torch::Tensor lin = model_.layer_weight(k + 1);
    if (at_flatten.dim() == 4 && lin.defined() && lin.size(1) == at_flatten[0].numel()) {
      const int64_t per_channel = at_flatten[0][0].numel();
      std::vector<torch::Tensor> columns;
      for (int64_t a = 0; a < affected; ++a) {
        const int64_t ch = channels_[a].item<int64_t>();
        columns.push_back(lin.slice(1, ch * per_channel, (ch + 1) * per_channel));
      }
      tail_weight_ = torch::cat(columns, 1).detach().contiguous();
      tail_original_ = model_.forward_layers(affected_output_, layer_ + 1, k);
      tail_output_ = model_.forward_layers(output_, layer_ + 1, k + 2);
      tail_end_ = k;
    }
  }
  const int64_t carried = tail_end_ > 0 ? affected * h * wd : output_[0].numel();
  chunk_ = std::max<int64_t>(1, kOutputBudget / std::max<int64_t>(1, n * carried));
}

torch::Tensor CandidateEvaluator::moved_channels(const torch::Tensor& deltas) const {
  const int64_t p = deltas.size(0), n = output_.size(0);
  const int64_t h = output_.size(2), wd = output_.size(3);
  const int64_t affected = channels_.size(0);
  torch::Tensor moved = torch::empty({affected, p, n * h * wd}, deltas.options());
  for (size_t a = 0; a < channel_weights_.size(); ++a) {
    torch::Tensor out = moved[static_cast<int64_t>(a)];
    torch::mm_out(out, deltas.index_select(1, channel_weights_[a]), channel_patches_[a]);
  }
  return moved.view({affected, p, n, h, wd}).permute({1, 2, 0, 3, 4});
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
  } else if (tail_end_ > 0) {
    // Only the affected channels go through the channel-wise layers; the Linear after the Flatten
    // moves by its columns of those channels times their change.
    const int64_t affected = channels_.size(0);
    const torch::Tensor z_aff = (affected_output_.unsqueeze(0) + moved_channels(deltas))
                                    .reshape({p * n, affected, output_.size(2), output_.size(3)});
    const torch::Tensor at_flatten = model_.forward_layers(z_aff, layer_ + 1, tail_end_);
    const torch::Tensor change =
        (at_flatten.view({p, n, -1}) - tail_original_.view({1, n, -1})).reshape({p * n, -1});
    z = (tail_output_.unsqueeze(0) + torch::mm(change, tail_weight_.t()).view({p, n, -1}))
            .reshape({p * n, -1});
    return model_.forward_layers(z, tail_end_ + 2, end_).reshape({p, n, -1});
  } else {
    const auto h = output_.size(2), wd = output_.size(3);
    z = output_.unsqueeze(0).repeat({p, 1, 1, 1, 1});
    z.index_add_(2, channels_, moved_channels(deltas));
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
        keep_weight_ * torch::where(correct, torch::ones_like(loss), 1.0 / (1.0 + loss));
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
