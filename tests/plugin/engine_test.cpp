// Engine pieces without training: filters, input selection (SPEC 2.2), verdicts, subject
// validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "evaluation.h"
#include "mutagen/error.h"
#include "mutagen/random.h"
#include "mutagen/subject.h"
#include "registry.h"
#include "scoring.h"
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
  std::set<int64_t> neg(s.neg.begin(), s.neg.end()),
      hneg(s.heldout_neg.begin(), s.heldout_neg.end());
  std::set<int64_t> pos(s.pos.begin(), s.pos.end()),
      hpos(s.heldout_pos.begin(), s.heldout_pos.end());
  // Cluster 0's correct members are 0,2,4,6,8: floor(0.2*5) = 1 held out.
  EXPECT_EQ(hneg.size(), 1u);
  EXPECT_EQ(neg.size(), 4u);
  std::set<int64_t> all_neg = neg;
  all_neg.insert(hneg.begin(), hneg.end());
  EXPECT_EQ(all_neg, (std::set<int64_t>{0, 2, 4, 6, 8}));
  // I_pos is the rest of the class: cluster 1's correct members (10..18 even) AND the correctly
  // classified noise (20), which nothing would protect otherwise.
  std::set<int64_t> all_pos = pos;
  all_pos.insert(hpos.begin(), hpos.end());
  EXPECT_EQ(all_pos, (std::set<int64_t>{10, 12, 14, 16, 18, 20}));
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
    differs =
        select_inputs(f.correct, f.labels, f.cc, 1, 0.4, 1.0, seed).heldout_neg != a.heldout_neg;
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
  // One-sided Fisher's exact test (the contract's default) on [[8, 0], [0, 8]]: 1 / C(16, 8).
  EXPECT_NEAR(v[0].p_value, 1.0 / 12870.0, 1e-15);
  EXPECT_TRUE(v[0].killed);
  // Its power: originals always pass, mutants pass half as often; exactly the mass of the mutant
  // pass counts c with p([[8,0],[c,8-c]]) < 0.05, i.e. c <= 4 (c = 5: p = 0.1).
  double expected = 0;
  for (int c = 0; c <= 8; ++c)
    if (fisher_exact(8, 0, c, 8 - c, Alternative::kGreater) < 0.05)
      expected += std::exp(std::lgamma(9) - std::lgamma(c + 1) - std::lgamma(9 - c)) / 256.0;
  EXPECT_NEAR(v[0].power, expected, 1e-12);
  EXPECT_NEAR(fisher_exact(8, 0, 4, 4, Alternative::kGreater), 0.0384615384615, 1e-10);
  // Two-sided, as an option: twice the one tail here.
  const auto two =
      decide("S.T", "strong", o, m,
             KillOptions().wilcoxon(WilcoxonOptions().alternative(Alternative::kTwoSided)));
  EXPECT_NEAR(two[0].p_value, 2.0 / 12870.0, 1e-15);
}

TEST(Verdicts, ATimedOutMutantIsDetected) {
  std::vector<Outcome> os(6), ms(6);
  for (size_t i = 0; i < 6; ++i) {
    os[i].measures["accuracy"] = {0.9, Better::kHigher};
    ms[i].measures["accuracy"] = {0.9, Better::kHigher};
  }
  ms[2].timeout = true;
  ms[2].passed = false;
  std::vector<const Outcome*> o, m;
  for (auto& x : os) o.push_back(&x);
  for (auto& x : ms) m.push_back(&x);
  const auto v = decide("S.T", "strong", o, m, KillOptions());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].method, "timeout");
  EXPECT_EQ(v[0].timeouts, 1);
  EXPECT_TRUE(v[0].killed);
  EXPECT_TRUE(std::isnan(v[0].mutant[2]));
}

// Two tables of per-input counts over 5 instances: a superset of a test set can only add kills.
TEST(PerInputCriterion, KnownAnswerAndMonotoneInTheTestSet) {
  // Input 1: all 5 originals right, no mutant right: p = 1 / C(10, 5) = 1/252 -> kills.
  const PerInputKill k = per_input_kill({5, 5, 3}, {5, 0, 2}, 5, 5, 0.05);
  EXPECT_EQ(k.killing_inputs, 1);
  EXPECT_TRUE(k.killed);
  EXPECT_NEAR(k.min_p, 1.0 / 252, 1e-15);
  EXPECT_EQ(k.min_p_input, 1);
  EXPECT_FALSE(per_input_kill({5, 3}, {5, 2}, 5, 5, 0.05).killed);
  // Property: for random test sets and random supersets, killed(subset) implies killed(superset),
  // and the number of killing inputs never drops.
  Rng rng(11);
  for (int trial = 0; trial < 500; ++trial) {
    std::vector<int64_t> o, m;
    const int size = 1 + static_cast<int>(rng.below(20));
    for (int j = 0; j < size; ++j) {
      o.push_back(static_cast<int64_t>(rng.below(6)));
      m.push_back(static_cast<int64_t>(rng.below(6)));
    }
    const PerInputKill sub = per_input_kill(o, m, 5, 5, 0.05);
    std::vector<int64_t> o2 = o, m2 = m;
    const int extra = static_cast<int>(rng.below(20));
    for (int j = 0; j < extra; ++j) {
      const size_t at = static_cast<size_t>(rng.below(o2.size() + 1));
      o2.insert(o2.begin() + static_cast<std::ptrdiff_t>(at), static_cast<int64_t>(rng.below(6)));
      m2.insert(m2.begin() + static_cast<std::ptrdiff_t>(at), static_cast<int64_t>(rng.below(6)));
    }
    const PerInputKill super = per_input_kill(o2, m2, 5, 5, 0.05);
    EXPECT_GE(super.killing_inputs, sub.killing_inputs);
    if (sub.killed) {
      EXPECT_TRUE(super.killed);
    }
  }
}

// The Wilcoxon + d rule is not monotone: adding inputs to a test set can turn a kill into a
// survivor (what the per-input criterion exists for). Accuracy per instance on a set of 10 inputs,
// then 20.
TEST(PerInputCriterion, TheWilcoxonRuleIsNotMonotone) {
  // 10 inputs: every mutant loses one input: accuracies 1.0 vs 0.9 on all 5 instances -> killed.
  const std::vector<double> orig10{1.0, 1.0, 1.0, 1.0, 1.0}, mut10{0.9, 0.9, 0.9, 0.9, 0.9};
  EXPECT_TRUE(decide_kill(orig10, mut10).killed);
  // 10 more inputs on which the mutants happen to beat some originals: the paired differences
  // change sign on two instances and the kill is gone.
  const std::vector<double> orig20{0.95, 0.95, 0.90, 0.95, 0.90},
      mut20{0.90, 0.90, 0.95, 0.90, 0.95};
  EXPECT_FALSE(decide_kill(orig20, mut20).killed);
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

std::vector<Model> untrained(int n) {
  std::vector<Model> v;
  for (int i = 0; i < n; ++i) v.push_back(Model::create("mnist_small", static_cast<uint64_t>(i)));
  return v;
}

TEST(SubjectValidation, RefusesASubjectThatCanNeverKill) {
  const Dataset d = tiny_dataset(40, 4);
  auto base = [&](int n) {
    return Subject("S")
        .instances(untrained(n))
        .training_data(d)
        .test_set("strong", d)
        .target_classes({1})
        .clusters(tiny_clusters(d, 1))
        .mutator("tmr");
  };
  // One-sided exact signed-rank: the smallest p with n instances is 2^-n; 1/16 >= 0.05.
  const std::string four = validation_error(base(4));
  EXPECT_NE(four.find("at least 5 instances"), std::string::npos) << four;
  EXPECT_NE(four.find("0.0625"), std::string::npos) << four;
  EXPECT_EQ(validation_error(base(5)), "");
  // Two-sided doubles the smallest p: 6 are needed.
  EXPECT_NE(validation_error(base(5).alternative(Alternative::kTwoSided)).find("at least 6"),
            std::string::npos);
  // Per-input Fisher: 1 / C(8, 4) = 1/70 < 0.05 with 4; 1/20 with 3 is not below 0.05.
  EXPECT_EQ(validation_error(base(4).kill_criterion(KillCriterion::kPerInput)), "");
  EXPECT_NE(validation_error(base(3).kill_criterion(KillCriterion::kPerInput)).find("at least 4"),
            std::string::npos);
  // A looser alpha lowers the bar: 2^-4 < 0.1.
  EXPECT_EQ(validation_error(base(4).alpha(0.1)), "");
  EXPECT_EQ(min_instances_to_kill(0.05, Alternative::kGreater), 5);
  EXPECT_EQ(min_instances_to_kill(0.01, Alternative::kGreater), 7);
}

MutantReport mutant_with(bool killable, std::vector<std::pair<std::string, bool>> kills) {
  MutantReport m;
  m.killable = killable;
  for (auto& [set, killed] : kills) {
    Verdict v;
    v.test_set = set;
    v.killed = killed;
    m.verdicts.push_back(v);
  }
  return m;
}

TEST(Scoring, KillableKilledUndecidedAndExitCodes) {
  const Dataset d = tiny_dataset(4, 2);
  const std::vector<NamedTestSet> sets{{"strong", d}, {"weak", d}};
  Report r;
  r.threshold = 0.6;
  r.mutants = {mutant_with(true, {{"train", true}, {"strong", true}, {"weak", false}}),
               mutant_with(true, {{"train", true}, {"strong", true}, {"weak", true}}),
               mutant_with(false, {{"train", false}, {"strong", true}, {"weak", true}})};
  score(r, sets);
  ASSERT_EQ(r.scores.size(), 2u);
  // The third mutant is not killable: its kills do not count.
  EXPECT_EQ(r.scores[0].killed, 2);
  EXPECT_EQ(r.scores[0].killable, 2);
  EXPECT_DOUBLE_EQ(r.scores[0].score, 1.0);
  EXPECT_DOUBLE_EQ(r.scores[1].score, 0.5);
  EXPECT_TRUE(r.decided);
  EXPECT_FALSE(r.passed);  // weak 0.5 < 0.6
  EXPECT_EQ(gate_exit_code(r, false), 1);
  r.threshold = 0.5;
  score(r, sets);
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(gate_exit_code(r, false), 0);
  r.errors.push_back("x");
  EXPECT_EQ(gate_exit_code(r, false), 2);
  // Scores above the threshold do not pass a run with errors: they count only what ran.
  score(r, sets);
  EXPECT_TRUE(r.decided);
  EXPECT_FALSE(r.passed);
  r.errors.clear();

  // Nothing killable: n/a scores, undecided, exit 2 whatever the threshold, unless allowed.
  Report none;
  none.threshold = 0.0;
  none.mutants = {mutant_with(false, {{"train", false}, {"strong", true}})};
  score(none, sets);
  EXPECT_TRUE(std::isnan(none.scores[0].score));
  EXPECT_FALSE(none.decided);
  EXPECT_FALSE(none.passed);
  EXPECT_NE(none.undecided_reason.find("killable"), std::string::npos);
  EXPECT_EQ(gate_exit_code(none, false), 2);
  EXPECT_EQ(gate_exit_code(none, true), 0);
  Report empty;
  score(empty, sets);
  EXPECT_FALSE(empty.decided);
  EXPECT_EQ(gate_exit_code(empty, false), 2);
}

TEST(Scoring, OnlyGatedTestSetsFailTheRun) {
  const Dataset d = tiny_dataset(4, 2);
  const std::vector<NamedTestSet> sets{{"strong", d}, {"weak", d}};
  Report r;
  r.threshold = 0.6;
  r.mutants = {mutant_with(true, {{"train", true}, {"strong", true}, {"weak", false}}),
               mutant_with(true, {{"train", true}, {"strong", true}, {"weak", true}})};
  score(r, sets, {"strong"});
  EXPECT_TRUE(r.scores[0].gated);
  EXPECT_FALSE(r.scores[1].gated);
  EXPECT_DOUBLE_EQ(r.scores[1].score, 0.5);  // still reported
  EXPECT_TRUE(r.passed);
  score(r, sets, {"weak"});
  EXPECT_FALSE(r.passed);  // weak 0.5 < 0.6 now counts
  EXPECT_EQ(gate_exit_code(r, false), 1);
}

// Two views of one tensor share their data pointer; each must get its own predictions.
TEST(PredictionMemo, SameAddressDifferentDataGetsItsOwnPredictions) {
  const Model model = Model::create("mnist_small", 0);
  torch::manual_seed(3);
  const torch::Tensor all = torch::rand({20, 1, 28, 28});
  Dataset first, second;
  first.images = all.narrow(0, 0, 10);
  first.labels = torch::zeros({10}, torch::kLong);
  second.images = all.narrow(0, 0, 20);
  second.labels = torch::zeros({20}, torch::kLong);
  ASSERT_EQ(first.images.data_ptr(), second.images.data_ptr());
  PredictionMemo memo;
  EvalContext ctx;
  ctx.model = &model;
  ctx.prediction_memo = &memo;
  ContextGuard guard(&ctx);
  const torch::Tensor p1 = predictions(model, first);
  const torch::Tensor p2 = predictions(model, second);
  EXPECT_EQ(p1.size(0), 10);
  ASSERT_EQ(p2.size(0), 20);
  EXPECT_TRUE(p2.equal(model.predict(second.images)));
  // The same view again is served from the memo (the same tensor object).
  EXPECT_TRUE(predictions(model, first).is_same(p1));
  // An in-place change of the images makes the entry stale.
  first.images.mul_(0.5);
  EXPECT_FALSE(predictions(model, first).is_same(p1));
  EXPECT_EQ(memo.size(), 3u);
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
  Subject one = base().instances(untrained(1));
  EXPECT_NE(validation_error(one).find("at least 5"), std::string::npos) << validation_error(one);

  const std::vector<Model> two = untrained(5);
  EXPECT_EQ(validation_error(base().instances(two)), "");

  Subject absent = base().instances(two).target_classes({7});
  EXPECT_NE(validation_error(absent).find("class 7 is absent"), std::string::npos)
      << validation_error(absent);

  Subject listed_twice = base().instances(two).target_classes({1, 1});
  EXPECT_NE(validation_error(listed_twice).find("target class 1 is listed twice"),
            std::string::npos)
      << validation_error(listed_twice);

  // Every sample the cluster file lists under the class, not only the first, has its label.
  ClusterFile other_labels = tiny_clusters(d, 1);
  const int64_t stranger = d.indices_of_class(2).front();
  other_labels.classes[0].samples.back() = stranger;
  Subject mismatched = base().instances(two).clusters(other_labels);
  EXPECT_NE(
      validation_error(mismatched)
          .find("lists sample " + std::to_string(stranger) + " under class 1 but its label is 2"),
      std::string::npos)
      << validation_error(mismatched);

  Subject no_clusters = base().instances(two).target_classes({2});
  EXPECT_NE(validation_error(no_clusters).find("no clusters for target class 2"), std::string::npos)
      << validation_error(no_clusters);

  Subject wrong_size = base().instances(two).clusters(tiny_clusters(tiny_dataset(30, 4), 1));
  EXPECT_NE(validation_error(wrong_size).find("30 samples"), std::string::npos)
      << validation_error(wrong_size);

  Subject wrong_class = base().instances(two).mutator("tmr", {}, {3});
  EXPECT_NE(
      validation_error(wrong_class).find("restricted to class 3, which is not a target class"),
      std::string::npos)
      << validation_error(wrong_class);

  Subject unknown_gate = base().instances(two).gate_test_sets({"strong", "held-out"});
  EXPECT_NE(validation_error(unknown_gate)
                .find("'held-out', which is not a test set (the test sets: strong)"),
            std::string::npos)
      << validation_error(unknown_gate);

  EXPECT_THROW(Subject("S").test_set("train", d), Error);
  EXPECT_THROW(Subject("S").mutator("no_such_mutator"), Error);
  EXPECT_THROW(Subject("S").heldout_fraction(1.5), Error);
}

}  // namespace
}  // namespace mutagen::internal
