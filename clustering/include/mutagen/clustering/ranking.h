#pragma once
// Post-clustering filter and rank scoring across classes (thesis 4.2.7, 4.2.8; SPEC 2.1).
//
// Filter (per result): drop a result with fewer than two clusters (noise, label -1, is never a
// cluster, so "only noise" counts as zero clusters); drop it when its largest cluster holds more
// than 80% AND its smallest less than 5% of the samples. For HDBSCAN the thesis applies the size
// rule "only to the other clusters, excluding this outlier group": the percentages are of the
// clustered (non-noise) samples. A result whose metric is NaN (not computable) is dropped as well.
//
// Rank scoring (per family): per class, sort the kept results by metric, descending (ties keep
// input order); the first three score 3, 2, 1 (eq. 4.7); overall(x) = sum over classes (eq. 4.8);
// the best combination maximises it (eq. 4.9). Ties in the overall score go to the larger sum of
// the combination's metric over the classes where it was kept, then to the earlier first
// appearance. Loss per class (eq. 4.10): best metric of the class minus the best combination's
// metric for that class. When the best combination was dropped (or not run) for a class, its metric
// counts as 0, as in the thesis's Table 4.4, and `chosen_kept` is false. Families: silhouette ranks
// KMeans / agglomerative / GMM results, DBCV ranks HDBSCAN results; they are ranked apart (ranking
// functions take results of one family).
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mutagen {

enum class MetricFamily { Silhouette, Dbcv };
std::string to_string(MetricFamily f);  // "silhouette" | "dbcv"

enum class FilterVerdict { Kept, TooFewClusters, Unbalanced, NoMetric };
std::string to_string(FilterVerdict v);  // "kept" | "too_few_clusters" | "unbalanced" | "no_metric"

// The filter on cluster sizes (noise excluded) and the metric.
FilterVerdict filter_result(const std::vector<int64_t>& cluster_sizes, double metric = 0.0);

// One combination's result on one class.
struct ScoredResult {
  int64_t cls = 0;
  std::string combination;             // e.g. "normalisation+pca95+kmeans:3"
  std::vector<int64_t> cluster_sizes;  // noise excluded
  double metric = std::numeric_limits<double>::quiet_NaN();
};

struct RankedCombination {
  std::string combination;
  int64_t total = 0;                       // sum of per-class scores
  std::map<int64_t, int64_t> class_score;  // class -> 3, 2 or 1 (classes scoring 0 absent)
  double metric_sum = 0;                   // over classes where the combination was kept
};

struct ClassLoss {
  int64_t cls = 0;
  std::string best_for_class;  // the class's own best combination ("" when nothing was kept)
  double best_metric = std::numeric_limits<double>::quiet_NaN();
  double chosen_metric = std::numeric_limits<double>::quiet_NaN();  // 0 when !chosen_kept
  bool chosen_kept = false;
  int64_t chosen_score = 0;  // 3, 2, 1 or 0
  double loss = std::numeric_limits<double>::quiet_NaN();
  int64_t kept = 0;     // results of this class that passed the filter
  int64_t dropped = 0;  // results of this class that did not
};

struct Ranking {
  MetricFamily family = MetricFamily::Silhouette;
  std::vector<RankedCombination> combinations;  // every combination scoring > 0, best first
  std::string best;                             // "" when no result was kept
  std::vector<ClassLoss> losses;                // one per class, in the order given

  nlohmann::json to_json() const;
  // CSV: one row per class with its loss, then the ranked combinations (see grid.h for the layout).
  std::string losses_csv() const;
  std::string combinations_csv() const;
};

// Filters and ranks `results` (one family) over `classes` (each listed class gets a loss row, also
// when it has no result).
Ranking rank_combinations(const std::vector<ScoredResult>& results, MetricFamily family,
                          const std::vector<int64_t>& classes);

}  // namespace mutagen
