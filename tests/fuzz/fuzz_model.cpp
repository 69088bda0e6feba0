// libFuzzer target: the model file loader (mutagen::Model::load: a mutagen model archive, else
// TorchScript). Each input is written to a scratch file and loaded; a model that loads is
// fingerprinted and its layers listed.
//
// Seeds: MUTAGEN_FUZZ_MAKE_SEEDS=<folder> ./fuzz_model writes a tiny mutagen model and a tiny
// TorchScript module there and exits (tests/fuzz/corpus/model was made that way).
#include <cstdio>
#include <cstdlib>

#include "fuzz_support.h"
#include "mutagen/model.h"

namespace {

torch::nn::Sequential tiny() {
  return torch::nn::Sequential(torch::nn::Linear(4, 3), torch::nn::ReLU(), torch::nn::Linear(3, 2));
}

void make_seeds(const std::string& dir) {
  mutagen::Model::create("fuzz_tiny", 1).save(dir + "/mutagen_tiny.pt");
  torch::jit::Module m("Tiny");
  m.register_parameter("w", torch::ones({2, 2}), false);
  m.define("def forward(self, x):\n  return x.matmul(self.w).relu()\n");
  m.save(dir + "/torchscript_tiny.pt");
}

}  // namespace

// libtorch 1.13 leaks its miniz zip reader (~1.6 KB) when PyTorchStreamReader's constructor throws
// on a file that is not a valid zip archive. Not ours to fix; libtorch has no frame pointers, so
// the allocation stack ends in libtorch_cpu and that is all a suppression can name.
extern "C" const char* __lsan_default_suppressions() { return "leak:libtorch_cpu.so\n"; }

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  mutagen::register_architecture("fuzz_tiny", tiny);
  if (const char* dir = std::getenv("MUTAGEN_FUZZ_MAKE_SEEDS")) {
    make_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mutagen::fuzz::write_scratch(data, size, ".pt");
  mutagen::fuzz::expect_named_error("Model::load", path, [&] {
    const mutagen::Model m = mutagen::Model::load(path);
    mutagen::fuzz::expect_error_only("Model queries", [&] {
      m.fingerprint();
      for (int64_t k = 0; k < m.num_layers(); ++k) m.layer_kind(k), m.layer_weight(k);
    });
  });
  std::remove(path.c_str());
  return 0;
}
