#pragma once
// Internal: the grid's reductions, computed a few ahead on a thread of their own while the
// caller clusters the previous ones. Clustering one reduction leaves a core idle at its end (the
// last fit, the scoring barriers), and a reduction run on two threads wastes time meeting (UMAP's
// SGD syncs twice per epoch); one reduction at a time on its own thread, overlapping the fits,
// keeps both cores working. The results do not depend on it: UMAP gives the same layout on one
// thread as on two, and the grid holds BLAS to one thread throughout (OneBlasThread, linalg.h).
#include <Eigen/Dense>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mutagen/clustering/pipeline_spec.h"
#include "mutagen/dataset.h"
#include "steps.h"

namespace mutagen::clustering_detail {

// One reduction to compute: class `cls`, `spec`'s threshold, scaling (computed_scaling of it is
// what is applied) and reduction.
struct ReductionJob {
  int64_t cls = 0;
  PipelineSpec spec;
};

// A computed reduction, or why it failed (a mutagen::Error's message).
struct Reduced {
  Eigen::MatrixXd Z;
  std::string info;     // e.g. "168 components, 0.95 of the variance"
  std::string failure;  // empty on success
  double seconds = 0;   // wall time of the reduction
};

class ReductionsAhead {
 public:
  // `jobs` in the order take() returns them; `active` is the thresholded feature set (may be empty
  // when no job thresholds). ahead > 0: a thread computes up to `ahead` jobs before they are taken;
  // ahead == 0: take() computes each job itself, with `threads` threads for UMAP.
  ReductionsAhead(const Dataset& data, std::vector<ReductionJob> jobs, std::vector<int64_t> active,
                  VaeSet& vaes, uint64_t seed, int ahead, int threads);
  // Stops the thread after its current reduction.
  ~ReductionsAhead();
  ReductionsAhead(const ReductionsAhead&) = delete;
  ReductionsAhead& operator=(const ReductionsAhead&) = delete;

  // The next job's result, in job order. An exception other than mutagen::Error thrown while
  // computing it is rethrown here.
  Reduced take();

 private:
  Reduced compute(size_t j);
  void run();

  const Dataset& data_;
  const std::vector<ReductionJob> jobs_;
  const std::vector<int64_t> active_;
  VaeSet& vaes_;
  const uint64_t seed_;
  const int ahead_, umap_threads_;

  // The producer's working set: the class and threshold it is on (the jobs come grouped by
  // both), that class's samples, their thresholded or whole features, and what is shared between
  // the group's reductions: each computed scaling of the features and UMAP's neighbour graph of it.
  int64_t cls_ = -1;
  bool threshold_ = false;
  std::vector<int64_t> positions_;
  Eigen::MatrixXd bytes_, thresholded_;
  std::map<Scaling, Eigen::MatrixXd> scaled_;
  std::map<Scaling, std::shared_ptr<const umap_detail::Graph>> umap_graphs_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Reduced> ready_;
  std::exception_ptr fatal_;  // from the thread, rethrown by take() in job order
  size_t taken_ = 0, computed_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mutagen::clustering_detail
