// WS: shuffles the incoming weights of a seeded `ratio` of one layer's neurons (output units or
// channels), so each keeps the multiset of its weights but loses their arrangement
// (DeepMutation++).
#include "deepmutation_base.h"

namespace mutagen {

Model WeightShuffling::mutate(const Model& original, const MutationInputs& inputs) const {
  Rng rng(mutant_seed(inputs));
  internal::WeightEdit e = internal::edit_weights(original, options_, rng, kName);
  const torch::Tensor& w = e.weight;
  const int64_t neurons = w.size(0);
  for (int64_t n : internal::choose(neurons, internal::count_of(options_.ratio(), neurons), rng)) {
    torch::Tensor row = w[n].view(-1);
    const std::vector<int64_t> order = permutation(row.numel(), rng.next());
    row.copy_(row.index({torch::tensor(order, torch::kLong).to(row.device())}));
  }
  return e.mutant;
}

}  // namespace mutagen
