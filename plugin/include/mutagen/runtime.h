#pragma once
// Process-wide settings that decide how fast torch runs on a small machine, applied when libmutagen
// loads (nothing for the user to set):
// - glibc's allocator keeps large blocks instead of mapping and unmapping each one: a conv layer's
//   output for one batch is tens of MB, above glibc's largest mmap threshold (32 MB), and faulting
//   fresh pages in for every such tensor costs more than the arithmetic (issue 17: 25 s -> 3.5 s for
//   the logits of 10,000 images). Honours MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ if set.
// - OpenBLAS runs one thread: torch owns the cores with its own thread pool, and OpenBLAS's threads
//   spinning against it cost up to 7x on 2 cores.
// - torch's thread count stays within the cores this process may use (an OMP_NUM_THREADS of 64, 0 or
//   empty is corrected, with a warning saying so), and uses all of them when neither
//   OMP_NUM_THREADS nor MKL_NUM_THREADS is set (torch's own default can be 1 on a VM with 2).
// MUTAGEN_NO_RUNTIME_TUNING=1 leaves all three alone.
#include <string>
#include <vector>

namespace mutagen {

struct RuntimeTuning {
  bool applied = false;          // false when MUTAGEN_NO_RUNTIME_TUNING is set
  bool allocator_tuned = false;  // mallopt applied (not when the user set the MALLOC_ variables)
  int blas_threads = -1;         // OpenBLAS's thread count afterwards; -1: no OpenBLAS loaded
  int torch_threads = 0;         // torch's intra-op threads afterwards
  int cores = 0;                 // cores this process may run on (its affinity mask)
  std::vector<std::string> notes;  // what was corrected and why (also logged as warnings)
};

// What was done at load time (applies it first if it has not run yet).
const RuntimeTuning& runtime_tuning();

// Cores in this process's affinity mask (at least 1).
int usable_cores();

}  // namespace mutagen
