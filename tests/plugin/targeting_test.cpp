// What the report says about an untargeted mutant's targeting (measure_on_clusters).
#include "targeting.h"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using mutagen::ClassClusters;
using mutagen::ClusterFile;

// Class 3 at positions 0..9: cluster 0 = {0..3}, cluster 1 = {4..7}, noise = {8, 9}; position 10 is
// another class. The original gets everything right except position 7.
ClusterFile clusters() {
  ClassClusters c;
  c.cls = 3;
  for (int64_t i = 0; i < 10; ++i) c.samples.push_back(i);
  c.labels = {0, 0, 0, 0, 1, 1, 1, 1, -1, -1};
  ClusterFile f;
  f.classes = {c};
  return f;
}

// True labels: class 3 at 0..9, class 1 at 10.
torch::Tensor labels() {
  torch::Tensor l = torch::full({11}, 3, torch::kLong);
  l[10] = 1;
  return l;
}

TEST(MeasureOnClusters, ReportsTheClusterHitHardestRelativeToTheRestOfItsClass) {
  torch::Tensor correct = torch::ones({11}, torch::kBool);
  correct[7] = false;
  // The mutant predicts class 3 except at 4, 5 (cluster 1) and 8 (noise).
  torch::Tensor pred = torch::full({11}, 3, torch::kLong);
  pred[4] = 1;
  pred[5] = 1;
  pred[8] = 1;
  mutagen::internal::InstanceTargeting t;
  mutagen::internal::measure_on_clusters(clusters(), {3}, labels(), pred, correct, t);
  // Cluster 1 (the right ones: 4 5 6): 2/3 mispredicted; its rest (0-3, 8, 9): 1/6. Cluster 0:
  // 0/4 against 3/5 of its rest (4 5 6 8 9): a negative gap, not reported.
  EXPECT_DOUBLE_EQ(t.neg, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(t.pos, 1.0 / 6.0);
  EXPECT_TRUE(std::isnan(t.heldout_neg));
}

TEST(MeasureOnClusters, NoClusterOfTheSubjectLeavesTheFieldsUnknown) {
  mutagen::internal::InstanceTargeting t;
  mutagen::internal::measure_on_clusters(clusters(), {5}, labels(),
                                         torch::zeros({11}, torch::kLong),
                                         torch::ones({11}, torch::kBool), t);
  EXPECT_TRUE(std::isnan(t.neg));
  EXPECT_TRUE(std::isnan(t.pos));
}

// What the report says a mutant changed: the layers whose weights differ and how many, and
// "+structure" and the edits for structural ones, also those that leave every parameter as it was
// (on an edited original: only the mutant's own edits).
TEST(DescribeChange, NamesChangedLayersCountsWeightsAndFlagsStructuralEdits) {
  const mutagen::Model original = mutagen::Model::create("mnist_small", 0);
  mutagen::Model weights = original.clone();
  {
    torch::NoGradGuard no_grad;
    weights.layer_weight(6).index_put_({0, 0}, 5.0);
    weights.layer_weight(6).index_put_({1, 2}, -5.0);
  }
  mutagen::internal::InstanceTargeting t;
  mutagen::internal::describe_change(original, weights, t);
  EXPECT_EQ(t.layer, "6");
  EXPECT_EQ(t.weights_changed, 2);
  mutagen::internal::InstanceTargeting s;
  mutagen::internal::describe_change(original, original.with_identity_at(1), s);  // a ReLU
  EXPECT_EQ(s.layer, "+structure identity:1");
  EXPECT_EQ(s.weights_changed, 0);
  mutagen::internal::InstanceTargeting twice;
  const mutagen::Model edited = original.with_identity_at(1);
  mutagen::internal::describe_change(edited, edited.without_layer(3), twice);
  EXPECT_EQ(twice.layer, "+structure remove:3");  // not the layers after it, renumbered
  EXPECT_EQ(twice.weights_changed, 0);
  mutagen::internal::InstanceTargeting repeated;
  mutagen::internal::describe_change(original, original.with_layer_repeated(6), repeated);
  EXPECT_EQ(repeated.layer, "+structure repeat:6");
  EXPECT_EQ(repeated.weights_changed, original.layer_weight(6).numel() + 64);  // weight and bias
  mutagen::internal::InstanceTargeting same;
  mutagen::internal::describe_change(original, original.clone(), same);
  EXPECT_EQ(same.layer, "");
  EXPECT_EQ(same.weights_changed, 0);
}

}  // namespace
