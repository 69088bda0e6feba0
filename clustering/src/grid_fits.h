#pragma once
// Internal: the clusterings of one reduction in the grid, run on a small pool of threads. Each
// clustering has its own seed and writes its own row, so the rows (and their order) do not depend
// on the number of threads; an agglomerative tree is built once per linkage and cut at every k.
// Three phases: all labels; the silhouettes of every distinct labelling in one pass over the
// distance table; the other scores (DBCV, Calinski-Harabasz, Davies-Bouldin) once per distinct
// labelling.
#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "distances.h"
#include "mutagen/clustering/grid.h"
#include "mutagen/clustering/pipeline_spec.h"

namespace mutagen::clustering_detail {

// Runs every spec of `methods` (reduction fields already filled in) on Z, the reduction of class
// `cls`; dist (optional) is Z's distance table. Returns one row per spec, in the order of
// `methods`. `done(n)` is called (under a lock, from any worker) after n more rows have labels.
// A clustering that throws mutagen::Error gives a row with verdict "failed"; any other exception
// is rethrown here after the workers stop.
std::vector<GridRow> run_clusterings(const Eigen::MatrixXd& Z, int64_t cls,
                                     const std::vector<PipelineSpec>& methods, uint64_t seed,
                                     const PairwiseDistances* dist, int threads,
                                     const std::function<void(int64_t)>& done);

}  // namespace mutagen::clustering_detail
