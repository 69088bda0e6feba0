#pragma once
// Deterministic, platform-independent randomness: std::shuffle and std::*_distribution differ between
// standard libraries, so everything that decides a mutant or a split goes through these.
#include <cstdint>
#include <vector>

namespace mutagen {

// SplitMix64: tiny, fast, good enough for permutations and seeds; identical on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  // Uniform in [0, 1).
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
  // Standard normal (Box-Muller).
  double normal();

 private:
  uint64_t state_;
};

// A permutation of 0..n-1 (Fisher-Yates driven by Rng(seed)).
std::vector<int64_t> permutation(int64_t n, uint64_t seed);
// Shuffles `v` in place with `rng`.
void shuffle(std::vector<int64_t>& v, Rng& rng);
// Derives an independent seed from a base seed and a tag (e.g. instance index, cluster id).
uint64_t derive_seed(uint64_t base, uint64_t tag);

}  // namespace mutagen
