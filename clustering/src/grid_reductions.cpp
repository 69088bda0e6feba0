#include "grid_reductions.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

#include "class_data.h"
#include "mutagen/clustering/scaling.h"
#include "mutagen/clustering/threshold.h"
#include "mutagen/error.h"

namespace mutagen::clustering_detail {

namespace {

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

}  // namespace

ReductionsAhead::ReductionsAhead(const Dataset& data, std::vector<ReductionJob> jobs,
                                 std::vector<int64_t> active, VaeSet& vaes, uint64_t seed,
                                 int ahead, int threads)
    : data_(data),
      jobs_(std::move(jobs)),
      active_(std::move(active)),
      vaes_(vaes),
      seed_(seed),
      ahead_(ahead),
      umap_threads_(ahead > 0 ? 1 : threads) {
  if (ahead_ > 0) thread_ = std::thread([this] { run(); });
}

ReductionsAhead::~ReductionsAhead() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

Reduced ReductionsAhead::compute(size_t j) {
  const ReductionJob& job = jobs_[j];
  if (job.cls != cls_ || job.spec.threshold != threshold_) {
    if (job.cls != cls_) {  // cls_ starts at -1
      cls_ = job.cls;
      positions_ = class_positions(data_, cls_);
      bytes_ = image_bytes(data_, positions_);
    }
    threshold_ = job.spec.threshold;
    // Thresholded features only when asked (the whole image otherwise, read from bytes_).
    thresholded_ = threshold_ ? select_features(bytes_, active_) : Eigen::MatrixXd();
    scaled_.clear();  // nothing kept from the previous group
    umap_graphs_.clear();
  }
  const Scaling computed = computed_scaling(job.spec.scaling);
  const std::string where = "class " + std::to_string(job.cls) + " " +
                            job.spec.preprocessing_name() + "+" + job.spec.reduction_name();
  Reduced out;
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = thread_cpu_seconds();
  try {
    auto it = scaled_.find(computed);
    if (it == scaled_.end())
      it = scaled_.emplace(computed, scale_features(threshold_ ? thresholded_ : bytes_, computed))
               .first;
    out.Z = reduce(it->second, job.spec, reduction_seed(seed_, job.cls), &out.info, &vaes_, job.cls,
                   &positions_, &umap_graphs_[computed], umap_threads_);
  } catch (const Error& e) {
    out.failure = e.what();
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  spdlog::debug("grid: {}: {} features{}{} ({:.2f} s wall, {:.2f} s CPU)", where, out.Z.cols(),
                out.info.empty() ? "" : ", ", out.info, out.seconds, thread_cpu_seconds() - cpu0);
  return out;
}

void ReductionsAhead::run() {
  for (size_t j = 0; j < jobs_.size(); ++j) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || computed_ - taken_ < size_t(ahead_); });
      if (stop_) return;
    }
    Reduced r;
    try {
      r = compute(j);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      fatal_ = std::current_exception();
      changed_.notify_all();
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ready_.push_back(std::move(r));
    ++computed_;
    changed_.notify_all();
  }
}

Reduced ReductionsAhead::take() {
  if (taken_ >= jobs_.size()) throw Error("grid: no reduction left to take (internal error)");
  if (ahead_ == 0) return compute(taken_++);
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !ready_.empty() || fatal_; });
  if (ready_.empty()) std::rethrow_exception(fatal_);
  Reduced r = std::move(ready_.front());
  ready_.pop_front();
  ++taken_;
  changed_.notify_all();
  return r;
}

}  // namespace mutagen::clustering_detail
