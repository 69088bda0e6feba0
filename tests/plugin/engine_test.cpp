// Engine pieces without training: filters, input selection (SPEC 2.2), verdicts, subject validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "evaluation.h"
#include "mutagen/error.h"
#include "mutagen/subject.h"
#include "registry.h"
#include "selection.h"
#include "verdicts.h"

namespace mutagen::internal {
namespace {

TEST(Filter, FollowsGoogleTestSyntax) {
  EXPECT_TRUE(matches_filter("S.Accuracy", "*"));
  EXPECT_TRUE(matches_filter("S.Accuracy", ""));
  EXPECT_TRUE(matches_filter("S.Accuracy", "S.*"));
  EXPECT_FALSE(matches_filter("S.Accuracy", "T.*"));
  EXPECT_TRUE(matches_filter("S.Accuracy", "T.*:S.Acc*"));
  EXPECT_FALSE(matches_filter("S.Accuracy", "*-S.Accuracy"));
  EXPECT_TRUE(matches_filter("S.ClassAccuracy", "-S.Accuracy"));
  EXPECT_TRUE(matches_filter("S.A1", "S.A?"));
  EXPECT_FALSE(matches_filter("S.A12", "S.A?"));
}

// Class 3 with two clusters: samples 0..9 in cluster 0, 10..19 in cluster 1, 20..21 noise; the
// instance gets the even positions right. Other classes at 22..61.
struct Fixture {
  ClassClusters cc;
  torch::Tensor correct = torch::zeros({62}, torch::kBool);
  torch::Tensor labels = torch::zeros({62}, torch::kLong);
  Fixture() {
    cc.cls = 3;
    for (int64_t i = 0; i < 22; ++i) {
      cc.samples.push_back(i);
      cc.labels.push_back(i < 10 ? 0 : (i < 20 ? 1 : -1));
      labels[i] = 3;
    }
    for (int64_t i = 22; i < 62; ++i) labels[i] = i % 3;  // classes 0..2
    for (int64_t i = 0; i < 62; i += 2) correct[i] = true;
  }
};

TEST(Selection, NegAndPosAreCorrectlyClassifiedMembersSplitWithHeldOut) {
  Fixture f;
  const InputSelection s = select_inputs(f.correct, f.labels, f.cc, 0, 0.2, 1.0, 7);
  std::set<int64_t> neg(s.neg.begin(), s.neg.end()), hneg(s.heldout_neg.begin(), s.heldout_neg.end());
  std::set<int64_t> pos(s.pos.begin(), s.pos.end()), hpos(s.heldout_pos.begin(), s.heldout_pos.end());
  // Cluster 0's correct members are 0,2,4,6,8: floor(0.2*5) = 1 held out.
  EXPECT_EQ(hneg.size(), 1u);
  EXPECT_EQ(neg.size(), 4u);
  std::set<int64_t> all_neg = neg;
  all_neg.insert(hneg.begin(), hneg.end());
  EXPECT_EQ(all_neg, (std::set<int64_t>{0, 2, 4, 6, 8}));
  // Cluster 1's correct members: 10..18 even; noise (20) never in I_pos.
  std::set<int64_t> all_pos = pos;
  all_pos.insert(hpos.begin(), hpos.end());
  EXPECT_EQ(all_pos, (std::set<int64_t>{10, 12, 14, 16, 18}));
  // The other-class pool: correct, not class 3, |I_neg|+|I_pos| of them.
  EXPECT_EQ(s.other.size(), s.neg.size() + s.pos.size());
  for (int64_t o : s.other) {
    EXPECT_GE(o, 22);
    EXPECT_EQ(o % 2, 0);
  }
}

TEST(Selection, IsDeterministicPerSeedAndVariesAcrossSeeds) {
  Fixture f;
  const auto a = select_inputs(f.correct, f.labels, f.cc, 1, 0.4, 1.0, 1);
  const auto b = select_inputs(f.correct, f.labels, f.cc, 1, 0.4, 1.0, 1);
  EXPECT_EQ(a.neg, b.neg);
  EXPECT_EQ(a.heldout_pos, b.heldout_pos);
  EXPECT_EQ(a.other, b.other);
  bool differs = false;
  for (uint64_t seed = 2; seed < 12 && !differs; ++seed)
    differs = select_inputs(f.correct, f.labels, f.cc, 1, 0.4, 1.0, seed).heldout_neg != a.heldout_neg;
  EXPECT_TRUE(differs);
}

Outcome measured(double v) {
  Outcome o;
  o.measures["accuracy"] = {v, Better::kHigher};
  return o;
}

std::vector<Verdict> verdicts_for(const std::vector<double>& orig, const std::vector<double>& mut,
                                  Better better = Better::kHigher) {
  std::vector<Outcome> os, ms;
  for (double v : orig) os.push_back(measured(v)), os.back().measures["accuracy"].better = better;
  for (double v : mut) ms.push_back(measured(v)), ms.back().measures["accuracy"].better = better;
  std::vector<const Outcome*> o, m;
  for (auto& x : os) o.push_back(&x);
  for (auto& x : ms) m.push_back(&x);
  KillOptions k;
  k.wilcoxon(WilcoxonOptions().alternative(Alternative::kGreater));
  return decide("S.T", "strong", o, m, k);
}

TEST(Verdicts, ConsistentDropIsKilledImprovementIsNot) {
  const std::vector<double> orig{0.95, 0.96, 0.94, 0.95, 0.97, 0.96};
  const std::vector<double> worse{0.90, 0.91, 0.90, 0.89, 0.92, 0.90};
  auto v = verdicts_for(orig, worse);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].killed);
  // One-sided exact Wilcoxon, all 6 differences positive: p = 1/64.
  EXPECT_NEAR(v[0].p_value, 1.0 / 64, 1e-12);
  EXPECT_GT(v[0].cohens_d, 0.5);
  const auto better = verdicts_for(worse, orig);
  EXPECT_FALSE(better[0].killed);
  // For a metric where lower is better (a loss), a rise is what kills.
  EXPECT_TRUE(verdicts_for(worse, orig, Better::kLower)[0].killed);
}

TEST(Verdicts, PassFailOnlyTestsUseFisher) {
  std::vector<Outcome> os(8), ms(8);
  for (auto& m : ms) m.passed = false;
  std::vector<const Outcome*> o, m;
  for (auto& x : os) o.push_back(&x);
  for (auto& x : ms) m.push_back(&x);
  const auto v = decide("S.T", "strong", o, m, KillOptions());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, "passed");
  EXPECT_EQ(v[0].method, "fisher");
  // Fisher's exact test on [[8, 0], [0, 8]]: 2 / C(16, 8) = 2 / 12870.
  EXPECT_NEAR(v[0].p_value, 2.0 / 12870.0, 1e-12);
  EXPECT_TRUE(v[0].killed);
}

Dataset tiny_dataset(int64_t n, int64_t classes_present) {
  Dataset d;
  d.name = "tiny";
  d.images = torch::zeros({n, 1, 28, 28});
  d.labels = torch::arange(n, torch::kLong).remainder(classes_present);
  return d;
}

ClusterFile tiny_clusters(const Dataset& d, int64_t cls) {
  ClusterFile f;
  f.dataset_name = d.name;
  f.dataset_size = d.size();
  f.pipeline = "hand";
  ClassClusters cc;
  cc.cls = cls;
  for (int64_t i = 0; i < d.size(); ++i)
    if (d.labels[i].item<int64_t>() == cls) cc.samples.push_back(i), cc.labels.push_back(i % 2);
  f.classes.push_back(cc);
  return f;
}

std::string validation_error(const Subject& s) {
  try {
    s.validate();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SubjectValidation, NamesWhatIsMissing) {
  const Dataset d = tiny_dataset(40, 4);
  auto base = [&] {
    return Subject("S")
        .training_data(d)
        .test_set("strong", d)
        .target_classes({1})
        .clusters(tiny_clusters(d, 1))
        .mutator("tmr");
  };
  Subject one = base().instances(std::vector<Model>{Model::create("mnist_small", 0)});
  EXPECT_NE(validation_error(one).find("at least 2"), std::string::npos) << validation_error(one);

  const std::vector<Model> two{Model::create("mnist_small", 0), Model::create("mnist_small", 1)};
  EXPECT_EQ(validation_error(base().instances(two)), "");

  Subject absent = base().instances(two).target_classes({7});
  EXPECT_NE(validation_error(absent).find("class 7 is absent"), std::string::npos)
      << validation_error(absent);

  Subject no_clusters = base().instances(two).target_classes({2});
  EXPECT_NE(validation_error(no_clusters).find("no clusters for target class 2"), std::string::npos)
      << validation_error(no_clusters);

  Subject wrong_size = base().instances(two).clusters(tiny_clusters(tiny_dataset(30, 4), 1));
  EXPECT_NE(validation_error(wrong_size).find("30 samples"), std::string::npos)
      << validation_error(wrong_size);

  EXPECT_THROW(Subject("S").test_set("train", d), Error);
  EXPECT_THROW(Subject("S").mutator("no_such_mutator"), Error);
  EXPECT_THROW(Subject("S").heldout_fraction(1.5), Error);
}

}  // namespace
}  // namespace mutagen::internal
