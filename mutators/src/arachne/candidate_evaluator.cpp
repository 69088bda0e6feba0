// Scoring many candidate values of the localised weights in one batched pass from the target layer
// on, in stages of inputs so that candidates that cannot reach their bar stop early.
#include "candidate_evaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "mutagen/error.h"

namespace mutagen::internal {
namespace {

// Elements of layer outputs held at once: bounds candidates per batch (about 128 MB of floats).
constexpr int64_t kOutputBudget = int64_t{1} << 25;
// Inputs to keep per stage: small enough that a hopeless candidate stops early, large enough for
// efficient batches.
constexpr int64_t kKeepStage = 400;

// Layers that act on each channel alone (in eval mode), so that they can carry only some channels.
// A batch norm does too, as a per-channel affine map, but its module wants all its channels: it
// runs as that map on the affected ones (CandidateEvaluator::affine_).
bool channel_wise(const std::string& kind) {
  static const std::set<std::string> kChannelWise = {"ReLU",
                                                     "ReLU6",
                                                     "LeakyReLU",
                                                     "ELU",
                                                     "SELU",
                                                     "CELU",
                                                     "GELU",
                                                     "SiLU",
                                                     "Mish",
                                                     "Hardtanh",
                                                     "Hardswish",
                                                     "Hardsigmoid",
                                                     "Softplus",
                                                     "Tanh",
                                                     "Sigmoid",
                                                     "MaxPool2d",
                                                     "AvgPool2d",
                                                     "AdaptiveAvgPool2d",
                                                     "AdaptiveMaxPool2d",
                                                     "Dropout",
                                                     "Dropout2d",
                                                     "Identity",
                                                     "BatchNorm2d"};
  return kChannelWise.count(kind) > 0;
}

// How sure the model is of each input's label: its logit minus the largest other logit.
torch::Tensor label_margin(const torch::Tensor& logits, const torch::Tensor& labels) {
  const torch::Tensor own = logits.gather(1, labels.view({-1, 1})).squeeze(1);
  const torch::Tensor others =
      logits.scatter(1, labels.view({-1, 1}), -std::numeric_limits<float>::infinity());
  return own - std::get<0>(others.max(1));
}

// The same for candidates' logits [p, n, C] and labels [p, n, 1]: [p, n].
torch::Tensor logit_margin(const torch::Tensor& logits, const torch::Tensor& labels) {
  const torch::Tensor own = logits.gather(2, labels).squeeze(2);
  const torch::Tensor others = logits.scatter(2, labels, -std::numeric_limits<float>::infinity());
  return own - std::get<0>(others.max(2));
}

}  // namespace

CandidateEvaluator::CandidateEvaluator(const Model& model, int64_t layer,
                                       std::vector<int64_t> selected, const Dataset& neg,
                                       const Dataset& keep, const InputWeights& weights,
                                       const ScoringRules& rules)
    : model_(model),
      layer_(layer),
      end_(model.logits_end()),
      kernel_(KernelLayer::of(model, layer)),
      selected_(std::move(selected)),
      bounded_neg_(rules.bounded_neg) {
  const double keep_margin = rules.keep_margin;
  for (int64_t k = 0; k < model.num_layers(); ++k) kinds_.push_back(model.layer_kind(k));
  torch::NoGradGuard no_grad;
  model.train(false);
  // Everything the scoring passes touch lives on the model's device; scores return to the CPU.
  const torch::Device device = model.device();
  neg_count_ = neg.size();
  if (weights.keep.defined() && weights.keep.numel() != keep.size())
    throw Error("arachne: " + std::to_string(weights.keep.numel()) +
                " weights for the inputs to keep, expected one per input (" +
                std::to_string(keep.size()) + ")");
  const torch::Tensor flat = torch::tensor(selected_, torch::kLong).to(device);
  original_ = kernel_.weight.reshape(-1).index_select(0, flat).to(torch::kFloat32);
  const torch::Tensor sample = kernel_.apply(layer_input(model, layer, neg.images.slice(0, 0, 1)));
  if (kernel_.kind == "Linear") {
    const int64_t in = kernel_.weight.size(1);
    rows_ = flat.div(in, "floor");
    cols_ = flat.remainder(in);
    carried_ = sample[0].numel();
  } else {
    prepare_conv(flat, sample);
  }

  // A cluster member scores its loss while correct (at most ln C: its label has the largest
  // probability; bounded: below 1) and 1 once mispredicted; an input to keep at most 1; each
  // times its weight.
  const int64_t classes = model.forward_layers(sample, layer + 1, end_).size(1);
  const double neg_best =
      (bounded_neg_ ? 1.0 : std::max(1.0, std::log(static_cast<double>(classes)))) + 1e-3;
  Stage first = prepare_stage(neg.images, neg.labels, torch::ones({neg.size()}, torch::kBool),
                              torch::full({neg.size()}, weights.neg, torch::kFloat64));
  first.best = neg_best * weights.neg * static_cast<double>(neg.size());
  stages_.push_back(std::move(first));
  if (keep.size() == 0) return;
  const torch::Tensor keep_weights =
      weights.keep.defined() ? weights.keep.to(torch::kCPU, torch::kFloat64).reshape({-1})
                             : torch::ones({keep.size()}, torch::kFloat64);
  const torch::Tensor keep_labels = keep.labels.to(device, torch::kLong);
  const torch::Tensor margin = label_margin(layer_input(model, end_, keep.images), keep_labels);
  const torch::Tensor order = margin.argsort().to(torch::kCPU);
  // The original itself must count every input as kept, despite float rounding on the
  // evaluator's path: a tolerance of 1e-3 below the margin to hold.
  const torch::Tensor hold = (margin.clamp_max(keep_margin) - 1e-3).clamp_min(0.0);
  for (int64_t b = 0; b < keep.size(); b += kKeepStage) {
    const torch::Tensor part = order.slice(0, b, std::min(keep.size(), b + kKeepStage));
    const torch::Tensor part_weights = keep_weights.index_select(0, part);
    Stage s = prepare_stage(keep.images.index_select(0, part.to(keep.images.device())),
                            keep.labels.index_select(0, part.to(keep.labels.device())),
                            torch::zeros({part.size(0)}, torch::kBool), part_weights);
    s.best = part_weights.sum().item<double>();
    if (keep_margin > 0) s.hold = hold.index_select(0, part.to(hold.device())).view({1, -1});
    stages_.push_back(std::move(s));
  }
}

void CandidateEvaluator::prepare_conv(const torch::Tensor& flat, const torch::Tensor& sample) {
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
    channel_weights_.push_back(position.eq(a).nonzero().view(-1).to(sample.device()));
  const torch::Tensor within = flat.remainder(q).to(torch::kCPU);
  for (int64_t l = 0; l < within.size(0); ++l) {
    const int64_t r = within[l].item<int64_t>();
    taps_.push_back({r / (kh * kw), (r / kw) % kh, r % kw});
  }

  // What follows the convolution decides how little each candidate must carry.
  int64_t k = layer_ + 1;
  while (k < end_ && channel_wise(model_.layer_kind(k))) ++k;
  // Each batch norm on the way, as scale and shift per affected channel: its output for inputs 0
  // and 1 (in eval mode it is y = a x + b per channel).
  for (int64_t j = layer_ + 1; j < k; ++j) {
    if (model_.layer_kind(j) != "BatchNorm2d") continue;
    const torch::Tensor zero = torch::zeros({1, sample.size(1), 1, 1}, sample.options());
    const torch::Tensor shift = model_.forward_layers(zero, j, j + 1);
    const torch::Tensor scale = model_.forward_layers(zero + 1, j, j + 1) - shift;
    affine_[j] = {scale.index_select(1, channels_).contiguous(),
                  shift.index_select(1, channels_).contiguous()};
  }
  const int64_t h = sample.size(2), wd = sample.size(3);
  carried_ = sample[0].numel();
  if (k + 1 < end_ && model_.layer_kind(k) == "Flatten" && model_.layer_kind(k + 1) == "Linear") {
    const torch::Tensor at_flatten = model_.forward_layers(sample, layer_ + 1, k);
    const torch::Tensor lin = model_.layer_weight(k + 1);
    if (at_flatten.dim() == 4 && lin.defined() && lin.size(1) == at_flatten[0].numel()) {
      const int64_t per_channel = at_flatten[0][0].numel();
      std::vector<torch::Tensor> columns;
      for (int64_t a = 0; a < affected; ++a) {
        const int64_t ch = channels_[a].item<int64_t>();
        columns.push_back(lin.slice(1, ch * per_channel, (ch + 1) * per_channel));
      }
      tail_weight_ = torch::cat(columns, 1).detach().contiguous();
      tail_end_ = k;
      carried_ = affected * h * wd;
    }
  } else if (k < end_ && model_.layer_kind(k) == "Conv2d") {
    const torch::Tensor next = model_.layer_weight(k);
    const torch::Tensor at_next = model_.forward_layers(sample, layer_ + 1, k);
    try {
      next_geometry_ = model_.layer_conv_geometry(k);
    } catch (const Error&) {
      return;  // string padding: the full path below still works
    }
    if (next.defined() && next_geometry_.groups == 1 && at_next.dim() == 4 &&
        next.size(1) == at_next.size(1)) {
      next_weight_ = next.detach().index_select(1, channels_).contiguous();
      next_conv_ = k;
      const int64_t next_out = model_.forward_layers(at_next, k, k + 1)[0].numel();
      carried_ = std::max(affected * h * wd, next_out);
    }
  }
}

torch::Tensor CandidateEvaluator::forward(torch::Tensor x, int64_t begin, int64_t end) const {
  int64_t from = begin;  // layers [from, k) not run yet
  for (int64_t k = begin; k < end; ++k) {
    // A batch norm on the affected channels: its affine map on them (when they are all of its
    // channels the map is the batch norm itself).
    const auto norm = affine_.find(k);
    if (norm != affine_.end() && x.dim() == 4 && x.size(1) == norm->second.first.size(1)) {
      if (from < k) x = model_.forward_layers(x, from, k);
      x = x * norm->second.first + norm->second.second;
      from = k + 1;
      continue;
    }
    // A ReLU before a max-pooling gives the same values after it (a maximum commutes with a
    // non-decreasing function, exactly in floating point), on a quarter of the elements for 2x2.
    if (k + 1 >= end || kinds_[static_cast<size_t>(k)] != "ReLU" ||
        kinds_[static_cast<size_t>(k + 1)] != "MaxPool2d")
      continue;
    if (from < k) x = model_.forward_layers(x, from, k);
    x = model_.forward_layers(model_.forward_layers(x, k + 1, k + 2), k, k + 1);
    from = k + 2;
    ++k;
  }
  return from < end ? model_.forward_layers(x, from, end) : x;
}

CandidateEvaluator::Stage CandidateEvaluator::prepare_stage(const torch::Tensor& images,
                                                            const torch::Tensor& labels,
                                                            const torch::Tensor& is_neg,
                                                            const torch::Tensor& weight) const {
  const torch::Device device = model_.device();
  Stage s;
  s.size = images.size(0);
  s.labels = labels.to(device, torch::kLong);
  s.is_neg = is_neg.to(device);
  s.weight = weight.to(device, torch::kFloat64).view({1, -1});
  const torch::Tensor input = layer_input(model_, layer_, images);
  s.output = kernel_.apply(input);
  s.chunk = std::max<int64_t>(1, kOutputBudget / std::max<int64_t>(1, s.size * carried_));
  if (kernel_.kind == "Linear") {
    s.input = input.index_select(1, cols_);  // what the localised weights read
    return s;
  }
  // The input value under weight (o, c, i, j) at output (y, x) is padded[c, y*s + i*d, x*s + j*d].
  const auto& g = kernel_.geometry;
  const int64_t h = s.output.size(2), wd = s.output.size(3);
  const torch::Tensor padded =
      torch::constant_pad_nd(input, {g.padding[1], g.padding[1], g.padding[0], g.padding[0]});
  std::vector<torch::Tensor> patches;
  for (const auto& [c, i, j] : taps_) {
    const int64_t y0 = i * g.dilation[0], x0 = j * g.dilation[1];
    patches.push_back(padded.select(1, c)
                          .slice(1, y0, y0 + (h - 1) * g.stride[0] + 1, g.stride[0])
                          .slice(2, x0, x0 + (wd - 1) * g.stride[1] + 1, g.stride[1]));
  }
  const torch::Tensor all = torch::stack(patches).view({static_cast<int64_t>(taps_.size()), -1});
  for (const torch::Tensor& l : channel_weights_)
    s.channel_patches.push_back(all.index_select(0, l).contiguous());
  s.affected_output = s.output.index_select(1, channels_).contiguous();
  if (tail_end_ > 0) {
    s.tail_original = forward(s.affected_output, layer_ + 1, tail_end_);
    s.tail_output = model_.forward_layers(s.output, layer_ + 1, tail_end_ + 2);
    s.output = torch::Tensor();  // not needed again
  } else if (next_conv_ > 0) {
    s.next_input = forward(s.affected_output, layer_ + 1, next_conv_);
    s.next_output = model_.forward_layers(s.output, layer_ + 1, next_conv_ + 1);
    s.output = torch::Tensor();
  }
  return s;
}

torch::Tensor CandidateEvaluator::moved_channels(const Stage& s,
                                                 const torch::Tensor& deltas) const {
  const int64_t p = deltas.size(0), n = s.size;
  const int64_t h = s.affected_output.size(2), wd = s.affected_output.size(3);
  const int64_t affected = channels_.size(0);
  torch::Tensor moved = torch::empty({affected, p, n * h * wd}, deltas.options());
  for (size_t a = 0; a < channel_weights_.size(); ++a) {
    torch::Tensor out = moved[static_cast<int64_t>(a)];
    torch::mm_out(out, deltas.index_select(1, channel_weights_[a]), s.channel_patches[a]);
  }
  return moved.view({affected, p, n, h, wd}).permute({1, 2, 0, 3, 4});
}

torch::Tensor CandidateEvaluator::logits_chunk(const Stage& s, const torch::Tensor& deltas) const {
  const int64_t p = deltas.size(0);
  const int64_t n = s.size;
  if (kernel_.kind == "Linear") {
    const int64_t out = kernel_.weight.size(0);
    const int64_t m = deltas.size(1);
    // M[c, l, row_l] = delta of weight l in candidate c: the layer output moves by input[:, col_l]
    // M.
    const torch::Tensor spread =
        torch::zeros({p, m, out}, deltas.options())
            .scatter_(2, rows_.view({1, m, 1}).expand({p, m, 1}), deltas.unsqueeze(2));
    const torch::Tensor z = s.output.unsqueeze(0) + torch::einsum("nl,clj->cnj", {s.input, spread});
    return forward(z.reshape({p * n, out}), layer_ + 1, end_).reshape({p, n, -1});
  }
  const int64_t affected = channels_.size(0);
  const int64_t h = s.affected_output.size(2), wd = s.affected_output.size(3);
  if (tail_end_ > 0) {
    // Only the affected channels go through the channel-wise layers; the Linear after the Flatten
    // moves by its columns of those channels times their change.
    const torch::Tensor z_aff = (s.affected_output.unsqueeze(0) + moved_channels(s, deltas))
                                    .reshape({p * n, affected, h, wd});
    const torch::Tensor at_flatten = forward(z_aff, layer_ + 1, tail_end_);
    const torch::Tensor change =
        (at_flatten.view({p, n, -1}) - s.tail_original.view({1, n, -1})).reshape({p * n, -1});
    const torch::Tensor z =
        (s.tail_output.unsqueeze(0) + torch::mm(change, tail_weight_.t()).view({p, n, -1}))
            .reshape({p * n, -1});
    return model_.forward_layers(z, tail_end_ + 2, end_).reshape({p, n, -1});
  }
  if (next_conv_ > 0) {
    // The next convolution is linear in its input: its output moves by its weight's columns of the
    // affected channels convolved with their change (only those channels pass the layers between).
    const torch::Tensor z_aff = (s.affected_output.unsqueeze(0) + moved_channels(s, deltas))
                                    .reshape({p * n, affected, h, wd});
    const torch::Tensor at_next = forward(z_aff, layer_ + 1, next_conv_);
    const torch::Tensor change =
        (at_next.view({p, n, -1}) - s.next_input.view({1, n, -1})).view(at_next.sizes());
    const auto& g = next_geometry_;
    torch::Tensor z = torch::conv2d(change, next_weight_, {}, {g.stride[0], g.stride[1]},
                                    {g.padding[0], g.padding[1]}, {g.dilation[0], g.dilation[1]});
    z.view({p, n, -1}).add_(s.next_output.view({1, n, -1}));
    return forward(z, next_conv_ + 1, end_).reshape({p, n, -1});
  }
  torch::Tensor z = s.output.unsqueeze(0).repeat({p, 1, 1, 1, 1});
  z.index_add_(2, channels_, moved_channels(s, deltas));
  z = z.reshape({p * n, s.output.size(1), h, wd});
  return forward(z, layer_ + 1, end_).reshape({p, n, -1});
}

CandidateScores CandidateEvaluator::score(const torch::Tensor& values,
                                          const torch::Tensor& bar) const {
  torch::NoGradGuard no_grad;
  model_.train(false);
  if (values.dim() != 2 || values.size(1) != static_cast<int64_t>(selected_.size()))
    throw Error("arachne: candidates must be [P, " + std::to_string(selected_.size()) + "]");
  const int64_t count = values.size(0);
  if (bar.defined() && (bar.dim() != 1 || bar.size(0) != count))
    throw Error("arachne: the bar must have one value per candidate (" + std::to_string(count) +
                ")");
  const torch::Tensor deltas =
      values.to(original_.device(), torch::kFloat32) - original_.unsqueeze(0);
  std::vector<double> bars;
  if (bar.defined()) {
    const torch::Tensor b = bar.to(torch::kCPU, torch::kFloat64).contiguous();
    bars.assign(b.data_ptr<double>(), b.data_ptr<double>() + count);
  }
  std::vector<double> total(static_cast<size_t>(count), 0.0), missed(total);
  std::vector<bool> alive(static_cast<size_t>(count), true);
  std::vector<double> best_after(stages_.size() + 1, 0.0);  // the most stages si.. can add
  for (size_t si = stages_.size(); si-- > 0;)
    best_after[si] = best_after[si + 1] + stages_[si].best;

  for (size_t si = 0; si < stages_.size(); ++si) {
    const Stage& s = stages_[si];
    std::vector<int64_t> ids;
    for (int64_t c = 0; c < count; ++c) {
      const auto k = static_cast<size_t>(c);
      if (alive[k] && !bars.empty() && total[k] + best_after[si] < bars[k]) alive[k] = false;
      if (alive[k]) ids.push_back(c);
    }
    if (ids.empty()) break;
    const torch::Tensor chosen =
        deltas.index_select(0, torch::tensor(ids, torch::kLong).to(deltas.device()));
    const torch::Tensor neg = s.is_neg.unsqueeze(0);
    std::vector<torch::Tensor> fitness, mispredicted;
    for (int64_t c = 0; c < chosen.size(0); c += s.chunk) {
      const torch::Tensor d = chosen.slice(0, c, std::min(chosen.size(0), c + s.chunk));
      const torch::Tensor logits = logits_chunk(s, d);  // [p, n, C]
      const torch::Tensor labels = s.labels.view({1, -1, 1}).expand({d.size(0), -1, 1});
      const torch::Tensor loss =
          -torch::log_softmax(logits, 2).gather(2, labels).squeeze(2).to(torch::kFloat64);
      const torch::Tensor correct = logits.argmax(2).eq(labels.squeeze(2));
      // SPEC eq. 4.11-4.13: a cluster member scores 1 once mispredicted, else its loss (bounded:
      // loss / (1 + loss)); an input
      // to keep scores 1 while correct (keep_margin: while it holds its margin), else
      // 1 / (1 + loss).
      const torch::Tensor neg_score =
          torch::where(correct, bounded_neg_ ? loss / (1.0 + loss) : loss, torch::ones_like(loss));
      const torch::Tensor kept =
          s.hold.defined() ? correct & logit_margin(logits, labels).ge(s.hold) : correct;
      const torch::Tensor keep_score =
          torch::where(kept, torch::ones_like(loss), 1.0 / (1.0 + loss));
      fitness.push_back((torch::where(neg, neg_score, keep_score) * s.weight).sum(1));
      mispredicted.push_back((~correct & neg).sum(1).to(torch::kFloat64));
    }
    const torch::Tensor f = torch::cat(fitness).to(torch::kCPU).contiguous();
    const torch::Tensor mis = torch::cat(mispredicted).to(torch::kCPU).contiguous();
    for (size_t i = 0; i < ids.size(); ++i) {
      const auto k = static_cast<size_t>(ids[i]);
      total[k] += f.data_ptr<double>()[i];
      missed[k] += mis.data_ptr<double>()[i];
    }
    input_evaluations_ += static_cast<int64_t>(ids.size()) * s.size;
  }
  evaluations_ += count;
  // Differential evolution compares them on the host.
  const double negs = static_cast<double>(std::max<int64_t>(1, neg_count_));
  for (size_t k = 0; k < total.size(); ++k) {
    total[k] = alive[k] ? total[k] : -std::numeric_limits<double>::infinity();
    missed[k] = alive[k] ? missed[k] / negs : std::numeric_limits<double>::quiet_NaN();
  }
  return {torch::tensor(total, torch::kFloat64), torch::tensor(missed, torch::kFloat64)};
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
