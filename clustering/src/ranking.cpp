#include "mutagen/clustering/ranking.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <sstream>

#include "csv.h"
#include "mutagen/error.h"

namespace mutagen {

std::string to_string(MetricFamily f) {
  return f == MetricFamily::Silhouette ? "silhouette" : "dbcv";
}

std::string to_string(FilterVerdict v) {
  switch (v) {
    case FilterVerdict::Kept:
      return "kept";
    case FilterVerdict::TooFewClusters:
      return "too_few_clusters";
    case FilterVerdict::Unbalanced:
      return "unbalanced";
    case FilterVerdict::NoMetric:
      return "no_metric";
  }
  return "?";
}

FilterVerdict filter_result(const std::vector<int64_t>& sizes, double metric) {
  int64_t clusters = 0, total = 0, largest = 0, smallest = 0;
  for (int64_t s : sizes) {
    if (s <= 0) continue;
    smallest = clusters == 0 ? s : std::min(smallest, s);
    largest = std::max(largest, s);
    total += s;
    ++clusters;
  }
  if (clusters < 2) return FilterVerdict::TooFewClusters;
  // largest > 80% and smallest < 5% of the clustered samples (integer-exact comparisons).
  if (largest * 100 > total * 80 && smallest * 100 < total * 5) return FilterVerdict::Unbalanced;
  if (std::isnan(metric)) return FilterVerdict::NoMetric;
  return FilterVerdict::Kept;
}

Ranking rank_combinations(const std::vector<ScoredResult>& results, MetricFamily family,
                          const std::vector<int64_t>& classes) {
  Ranking r;
  r.family = family;
  std::vector<std::string> order;  // first appearance of each combination
  std::map<std::string, size_t> first;
  for (const auto& res : results)
    if (first.emplace(res.combination, order.size()).second) order.push_back(res.combination);

  std::map<std::string, RankedCombination> scored;
  // Per class: kept results sorted by metric.
  std::map<int64_t, std::vector<const ScoredResult*>> kept;
  std::map<int64_t, int64_t> dropped;
  for (const auto& res : results) {
    if (filter_result(res.cluster_sizes, res.metric) == FilterVerdict::Kept)
      kept[res.cls].push_back(&res);
    else
      ++dropped[res.cls];
  }
  for (auto& [cls, list] : kept) {
    std::stable_sort(list.begin(), list.end(), [](const ScoredResult* a, const ScoredResult* b) {
      return a->metric > b->metric;
    });
    for (size_t i = 0; i < list.size(); ++i) {
      RankedCombination& rc = scored[list[i]->combination];
      rc.combination = list[i]->combination;
      rc.metric_sum += list[i]->metric;
      if (i < 3) {
        const int64_t points = 3 - static_cast<int64_t>(i);
        rc.class_score[cls] = points;
        rc.total += points;
      }
    }
  }
  for (const auto& name : order) {
    auto it = scored.find(name);
    if (it != scored.end() && it->second.total > 0) r.combinations.push_back(it->second);
  }
  std::stable_sort(r.combinations.begin(), r.combinations.end(),
                   [](const RankedCombination& a, const RankedCombination& b) {
                     if (a.total != b.total) return a.total > b.total;
                     return a.metric_sum > b.metric_sum;
                   });
  if (!r.combinations.empty()) r.best = r.combinations.front().combination;

  for (int64_t cls : classes) {
    ClassLoss l;
    l.cls = cls;
    l.dropped = dropped.count(cls) ? dropped[cls] : 0;
    auto it = kept.find(cls);
    if (it != kept.end() && !it->second.empty()) {
      l.kept = static_cast<int64_t>(it->second.size());
      l.best_for_class = it->second.front()->combination;
      l.best_metric = it->second.front()->metric;
      l.chosen_metric = 0.0;
      for (const ScoredResult* res : it->second)
        if (res->combination == r.best) {
          l.chosen_metric = res->metric;
          l.chosen_kept = true;
          break;
        }
      l.loss = l.best_metric - l.chosen_metric;
      if (!r.combinations.empty()) {
        const auto& cs = r.combinations.front().class_score;
        auto s = cs.find(cls);
        l.chosen_score = s == cs.end() ? 0 : s->second;
      }
    }
    r.losses.push_back(l);
  }
  return r;
}

namespace {
nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }
}  // namespace

nlohmann::json Ranking::to_json() const {
  nlohmann::json j;
  j["family"] = to_string(family);
  j["best"] = best.empty() ? nlohmann::json() : nlohmann::json(best);
  j["combinations"] = nlohmann::json::array();
  for (const auto& c : combinations) {
    nlohmann::json scores = nlohmann::json::object();
    for (const auto& [cls, s] : c.class_score) scores[std::to_string(cls)] = s;
    j["combinations"].push_back({{"combination", c.combination},
                                 {"total", c.total},
                                 {"class_scores", scores},
                                 {"metric_sum", c.metric_sum}});
  }
  j["losses"] = nlohmann::json::array();
  for (const auto& l : losses)
    j["losses"].push_back({{"class", l.cls},
                           {"best_for_class", l.best_for_class},
                           {"best_metric", num(l.best_metric)},
                           {"chosen", best},
                           {"chosen_metric", num(l.chosen_metric)},
                           {"chosen_kept", l.chosen_kept},
                           {"chosen_score", l.chosen_score},
                           {"loss", num(l.loss)},
                           {"kept", l.kept},
                           {"dropped", l.dropped}});
  return j;
}

std::string Ranking::losses_csv() const {
  std::ostringstream out;
  out << "family,class,best_for_class,best_metric,chosen,chosen_metric,chosen_kept,chosen_score,"
         "loss,kept,dropped\n";
  for (const auto& l : losses)
    out << to_string(family) << ',' << l.cls << ',' << csv_field(l.best_for_class) << ','
        << csv_number(l.best_metric) << ',' << csv_field(best) << ',' << csv_number(l.chosen_metric)
        << ',' << (l.chosen_kept ? "true" : "false") << ',' << l.chosen_score << ','
        << csv_number(l.loss) << ',' << l.kept << ',' << l.dropped << '\n';
  return out.str();
}

std::string Ranking::combinations_csv() const {
  std::ostringstream out;
  out << "family,rank,combination,total";
  for (const auto& l : losses) out << ",score_class_" << l.cls;
  out << ",metric_sum\n";
  for (size_t i = 0; i < combinations.size(); ++i) {
    const auto& c = combinations[i];
    out << to_string(family) << ',' << i + 1 << ',' << csv_field(c.combination) << ',' << c.total;
    for (const auto& l : losses) {
      auto it = c.class_score.find(l.cls);
      out << ',' << (it == c.class_score.end() ? 0 : it->second);
    }
    out << ',' << csv_number(c.metric_sum) << '\n';
  }
  return out.str();
}

}  // namespace mutagen
