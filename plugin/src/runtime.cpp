// Applies the settings described in runtime.h once, when libmutagen is loaded.
#include "mutagen/runtime.h"

#include <dlfcn.h>
#include <malloc.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <cstdlib>
#include <cstring>

namespace mutagen {

namespace {

bool env_set(const char* name) { return std::getenv(name) != nullptr; }

RuntimeTuning apply() {
  RuntimeTuning t;
  t.cores = usable_cores();
  const char* off = std::getenv("MUTAGEN_NO_RUNTIME_TUNING");
  if (off && *off && std::strcmp(off, "0") != 0) {
    t.torch_threads = at::get_num_threads();
    return t;
  }
  t.applied = true;
  // 1 GiB: any activation of a realistic batch stays on the heap and is reused; trimming only
  // returns memory above 2 GiB of free heap, so a loop over batches does not give back and re-fault
  // the same pages every iteration.
  if (!env_set("MALLOC_MMAP_THRESHOLD_") && !env_set("MALLOC_TRIM_THRESHOLD_")) {
    t.allocator_tuned = mallopt(M_MMAP_THRESHOLD, 1 << 30) == 1 &&
                        mallopt(M_TRIM_THRESHOLD, static_cast<int>(2047u << 20)) == 1;
  }
  torch::zeros({1});  // libtorch and its BLAS loaded and initialised before they are asked
  auto set_blas = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  auto get_blas = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (set_blas && get_blas) {
    if (get_blas() != 1) set_blas(1);
    t.blas_threads = get_blas();
  }
  const int threads = at::get_num_threads();
  if (threads < 1 || threads > t.cores) {
    const char* omp = std::getenv("OMP_NUM_THREADS");
    t.notes.push_back(
        "torch was set to " + std::to_string(threads) +
        " threads (OMP_NUM_THREADS=" + (omp ? "'" + std::string(omp) + "'" : std::string("unset")) +
        ") but this process may use " + std::to_string(t.cores) + " cores; using " +
        std::to_string(t.cores) + " (more threads than cores make every one of them wait)");
    at::set_num_threads(t.cores);
  } else if (threads < t.cores && !env_set("OMP_NUM_THREADS") && !env_set("MKL_NUM_THREADS")) {
    // Nobody chose a count, but torch's default (physical cores as cpuinfo sees them) can be 1 on
    // a virtual machine with several: use every core this process may run on. Measured on 2
    // cores: the thesis CNN's epoch 72 s -> 44 s (issue 17).
    at::set_num_threads(t.cores);
  }
  t.torch_threads = at::get_num_threads();
  return t;
}

}  // namespace

int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return 1;
}

const RuntimeTuning& runtime_tuning() {
  static const RuntimeTuning t = [] {
    RuntimeTuning r = apply();
    for (const auto& note : r.notes) spdlog::warn("mutagen: {}", note);
    return r;
  }();
  return t;
}

namespace {
// At load time: before the user's first tensor is allocated.
[[maybe_unused]] const bool tuned_at_load = (runtime_tuning(), true);
}  // namespace

}  // namespace mutagen
