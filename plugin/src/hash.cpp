#include "mutagen/hash.h"

#include <cstdio>
#include <cstring>

namespace mutagen {

Hasher& Hasher::bytes(const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    a_ = (a_ ^ p[i]) * 0x100000001b3ull;
    b_ = (b_ + p[i] + 0x9E3779B97F4A7C15ull) * 0xff51afd7ed558ccdull;
    b_ ^= b_ >> 29;
  }
  return *this;
}

Hasher& Hasher::str(const std::string& s) {
  u64(s.size());
  return bytes(s.data(), s.size());
}

Hasher& Hasher::u64(uint64_t v) { return bytes(&v, sizeof v); }

Hasher& Hasher::f64(double v) { return bytes(&v, sizeof v); }

Hasher& Hasher::tensor(const torch::Tensor& t) {
  if (!t.defined()) return str("<undefined>");
  const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  str(std::string(c.dtype().name()));
  u64(static_cast<uint64_t>(c.dim()));
  for (int64_t d : c.sizes()) u64(static_cast<uint64_t>(d));
  return bytes(c.data_ptr(), c.numel() * c.element_size());
}

std::string Hasher::hex() const {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a_),
                static_cast<unsigned long long>(b_));
  return buf;
}

}  // namespace mutagen
