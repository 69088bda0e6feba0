#pragma once
// Internal: one step of Prim's algorithm on a dense graph whose edge weight is
// max(weight(i, j), key(i), key(j)), the form of the mutual reachability distance (HDBSCAN on the
// shared distance table, DBCV's MST inside a cluster).
#include <cstdint>

namespace mutagen::clustering_detail {

// Relaxes every vertex through the new tree vertex `cur` (row: its weights to every vertex, key:
// the core distances in the same units), then returns the next vertex: the lowest index holding
// the smallest best, whose best and from are then its edge. A tree vertex has key = best = inf
// (set here for `cur`): never relaxed, never picked. A best is replaced only by a strictly smaller
// value. One contiguous pass over n entries, four lanes, no branches on the data (AVX2 build when
// the CPU has it, bit-identical to the baseline build). Returns n when no vertex is left.
int64_t prim_step(int64_t n, int64_t cur, const double* row, double* key, double* best,
                  int64_t* from);

}  // namespace mutagen::clustering_detail
