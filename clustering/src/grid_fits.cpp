#include "grid_fits.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "linalg.h"
#include "mutagen/clustering/agglomerative.h"
#include "mutagen/clustering/metrics.h"
#include "mutagen/clustering/ranking.h"
#include "mutagen/error.h"
#include "steps.h"

namespace mutagen::clustering_detail {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string params_text(const PipelineSpec& s) {
  switch (s.method) {
    case ClusteringMethod::KMeans:
      return "k=" + std::to_string(s.k);
    case ClusteringMethod::Agglomerative:
      return "k=" + std::to_string(s.k) + " linkage=" + to_string(s.linkage);
    case ClusteringMethod::Gmm:
      return "k=" + std::to_string(s.k) + " covariance=" + to_string(s.covariance);
    case ClusteringMethod::Hdbscan:
      return "min_cluster_size=" + std::to_string(s.min_cluster_size);
  }
  return "";
}

GridRow empty_row(const PipelineSpec& spec, int64_t cls, int64_t features) {
  GridRow row;
  row.cls = cls;
  row.combination = spec.name();
  row.preprocessing = spec.preprocessing_name();
  row.reduction = spec.reduction_name();
  row.features = features;
  row.clustering = spec.method_name();
  row.params = params_text(spec);
  return row;
}

// The row's fields from its scores.
void fill_scores(GridRow& row, const PipelineSpec& spec, const Scores& sc) {
  row.cluster_sizes = sc.sizes;
  row.noise = sc.noise;
  row.silhouette = sc.silhouette;
  row.dbcv = sc.dbcv;
  row.calinski_harabasz = sc.calinski_harabasz;
  row.davies_bouldin = sc.davies_bouldin;
  row.verdict =
      to_string(filter_result(row.cluster_sizes, spec.uses_dbcv() ? sc.dbcv : sc.silhouette));
}

// Runs task(t) for t in `order` on `threads` threads (the calling one included); the first
// exception that is not a mutagen::Error stops the workers and is rethrown.
void run_pool(const std::vector<size_t>& order, int threads,
              const std::function<void(size_t)>& task) {
  std::mutex mutex;
  std::exception_ptr fatal;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (fatal) return;
      }
      const size_t t = next.fetch_add(1);
      if (t >= order.size()) return;
      try {
        task(order[t]);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!fatal) fatal = std::current_exception();
        return;
      }
    }
  };
  const int workers = std::max(1, std::min<int>(threads, static_cast<int>(order.size())));
  std::optional<OneBlasThread> one_blas_thread;  // the workers are the parallelism
  if (workers > 1) one_blas_thread.emplace();
  std::vector<std::thread> pool;
  for (int w = 1; w < workers; ++w) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (fatal) std::rethrow_exception(fatal);
}

void fail_row(GridRow& row, const Error& e) {
  row.verdict = "failed";
  row.error = e.what();
  spdlog::debug("grid: {} failed: {}", row.combination, e.what());
}

// Rough relative cost, so that the expensive tasks start first and the two workers finish
// together (the order of the rows does not depend on it).
double cost_of(const PipelineSpec& s, int64_t features) {
  const double d = static_cast<double>(features);
  switch (s.method) {
    case ClusteringMethod::Gmm:
      return s.covariance == CovarianceType::Full   ? 4.0 * s.k * d * d
             : s.covariance == CovarianceType::Tied ? 2.0 * d * d
                                                    : 1.0 * s.k * d;
    case ClusteringMethod::Agglomerative:
      return 1e6;
    case ClusteringMethod::Hdbscan:
      return 2e5;
    case ClusteringMethod::KMeans:
      return 10.0 * s.k * d;
  }
  return 0;
}

}  // namespace

std::vector<GridRow> run_clusterings(const Eigen::MatrixXd& Z, int64_t cls,
                                     const std::vector<PipelineSpec>& methods, uint64_t seed,
                                     const PairwiseDistances* dist, int threads,
                                     const std::function<void(int64_t)>& done) {
  std::vector<GridRow> rows;
  rows.reserve(methods.size());
  for (const PipelineSpec& spec : methods) rows.push_back(empty_row(spec, cls, Z.cols()));

  // Tasks: one per agglomerative linkage (its tree, cut at every k), one per other clustering.
  std::vector<std::vector<size_t>> tasks;
  std::vector<double> costs;
  for (size_t i = 0; i < methods.size(); ++i) {
    const PipelineSpec& s = methods[i];
    if (s.method == ClusteringMethod::Agglomerative) {
      bool joined = false;
      for (auto& t : tasks)
        if (methods[t[0]].method == ClusteringMethod::Agglomerative &&
            methods[t[0]].linkage == s.linkage) {
          t.push_back(i);
          joined = true;
        }
      if (joined) continue;
    }
    tasks.push_back({i});
    costs.push_back(cost_of(s, Z.cols()));
  }
  std::vector<size_t> order(tasks.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return costs[a] > costs[b]; });

  // Phase 1: the labels, task by task (expensive tasks first).
  std::vector<std::vector<int64_t>> labels(methods.size());
  std::vector<char> fitted(methods.size(), 0);
  std::mutex done_mutex;
  run_pool(order, threads, [&](size_t t) {
    const std::vector<size_t>& task = tasks[t];
    const PipelineSpec& first = methods[task[0]];
    if (first.method == ClusteringMethod::Agglomerative) {
      double tree_seconds = 0;
      Dendrogram tree;
      try {
        const auto tt = Clock::now();
        tree = dist ? linkage_tree(*dist, first.linkage) : linkage_tree(Z, first.linkage);
        tree_seconds = seconds_since(tt);
        for (size_t i : task) {
          try {
            const auto tc = Clock::now();
            labels[i] = tree.cut(methods[i].k);
            rows[i].fit_seconds = tree_seconds + seconds_since(tc);
            fitted[i] = 1;
          } catch (const Error& e) {
            fail_row(rows[i], e);
          }
        }
      } catch (const Error& e) {
        for (size_t i : task) fail_row(rows[i], e);
      }
    } else {
      try {
        const auto t0 = Clock::now();
        labels[task[0]] = cluster(Z, first, seed, dist);
        rows[task[0]].fit_seconds = seconds_since(t0);
        fitted[task[0]] = 1;
      } catch (const Error& e) {
        fail_row(rows[task[0]], e);
      }
    }
    std::lock_guard<std::mutex> lock(done_mutex);
    done(static_cast<int64_t>(task.size()));
  });

  // Phase 2: the silhouettes of all distinct labellings in one pass over the distance table
  // (silhouette_scores, distances.h) instead of one pass each. A scoring error fails the rows of
  // that labelling, as a clustering error does.
  std::map<std::vector<int64_t>, double> silhouette;
  std::map<std::vector<int64_t>, std::string> silhouette_error;
  {
    std::vector<const std::vector<int64_t>*> todo;
    for (size_t i = 0; i < methods.size(); ++i)
      if (fitted[i] && !methods[i].uses_dbcv() && silhouette_defined(labels[i]) &&
          silhouette.emplace(labels[i], 0.0).second)
        todo.push_back(&labels[i]);
    if (dist) {
      const std::vector<double> values = silhouette_scores(*dist, todo);
      for (size_t t = 0; t < todo.size(); ++t) silhouette[*todo[t]] = values[t];
    } else {
      for (const auto* l : todo) try {
          silhouette[*l] = mutagen::silhouette_score(Z, *l);
        } catch (const Error& e) {
          silhouette_error[*l] = e.what();
        }
    }
  }

  // Phase 3: the other scores (DBCV first: the expensive ones), each distinct labelling once: a
  // sweep over HDBSCAN's min_cluster_size often gives the same labels several times (thesis
  // grid, Fashion class 0: 1 to 20 distinct labellings of 20 per reduction).
  std::map<std::pair<bool, std::vector<int64_t>>, size_t> first_of;
  std::vector<size_t> scored;
  for (size_t i = 0; i < methods.size(); ++i)
    if (fitted[i] && first_of.emplace(std::make_pair(methods[i].uses_dbcv(), labels[i]), i).second)
      scored.push_back(i);
  std::stable_partition(scored.begin(), scored.end(),
                        [&](size_t i) { return methods[i].uses_dbcv(); });
  std::vector<Scores> scores(methods.size());
  std::vector<std::string> errors(methods.size());
  run_pool(scored, threads, [&](size_t i) {
    const bool use_dbcv = methods[i].uses_dbcv();
    try {
      Scores sc = score(Z, labels[i], false, use_dbcv, dist);
      if (!use_dbcv) {
        auto it = silhouette.find(labels[i]);
        if (it != silhouette.end()) sc.silhouette = it->second;
        auto err = silhouette_error.find(labels[i]);
        if (err != silhouette_error.end()) errors[i] = err->second;
      }
      scores[i] = std::move(sc);
    } catch (const Error& e) {
      errors[i] = e.what();
    }
  });
  for (size_t i = 0; i < methods.size(); ++i) {
    if (!fitted[i]) continue;
    const size_t f = first_of.at(std::make_pair(methods[i].uses_dbcv(), labels[i]));
    if (errors[f].empty())
      fill_scores(rows[i], methods[i], scores[f]);
    else
      fail_row(rows[i], Error(errors[f]));
  }
  return rows;
}

}  // namespace mutagen::clustering_detail
