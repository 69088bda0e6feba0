#pragma once
// Internal: four-lane double and eight-lane float vectors (GCC/Clang vector extensions) and a
// run-time choice between an AVX2 build of a kernel and the baseline x86-64 one (SSE2: GCC splits
// each four-lane operation in two). The lanes are the same either way and no FMA is enabled, so
// both builds round every operation the same: the results are bit-identical on every machine, only
// the speed differs.
#include <atomic>
#include <cstdint>

// A kernel written once as an always-inline function is built twice: called from a function marked
// MUTAGEN_TARGET_AVX2 (chosen at run time with use_avx2()) and from a plain one
// (MUTAGEN_SIMD_DISPATCH below writes both and the choice).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MUTAGEN_TARGET_AVX2 __attribute__((target("avx2")))
#define MUTAGEN_HAS_AVX2_BUILD 1
#else
#define MUTAGEN_TARGET_AVX2
#define MUTAGEN_HAS_AVX2_BUILD 0
#endif
#define MUTAGEN_ALWAYS_INLINE inline __attribute__((always_inline))

// The helpers below are always inlined, so the ABI for passing 32-byte vectors that GCC warns
// about never applies.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mutagen::simd {

typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

MUTAGEN_ALWAYS_INLINE v4d broadcast(double x) { return v4d{x, x, x, x}; }
MUTAGEN_ALWAYS_INLINE v4l broadcast(int64_t x) { return v4l{x, x, x, x}; }
MUTAGEN_ALWAYS_INLINE v8f broadcast(float x) { return v8f{x, x, x, x, x, x, x, x}; }
MUTAGEN_ALWAYS_INLINE v8i broadcast(int32_t x) { return v8i{x, x, x, x, x, x, x, x}; }

// std::max and std::min lane by lane (the first argument when equal).
MUTAGEN_ALWAYS_INLINE v4d max(v4d a, v4d b) { return a < b ? b : a; }
MUTAGEN_ALWAYS_INLINE v4d min(v4d a, v4d b) { return b < a ? b : a; }

// Unaligned loads and stores.
MUTAGEN_ALWAYS_INLINE v4d load(const double* p) {
  v4d v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
MUTAGEN_ALWAYS_INLINE void store(double* p, v4d v) { __builtin_memcpy(p, &v, sizeof v); }
MUTAGEN_ALWAYS_INLINE v4l load(const int64_t* p) {
  v4l v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
MUTAGEN_ALWAYS_INLINE void store(int64_t* p, v4l v) { __builtin_memcpy(p, &v, sizeof v); }
MUTAGEN_ALWAYS_INLINE v8f load(const float* p) {
  v8f v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

// A running minimum per lane that keeps the first index reaching it: where value < best, take the
// value and its index.
template <class V, class I>
MUTAGEN_ALWAYS_INLINE void keep_first_minimum(V value, I index, V& best, I& at) {
  const auto lower = value < best;
  best = lower ? value : best;
  at = lower ? index : at;
}

// Folds keep_first_minimum's lanes into the smallest value and the lowest index holding it (value
// and index start as +inf and past-the-end).
template <int kLanes, class V, class I, class T>
MUTAGEN_ALWAYS_INLINE void fold_first_minimum(const V& best, const I& at, T& value,
                                              int64_t& index) {
  for (int l = 0; l < kLanes; ++l)
    if (best[l] < value || (best[l] == value && at[l] < index)) value = best[l], index = at[l];
}

// Whether the AVX2 builds run: the CPU has AVX2 and the tests have not switched them off (to
// compare both builds on one machine).
inline std::atomic<bool>& avx2_switch() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static std::atomic<bool> on{(__builtin_cpu_init(), __builtin_cpu_supports("avx2") != 0)};
#else
  static std::atomic<bool> on{false};
#endif
  return on;
}
inline bool use_avx2() { return avx2_switch().load(std::memory_order_relaxed); }
// Returns whether they ran before; switching on has no effect without AVX2 in the CPU.
inline bool set_avx2(bool on) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  on = on && __builtin_cpu_supports("avx2");
#else
  on = false;
#endif
  return avx2_switch().exchange(on);
}

}  // namespace mutagen::simd

#pragma GCC diagnostic pop

// Defines `ret name params`, which runs the always-inline kernel `name##_steps args` from its AVX2
// build when simd::use_avx2(), else from its baseline build (name##_avx2, name##_baseline).
#if MUTAGEN_HAS_AVX2_BUILD
#define MUTAGEN_SIMD_DISPATCH(ret, name, params, args)                     \
  ret name##_baseline params { return name##_steps args; }                 \
  MUTAGEN_TARGET_AVX2 ret name##_avx2 params { return name##_steps args; } \
  ret name params {                                                        \
    if (::mutagen::simd::use_avx2()) return name##_avx2 args;              \
    return name##_baseline args;                                           \
  }
// The same for a kernel template: `tparams` is its template header (template <int D>), `targs`
// its arguments (<D>).
#define MUTAGEN_SIMD_DISPATCH_TEMPLATE(tparams, targs, ret, name, params, args)          \
  tparams ret name##_baseline params { return name##_steps targs args; }                 \
  tparams MUTAGEN_TARGET_AVX2 ret name##_avx2 params { return name##_steps targs args; } \
  tparams ret name params {                                                              \
    if (::mutagen::simd::use_avx2()) return name##_avx2 targs args;                      \
    return name##_baseline targs args;                                                   \
  }
#else
#define MUTAGEN_SIMD_DISPATCH(ret, name, params, args) \
  ret name params { return name##_steps args; }
#define MUTAGEN_SIMD_DISPATCH_TEMPLATE(tparams, targs, ret, name, params, args) \
  tparams ret name params { return name##_steps targs args; }
#endif
