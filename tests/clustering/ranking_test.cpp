// Post-clustering filter and rank scoring (thesis 4.2.7-4.2.8) on hand-worked examples.
#include "mutagen/clustering/ranking.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mutagen;

TEST(Filter, SizeRules) {
  EXPECT_EQ(filter_result({50, 50}, 0.1), FilterVerdict::Kept);
  EXPECT_EQ(filter_result({100}, 0.1), FilterVerdict::TooFewClusters);
  EXPECT_EQ(filter_result({}, 0.1), FilterVerdict::TooFewClusters);  // only noise
  EXPECT_EQ(filter_result({81, 19}, 0.1), FilterVerdict::Kept);      // large but smallest >= 5%
  EXPECT_EQ(filter_result({70, 4, 26}, 0.1), FilterVerdict::Kept);   // small but largest <= 80%
  EXPECT_EQ(filter_result({85, 4, 11}, 0.1), FilterVerdict::Unbalanced);  // 85% and 4%
  EXPECT_EQ(filter_result({80, 4, 16}, 0.1), FilterVerdict::Kept);        // exactly 80%: not more
  EXPECT_EQ(filter_result({81, 5, 14}, 0.1), FilterVerdict::Kept);        // exactly 5%: not less
  // HDBSCAN: sizes exclude noise; 30/31 = 97% and 1/31 = 3% of the clustered samples.
  EXPECT_EQ(filter_result({30, 1}, 0.1), FilterVerdict::Unbalanced);
  EXPECT_EQ(filter_result({50, 50}, std::nan("")), FilterVerdict::NoMetric);
}

// Two classes x four combinations A-D (metric: silhouette).
//   class 0: A [50 50] 0.40 | B [60 40] 0.50 | C [85 4 11] 0.90 (85% and 4%: dropped) | D [70 30]
//   0.30
//            kept, by metric: B 0.50 -> 3, A 0.40 -> 2, D 0.30 -> 1
//   class 1: A [100] (one cluster: dropped) | B [45 55] 0.20 | C [81 19] 0.35 (kept: 19% >= 5%)
//            | D [50 50] 0.25;  kept: C 0.35 -> 3, D 0.25 -> 2, B 0.20 -> 1
//   totals: A 2, B 3+1 = 4, C 0+3 = 3, D 1+2 = 3  -> best B.
//   C and D tie at 3: metric sums C 0.35 (class 1 only), D 0.30 + 0.25 = 0.55 -> D before C.
//   losses: class 0: best 0.50 (B) - B 0.50 = 0; class 1: best 0.35 (C) - B 0.20 = 0.15.
TEST(Ranking, HandWorkedExample) {
  const std::vector<ScoredResult> results = {
      {0, "A", {50, 50}, 0.40}, {0, "B", {60, 40}, 0.50}, {0, "C", {85, 4, 11}, 0.90},
      {0, "D", {70, 30}, 0.30}, {1, "A", {100}, 0.99},    {1, "B", {45, 55}, 0.20},
      {1, "C", {81, 19}, 0.35}, {1, "D", {50, 50}, 0.25},
  };
  const Ranking r = rank_combinations(results, MetricFamily::Silhouette, {0, 1});
  EXPECT_EQ(r.best, "B");
  ASSERT_EQ(r.combinations.size(), 4u);
  EXPECT_EQ(r.combinations[0].combination, "B");
  EXPECT_EQ(r.combinations[0].total, 4);
  EXPECT_EQ(r.combinations[1].combination, "D");
  EXPECT_EQ(r.combinations[1].total, 3);
  EXPECT_EQ(r.combinations[2].combination, "C");
  EXPECT_EQ(r.combinations[2].total, 3);
  EXPECT_EQ(r.combinations[3].combination, "A");
  EXPECT_EQ(r.combinations[3].total, 2);
  EXPECT_EQ(r.combinations[0].class_score.at(0), 3);
  EXPECT_EQ(r.combinations[0].class_score.at(1), 1);
  EXPECT_EQ(r.combinations[2].class_score.count(0), 0u);  // C dropped in class 0

  ASSERT_EQ(r.losses.size(), 2u);
  EXPECT_EQ(r.losses[0].best_for_class, "B");
  EXPECT_DOUBLE_EQ(r.losses[0].loss, 0.0);
  EXPECT_EQ(r.losses[0].chosen_score, 3);
  EXPECT_EQ(r.losses[0].kept, 3);
  EXPECT_EQ(r.losses[0].dropped, 1);
  EXPECT_EQ(r.losses[1].best_for_class, "C");
  EXPECT_NEAR(r.losses[1].best_metric, 0.35, 1e-15);
  EXPECT_NEAR(r.losses[1].chosen_metric, 0.20, 1e-15);
  EXPECT_NEAR(r.losses[1].loss, 0.15, 1e-12);
  EXPECT_TRUE(r.losses[1].chosen_kept);
  EXPECT_EQ(r.losses[1].chosen_score, 1);

  const auto j = r.to_json();
  EXPECT_EQ(j["best"], "B");
  EXPECT_EQ(j["combinations"][0]["class_scores"]["1"], 1);
  EXPECT_NE(r.losses_csv().find("silhouette,1,C,0.35,B,0.2,true,1,0.15,3,1"), std::string::npos)
      << r.losses_csv();
  EXPECT_NE(r.combinations_csv().find("silhouette,1,B,4,3,1,0.7"), std::string::npos)
      << r.combinations_csv();
}

// The chosen combination dropped for a class counts as metric 0 there (thesis Table 4.4); a class
// without results has no loss.
//   class 0: X 0.6 -> 3, Y 0.5 -> 2 | class 1: X 0.7 -> 3 | class 2: X [100] dropped, Y 0.3 -> 3
//   totals X 6, Y 5 -> best X; class 2: loss = 0.3 - 0 = 0.3, chosen not kept, score 0.
TEST(Ranking, ChosenDroppedCountsAsZero) {
  const std::vector<ScoredResult> results = {
      {0, "X", {50, 50}, 0.6}, {0, "Y", {40, 60}, 0.5}, {1, "X", {30, 70}, 0.7},
      {2, "X", {100}, 0.9},    {2, "Y", {50, 50}, 0.3},
  };
  const Ranking r = rank_combinations(results, MetricFamily::Dbcv, {0, 1, 2, 3});
  EXPECT_EQ(r.best, "X");
  ASSERT_EQ(r.losses.size(), 4u);
  EXPECT_FALSE(r.losses[2].chosen_kept);
  EXPECT_EQ(r.losses[2].chosen_metric, 0.0);
  EXPECT_NEAR(r.losses[2].loss, 0.3, 1e-15);
  EXPECT_EQ(r.losses[2].chosen_score, 0);
  EXPECT_TRUE(std::isnan(r.losses[3].loss));
  EXPECT_EQ(r.losses[3].kept, 0);
  EXPECT_TRUE(r.to_json()["losses"][3]["loss"].is_null());
}

TEST(Ranking, NothingKept) {
  const Ranking r = rank_combinations({{0, "A", {10}, 0.5}}, MetricFamily::Silhouette, {0});
  EXPECT_TRUE(r.best.empty());
  EXPECT_TRUE(r.combinations.empty());
  EXPECT_EQ(r.losses[0].dropped, 1);
}

TEST(Ranking, OnlyTopThreeScore) {
  std::vector<ScoredResult> results;
  for (int i = 0; i < 5; ++i)
    results.push_back({0, std::string(1, static_cast<char>('a' + i)), {50, 50}, 0.1 * i});
  const Ranking r = rank_combinations(results, MetricFamily::Silhouette, {0});
  ASSERT_EQ(r.combinations.size(), 3u);
  EXPECT_EQ(r.combinations[0].combination, "e");
  EXPECT_EQ(r.combinations[1].combination, "d");
  EXPECT_EQ(r.combinations[2].combination, "c");
  EXPECT_EQ(r.combinations[2].total, 1);
}
