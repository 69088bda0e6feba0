// UMAP layout optimisation: umap-learn's optimize_layout_euclidean, on two threads, deterministic.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <numeric>
#include <thread>

#include "simd.h"
#include "umap_internal.h"

namespace mutagen::umap_detail {
namespace {

inline double clip4(double v) { return v > 4.0 ? 4.0 : (v < -4.0 ? -4.0 : v); }

// x^y for x > 0 as 2^(y log2 x) with polynomial log2 and exp2 (relative error < 3e-7, plenty for
// SGD on a float-precision layout): std::pow dominates the optimisation otherwise. Plain IEEE
// arithmetic, so the result is the same on every platform.
inline double fast_pow(double x, double y) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const double e = double(int64_t((bits >> 52) & 0x7ff) - 1023);
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
  double m;
  std::memcpy(&m, &bits, sizeof m);
  const double t = m - 1.0, t2 = t * t, t4 = t2 * t2;
  const double lg = (3.1969782809948555e-07 + 1.4426521110421708 * t) +
                    t2 * (-0.72038661194361364 + 0.47249952518942395 * t) +
                    t4 * ((-0.32311593512580722 + 0.19042083138444804 * t) +
                          t2 * (-0.076848725960549216 + 0.014778720763978679 * t));
  double z = y * (e + lg);
  z = z < -1000.0 ? -1000.0 : (z > 1000.0 ? 1000.0 : z);
  const int64_t i = int64_t(z + 1024.0) - 1024;  // floor
  const double f = z - double(i), f2 = f * f, f4 = f2 * f2;
  const double p =
      (1.000000002586888 + 0.6931469286930162 * f) +
      f2 * (0.24023050204515434 + 0.055480426325123823 * f) +
      f4 * ((0.0096845804536220825 + 0.0012387821466772122 * f) + f2 * 0.00021877504813891309);
  const uint64_t sb = uint64_t(i + 1023) << 52;
  double scale;
  std::memcpy(&scale, &sb, sizeof scale);
  return p * scale;
}

// Four lanes of float (GCC/Clang vector extensions: SSE on x86-64, NEON on ARM, plain IEEE lanes).
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef double v2d __attribute__((vector_size(16)));

// fast_pow for a vector of floats (relative error ~1e-5), lane by lane; eight lanes here.
template <class VF, class VI>
MUTAGEN_ALWAYS_INLINE VF fast_pow_lanes(VF x, float y) {
  const VI bits = (VI)x;  // same-size vector casts reinterpret the bits
  const VF e = __builtin_convertvector(((bits >> 23) & 0xff) - 127, VF);
  const VI mb = (bits & 0x7fffff) | 0x3f800000;
  const VF t = (VF)mb - 1.0f, t2 = t * t, t4 = t2 * t2;
  const VF lg = (2.12374089e-06f + 1.44247531f * t) + t2 * (-0.717557872f + 0.455527088f * t) +
                t4 * ((-0.274623258f + 0.119298238f * t) + t2 * -0.0251232033f);
  VF z = y * (e + lg);
  z = z < -120.0f ? -120.0f : z;
  z = z > 120.0f ? 120.0f : z;
  const VI i = __builtin_convertvector(z + 128.0f, VI) - 128;  // floor
  const VF f = z - __builtin_convertvector(i, VF), f2 = f * f;
  const VF p = (0.999999896f + 0.69315462f * f) + f2 * (0.24014077f + 0.0558632827f * f) +
               f2 * f2 * (0.00894621467f + 0.00189510729f * f);
  const VI sb = (i + 127) << 23;
  return p * (VF)sb;
}

// o4[c][l] = float(p[l][c]) for the 10 coordinates of four points: loads of four doubles converted
// four at a time and transposed by shuffles, instead of forty single conversions and inserts. The
// same values as those.
MUTAGEN_ALWAYS_INLINE void gather10(const double* const p[4], v4f o4[10]) {
  v4f r[4][3];
  for (int l = 0; l < 4; ++l) {
    r[l][0] = __builtin_convertvector(simd::load(p[l]), v4f);
    r[l][1] = __builtin_convertvector(simd::load(p[l] + 4), v4f);
    r[l][2] = v4f{float(p[l][8]), float(p[l][9]), 0.0f, 0.0f};
  }
  const v4i lo = {0, 4, 1, 5}, hi = {2, 6, 3, 7}, first = {0, 1, 4, 5}, second = {2, 3, 6, 7};
  for (int b = 0; b < 3; ++b) {
    const v4f t0 = __builtin_shuffle(r[0][b], r[1][b], lo),
              t1 = __builtin_shuffle(r[2][b], r[3][b], lo);
    o4[4 * b] = __builtin_shuffle(t0, t1, first);
    o4[4 * b + 1] = __builtin_shuffle(t0, t1, second);
    if (b == 2) break;  // coordinates 8 and 9 only
    const v4f t2 = __builtin_shuffle(r[0][b], r[1][b], hi),
              t3 = __builtin_shuffle(r[2][b], r[3][b], hi);
    o4[4 * b + 2] = __builtin_shuffle(t2, t3, first);
    o4[4 * b + 3] = __builtin_shuffle(t2, t3, second);
  }
}

// o8[c][l] = float(p[l][c]) for eight points of D coordinates (2 or 10), from vector loads,
// conversions and shuffles: filling the lanes one float at a time stalls on the stores.
template <int D>
MUTAGEN_ALWAYS_INLINE void gather8(const double* const p[8], v8f o8[D]) {
  static_assert(D == 2 || D == 10, "2-d and 10-d layouts only");
  if constexpr (D == 2) {
    v4f q[4];  // q[h] = {x, y} of points 2h and 2h + 1
    for (int h = 0; h < 4; ++h) {
      v2d a, b;
      __builtin_memcpy(&a, p[2 * h], sizeof a);
      __builtin_memcpy(&b, p[2 * h + 1], sizeof b);
      q[h] = __builtin_convertvector(__builtin_shufflevector(a, b, 0, 1, 2, 3), v4f);
    }
    const v4i even = {0, 2, 4, 6}, odd = {1, 3, 5, 7};
    const v4f x0 = __builtin_shuffle(q[0], q[1], even), x1 = __builtin_shuffle(q[2], q[3], even);
    const v4f y0 = __builtin_shuffle(q[0], q[1], odd), y1 = __builtin_shuffle(q[2], q[3], odd);
    o8[0] = __builtin_shufflevector(x0, x1, 0, 1, 2, 3, 4, 5, 6, 7);
    o8[1] = __builtin_shufflevector(y0, y1, 0, 1, 2, 3, 4, 5, 6, 7);
  } else {
    v4f lo[10], hi[10];
    gather10(p, lo);
    gather10(p + 4, hi);
    for (int c = 0; c < 10; ++c)
      o8[c] = __builtin_shufflevector(lo[c], hi[c], 0, 1, 2, 3, 4, 5, 6, 7);
  }
}

// Uniform in [0, n) from 32 random bits, by multiply-shift (no division).
inline int64_t pick(Rng& rng, uint64_t n) { return int64_t(((rng.next() >> 32) * n) >> 32); }

// The layout is optimised in two partitions of the vertices (split where the expected number of
// samples balances), each run by its own thread. A partition moves only its own vertices; it reads
// the other partition's vertices as they were at the start of the epoch, and the moves it owes them
// (move_other of an edge across the split) are added at the end of the epoch. Every random choice
// comes from the partition's own generator, so the result does not depend on the number of threads.
constexpr int kParts = 2;
constexpr double kNegativeRate = 5.0;

struct Edges {
  std::vector<int32_t> head, tail;
  std::vector<double> eps, eps_neg, next, next_neg;
};

// The negative samples' vertices, drawn from the partition's generator kAhead draws before their
// use (the same sequence, so the same layout), so that their points can be prefetched: random
// reads of the layout (480 KB at 6000 x 10 doubles, more than a core's L2) wait on memory
// otherwise.
struct PickAhead {
  static constexpr int kAhead = 16;
  int64_t vertex[kAhead] = {};
  int pos = 0;
  bool filled = false;
};

struct Part {
  int64_t v0 = 0, v1 = 0;  // owned vertices
  int64_t e0 = 0, e1 = 0;  // edges whose head is owned (edges are sorted by head)
  Rng rng{0};
  PickAhead ahead;
  std::vector<double> owed;     // moves owed to the other partition's vertices (n x dim)
  std::vector<int32_t> active;  // scratch: the edges sampled in this epoch
};

// One epoch of one partition. D > 0: compile-time dimension; D == 0: runtime `dim`.
template <int D>
MUTAGEN_ALWAYS_INLINE void epoch_part_steps(Part& part, Edges& E, double* Y, const double* S,
                                            int64_t dim_rt, int64_t n, double a, double b,
                                            double alpha, double ep) {
  const int64_t dim = D > 0 ? D : dim_rt;
  const double two_ab = 2.0 * a * b, two_b = 2.0 * b;
  std::vector<double> acc(D > 0 ? 0 : size_t(dim));  // the negatives' sum (runtime dim only)
  double pos_fixed[D > 0 ? D : 1];
  std::vector<double> pos_dyn(D > 0 ? 0 : size_t(dim));
  double* pos = D > 0 ? pos_fixed : pos_dyn.data();
  auto at = [&](int64_t v) -> const double* {
    return (v >= part.v0 && v < part.v1 ? Y : S) + v * dim;
  };
  auto prefetch = [&](int64_t v) {
    const double* p = at(v);
    __builtin_prefetch(p);
    if (dim > 1) __builtin_prefetch(p + dim - 1);  // a point may straddle two cache lines
  };
  // Small layouts (2-d: 96 KB) stay in the cache: there the draws ahead only cost time.
  const bool prefetching = n * dim * int64_t(sizeof(double)) > (int64_t(256) << 10);
  PickAhead& ahead = part.ahead;
  if (prefetching && !ahead.filled) {
    for (int i = 0; i < PickAhead::kAhead; ++i) ahead.vertex[i] = pick(part.rng, uint64_t(n));
    ahead.filled = true;
  }
  if (prefetching)
    for (int i = 0; i < PickAhead::kAhead; ++i) prefetch(ahead.vertex[i]);
  // The next negative sample; draws its replacement and prefetches that one's point.
  auto negative = [&]() {
    if (!prefetching) return pick(part.rng, uint64_t(n));
    const int64_t v = ahead.vertex[ahead.pos];
    const int64_t next = pick(part.rng, uint64_t(n));
    ahead.vertex[ahead.pos] = next;
    ahead.pos = ahead.pos + 1 == PickAhead::kAhead ? 0 : ahead.pos + 1;
    prefetch(next);
    return v;
  };
  // The edges due in this epoch, collected without branches (which edges are due looks random).
  part.active.resize(size_t(part.e1 - part.e0));
  int64_t due = 0;
  for (int64_t e = part.e0; e < part.e1; ++e) {
    part.active[due] = int32_t(e);
    due += E.next[e] <= ep;
  }
  constexpr int64_t kEdgesAhead = 4;  // positive samples' points prefetched this many edges ahead
  for (int64_t q = 0; q < due; ++q) {
    const int64_t e = part.active[q];
    if (prefetching && q + kEdgesAhead < due) prefetch(E.tail[part.active[q + kEdgesAhead]]);
    double* cur = Y + int64_t(E.head[e]) * dim;
    const int64_t t = E.tail[e];
    const bool own = t >= part.v0 && t < part.v1;
    const double* oth = at(t);
    double d2 = 0;
    std::fill(pos, pos + dim, 0.0);
    for (int64_t c = 0; c < dim; ++c) {
      const double x = cur[c] - oth[c];
      d2 += x * x;
    }
    if (d2 > 0) {
      const double pb1 = fast_pow(d2, b - 1.0);
      const double coeff = -two_ab * pb1 / (a * pb1 * d2 + 1.0);
      double* moved = own ? Y + t * dim : part.owed.data() + t * dim;
      for (int64_t c = 0; c < dim; ++c) {
        const double g = clip4(coeff * (cur[c] - oth[c])) * alpha;
        pos[c] = g;  // applied below, with the negative samples
        moved[c] -= g;
      }
    }
    E.next[e] += E.eps[e];
    const int64_t n_neg = int64_t((ep - E.next_neg[e]) / E.eps_neg[e]);
    // The attraction and the negative samples are all computed from the same position and applied
    // together, the negatives' sum clipped at 4 like each gradient (umap-learn applies them one by
    // one; an unclipped sum costs trustworthiness, this does not): independent computations the CPU
    // overlaps.
    if constexpr (D > 0) {
      // Eight negative samples at a time, in float lanes (for the usual 2-d and 10-d layouts);
      // lanes past n_neg (the vertex itself) and coincident points give 0. Each group's gradients
      // are added to the four-lane sums half by half: the order of four lanes at a time.
      v8f cf[D];
      for (int c = 0; c < D; ++c) cf[c] = v8f{} + float(cur[c]);
      v4f sum[D];
      for (int c = 0; c < D; ++c) sum[c] = v4f{0, 0, 0, 0};
      for (int64_t s = 0; s < n_neg; s += 8) {
        const double* p[8];
        for (int l = 0; l < 8; ++l) p[l] = s + l < n_neg ? at(negative()) : cur;
        v8f o8[D];
        gather8<D>(p, o8);
        v8f q2 = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int c = 0; c < D; ++c) {
          o8[c] = cf[c] - o8[c];  // now the differences
          q2 = c == 0 ? o8[c] * o8[c] : q2 + o8[c] * o8[c];
        }
        const v8f pw = fast_pow_lanes<v8f, v8i>(q2 > 0.0f ? q2 : 1.0f, float(b));
        v8f coeff = float(two_b) / ((0.001f + q2) * (float(a) * pw + 1.0f));
        coeff = q2 > 0.0f ? coeff : 0.0f;
        for (int c = 0; c < D; ++c) {
          v8f g = coeff * o8[c];
          g = g > 4.0f ? 4.0f : (g < -4.0f ? -4.0f : g);
          sum[c] += __builtin_shufflevector(g, g, 0, 1, 2, 3);
          sum[c] += __builtin_shufflevector(g, g, 4, 5, 6, 7);
        }
      }
      for (int c = 0; c < D; ++c)
        cur[c] += pos[c] + clip4(double((sum[c][0] + sum[c][1]) + (sum[c][2] + sum[c][3]))) * alpha;
    } else {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t s = 0; s < n_neg; ++s) {
        const double* o = at(negative());
        double q2 = 0;
        for (int64_t c = 0; c < dim; ++c) {
          const double x = cur[c] - o[c];
          q2 += x * x;
        }
        if (q2 > 0) {
          const double coeff = two_b / ((0.001 + q2) * (a * fast_pow(q2, b) + 1.0));
          for (int64_t c = 0; c < dim; ++c) acc[c] += clip4(coeff * (cur[c] - o[c]));
        }
      }
      for (int64_t c = 0; c < dim; ++c) cur[c] += pos[c] + clip4(acc[c]) * alpha;
    }
    E.next_neg[e] += double(n_neg) * E.eps_neg[e];
  }
}

// Every epoch kernel (the runtime-dimension one too) built for AVX2 and for baseline x86-64; no
// FMA, so the same layout either way.
MUTAGEN_SIMD_DISPATCH_TEMPLATE(template <int D>, <D>, void, epoch_part,
                               (Part & part, Edges& E, double* Y, const double* S, int64_t dim,
                                int64_t n, double a, double b, double alpha, double ep),
                               (part, E, Y, S, dim, n, a, b, alpha, ep))

// Waits until `flag` reaches `value`: spinning first (the other thread's half of an epoch is
// short), then yielding the core.
void wait_for(const std::atomic<int64_t>& flag, int64_t value) {
  for (int spins = 0; flag.load(std::memory_order_acquire) < value; ++spins) {
    if (spins >= 4096) {
      std::this_thread::yield();
      continue;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

template <int D>
void run_epochs(RowMatrixXd& embedding, Edges& E, std::vector<Part>& parts, double a, double b,
                int64_t n_epochs, int threads) {
  const int64_t n = embedding.rows(), dim = embedding.cols();
  double* Y = embedding.data();
  RowMatrixXd snapshot = embedding;
  auto epoch_of = [&](int p, int64_t epoch) {
    const double alpha = 1.0 - double(epoch) / double(n_epochs), ep = double(epoch);
    epoch_part<D>(parts[p], E, Y, snapshot.data(), dim, n, a, b, alpha, ep);
  };
  // After an epoch: partition q's vertices take the moves the other partitions owe them (in
  // partition order), then the snapshot of those vertices is renewed.
  auto settle = [&](int q) {
    const int64_t i0 = parts[q].v0 * dim, i1 = parts[q].v1 * dim;
    for (int p = 0; p < kParts; ++p) {
      if (p == q) continue;
      double* owed = parts[p].owed.data();
      for (int64_t i = i0; i < i1; ++i) {
        Y[i] += owed[i];
        owed[i] = 0.0;
      }
    }
    std::memcpy(snapshot.data() + i0, Y + i0, size_t(i1 - i0) * sizeof(double));
  };
  if (threads < 2) {
    for (int64_t epoch = 0; epoch < n_epochs; ++epoch) {
      for (int p = 0; p < kParts; ++p) epoch_of(p, epoch);
      for (int q = 0; q < kParts; ++q) settle(q);
    }
    return;
  }
  // One thread per partition for the whole optimisation (static_assert below: two), each settling
  // its own vertices, so a partition's rows stay in its core's cache; two meeting points per epoch:
  // both halves done (before any settling), both settled (before the next epoch reads the
  // snapshot).
  static_assert(kParts == 2, "one worker thread for the second partition");
  std::atomic<int64_t> start{-1}, main_done{-1}, worker_done{-1}, worker_settled{-1};
  std::thread worker([&] {
    for (int64_t epoch = 0; epoch < n_epochs; ++epoch) {
      wait_for(start, epoch);
      epoch_of(1, epoch);
      worker_done.store(epoch, std::memory_order_release);
      wait_for(main_done, epoch);
      settle(1);
      worker_settled.store(epoch, std::memory_order_release);
    }
  });
  for (int64_t epoch = 0; epoch < n_epochs; ++epoch) {
    start.store(epoch, std::memory_order_release);
    epoch_of(0, epoch);
    main_done.store(epoch, std::memory_order_release);
    wait_for(worker_done, epoch);
    settle(0);
    wait_for(worker_settled, epoch);
  }
  worker.join();
}

}  // namespace

void optimize_layout(RowMatrixXd& embedding, const Graph& g, double a, double b, int64_t n_epochs,
                     uint64_t seed, int threads) {
  const int64_t n = g.n, dim = embedding.cols();
  // Vertices ordered along the first coordinate of the initial layout (for the spectral
  // initialisation, the normalised Laplacian's leading eigenvector: a good graph cut), so that few
  // edges cross the split between the partitions.
  std::vector<int32_t> order(static_cast<size_t>(n)), rank(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t x, int32_t y) { return embedding(x, 0) < embedding(y, 0); });
  for (int64_t r = 0; r < n; ++r) rank[order[r]] = int32_t(r);
  RowMatrixXd Y(n, dim);
  for (int64_t r = 0; r < n; ++r) Y.row(r) = embedding.row(order[r]);
  Edges E;
  double wmax = 0;
  for (double w : g.weight) wmax = std::max(wmax, w);
  std::vector<double> load(size_t(n) + 1, 0.0);  // prefix sums of expected samples per head
  for (int64_t r = 0; r < n; ++r) {
    const int64_t i = order[r];
    load[r + 1] = load[r];
    for (int64_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p) {
      if (!(g.weight[p] > 0)) continue;
      E.head.push_back(int32_t(r));
      E.tail.push_back(rank[g.col[p]]);
      E.eps.push_back(wmax / g.weight[p]);
      load[r + 1] += g.weight[p] / wmax;
    }
  }
  E.next = E.eps;
  for (double x : E.eps) E.eps_neg.push_back(x / kNegativeRate);
  E.next_neg = E.eps_neg;
  std::vector<Part> parts(kParts);
  int64_t v = 0, e = 0;
  for (int p = 0; p < kParts; ++p) {
    Part& part = parts[p];
    part.v0 = v;
    const double goal = load[n] * double(p + 1) / kParts;
    while (v < n && (p == kParts - 1 || load[v + 1] <= goal)) ++v;
    part.v1 = v;
    part.e0 = e;
    while (e < int64_t(E.head.size()) && E.head[e] < part.v1) ++e;
    part.e1 = e;
    part.rng = Rng(derive_seed(seed, uint64_t(p)));
    part.owed.assign(size_t(n * dim), 0.0);
  }
  if (dim == 2)
    run_epochs<2>(Y, E, parts, a, b, n_epochs, threads);
  else if (dim == 10)
    run_epochs<10>(Y, E, parts, a, b, n_epochs, threads);
  else
    run_epochs<0>(Y, E, parts, a, b, n_epochs, threads);
  for (int64_t r = 0; r < n; ++r) embedding.row(order[r]) = Y.row(r);
}

}  // namespace mutagen::umap_detail
