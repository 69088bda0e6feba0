#pragma once
// Content hashing for cache keys (models, data sets, options). Two independent 64-bit lanes
// (FNV-1a and a multiplicative mix) give a 128-bit key printed as 32 hex digits.
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace mutagen {

class Hasher {
 public:
  Hasher& bytes(const void* data, size_t n);
  Hasher& str(const std::string& s);
  Hasher& u64(uint64_t v);
  Hasher& f64(double v);
  // Dtype, shape and contents (made contiguous on the CPU first).
  Hasher& tensor(const torch::Tensor& t);
  std::string hex() const;

 private:
  uint64_t a_ = 0xcbf29ce484222325ull;
  uint64_t b_ = 0x84222325cbf29ce4ull;
};

}  // namespace mutagen
