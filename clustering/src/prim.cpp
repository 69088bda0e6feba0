#include "prim.h"

#include <algorithm>
#include <limits>

#include "simd.h"

namespace mutagen::clustering_detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

MUTAGEN_ALWAYS_INLINE int64_t prim_step_steps(int64_t n, int64_t cur, const double* row,
                                              double* key, double* best, int64_t* from) {
  using namespace simd;
  const double cc = key[cur];
  key[cur] = kInf;
  best[cur] = kInf;
  const v4d ccv = broadcast(cc);
  const v4l curv = broadcast(cur);
  v4d bwv = broadcast(kInf);
  v4l bjv = broadcast(n), idx = {0, 1, 2, 3};
  const int64_t n4 = n & ~int64_t(3);
  for (int64_t j = 0; j < n4; j += 4, idx += 4) {
    const v4d w = max(load(row + j), max(load(key + j), ccv)), b = load(best + j);
    const v4l better = w < b;
    const v4d nb = better ? w : b;
    store(best + j, nb);
    store(from + j, better ? curv : load(from + j));
    keep_first_minimum(nb, idx, bwv, bjv);
  }
  double bw = kInf;
  int64_t bj = n;
  fold_first_minimum<4>(bwv, bjv, bw, bj);
  for (int64_t j = n4; j < n; ++j) {  // the tail: higher indices, so only a smaller value wins
    const double w = std::max(row[j], std::max(key[j], cc));
    if (w < best[j]) best[j] = w, from[j] = cur;
    if (best[j] < bw) bw = best[j], bj = j;
  }
  return bj;
}

}  // namespace

MUTAGEN_SIMD_DISPATCH(int64_t, prim_step,
                      (int64_t n, int64_t cur, const double* row, double* key, double* best,
                       int64_t* from),
                      (n, cur, row, key, best, from))

}  // namespace mutagen::clustering_detail
