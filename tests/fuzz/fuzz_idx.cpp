// libFuzzer target: the IDX reader (mutagen::read_idx), plain and gzip. Each input is written to a
// scratch file twice, as x.idx and as x.idx.gz; what reads back is written again and must
// round-trip.
#include <cstdio>

#include "fuzz_support.h"
#include "mutagen/dataset.h"

namespace {

void read_one(const uint8_t* data, size_t size, const char* suffix) {
  const std::string path = mutagen::fuzz::write_scratch(data, size, suffix);
  mutagen::fuzz::expect_named_error("read_idx", path, [&] {
    const torch::Tensor t = mutagen::read_idx(path);
    if (t.scalar_type() != torch::kUInt8 || t.dim() < 1 || t.numel() < 1)
      mutagen::fuzz::finding("read_idx",
                             "accepted a file but returned an empty or non-uint8 tensor");
    const std::string copy = path + ".copy.gz";
    mutagen::write_idx(copy, t);
    const bool same = mutagen::read_idx(copy).equal(t);
    std::remove(copy.c_str());
    if (!same) mutagen::fuzz::finding("read_idx", "write_idx + read_idx does not round-trip");
  });
  std::remove(path.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  read_one(data, size, ".idx");
  read_one(data, size, ".idx.gz");
  return 0;
}
