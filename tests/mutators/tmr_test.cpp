// TMR on synthetic inputs (no data files needed): L_mis, input checks, determinism, original
// untouched.
#include "mutagen/mutators/tmr.h"

#include <gtest/gtest.h>

#include "mutagen/error.h"

namespace {

using mutagen::Dataset;
using mutagen::Model;
using mutagen::MutationInputs;
using mutagen::TmrMutator;
using mutagen::TmrOptions;
using mutagen::TmrSchedule;

Dataset random_data(int64_t n, int64_t label, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  Dataset d;
  d.name = "synthetic";
  d.images = at::rand({n, 1, 28, 28}, gen);
  d.labels = label >= 0 ? torch::full({n}, label, torch::kLong)
                        : at::randint(0, 10, {n}, gen, torch::kLong);
  return d;
}

MutationInputs synthetic_inputs(uint64_t seed) {
  MutationInputs in;
  in.target_class = 3;
  in.cluster = 1;
  in.neg = random_data(40, 3, 1);
  in.pos = random_data(30, 3, 2);
  in.other = random_data(50, -1, 3);
  in.seed = seed;
  return in;
}

std::string tmr_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const mutagen::Error& e) {
    return e.what();
  }
  return "<no mutagen::Error>";
}

TEST(SecondMostProbable, IsTheRunnerUp) {
  const Model m = Model::create("mnist_small", 4);
  const torch::Tensor x = random_data(32, 0, 7).images;
  const torch::Tensor l = m.logits(x);
  const torch::Tensor second = mutagen::second_most_probable(m, x);
  ASSERT_EQ(second.sizes(), torch::IntArrayRef({32}));
  EXPECT_EQ(second.scalar_type(), torch::kLong);
  const torch::Tensor top = l.argmax(1);
  for (int64_t i = 0; i < 32; ++i) {
    const int64_t s = second[i].item<int64_t>();
    EXPECT_NE(s, top[i].item<int64_t>());
    // No other class beats it except the top one.
    const float v = l[i][s].item<float>();
    EXPECT_EQ((l[i] > v).sum().item<int64_t>(), 1) << "row " << i;
  }
}

TEST(TmrMutator, EmptyINegNamesClassAndCluster) {
  MutationInputs in = synthetic_inputs(0);
  in.target_class = 7;
  in.cluster = 2;
  in.neg = Dataset{};
  const std::string msg =
      tmr_error_of([&] { TmrMutator().mutate(Model::create("mnist_small", 0), in); });
  EXPECT_EQ(msg.rfind("cluster 2 of class 7: no correctly classified samples", 0), 0u) << msg;
}

TEST(TmrMutator, MismatchedInputsAreErrors) {
  MutationInputs in = synthetic_inputs(0);
  in.pos.images = in.pos.images.slice(0, 0, 5);
  const std::string msg =
      tmr_error_of([&] { TmrMutator().mutate(Model::create("mnist_small", 0), in); });
  EXPECT_NE(msg.find("I_pos"), std::string::npos) << msg;
  EXPECT_THROW(TmrMutator().mutate(Model(), synthetic_inputs(0)), mutagen::Error);
}

class TmrSchedules : public ::testing::TestWithParam<TmrSchedule> {};

TEST_P(TmrSchedules, DeterministicAndLeavesTheOriginalAlone) {
  const Model original = Model::create("mnist_small", 11);
  const std::string fp = original.fingerprint();
  TmrOptions o;
  o.schedule(GetParam()).epochs(1).batch_size(16).relabel_fraction(0.5).other_ratio(3.0);
  const TmrMutator tmr(o);
  const Model a = tmr.mutate(original, synthetic_inputs(5));
  const Model b = tmr.mutate(original, synthetic_inputs(5));
  const Model c = tmr.mutate(original, synthetic_inputs(6));
  EXPECT_EQ(original.fingerprint(), fp);
  EXPECT_NE(a.fingerprint(), fp);
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  const auto pa = a.parameters(), pb = b.parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "param " << i;
  EXPECT_NE(a.fingerprint(), c.fingerprint());  // the seed matters
  EXPECT_EQ(a.architecture(), original.architecture());
}

INSTANTIATE_TEST_SUITE_P(Both, TmrSchedules,
                         ::testing::Values(TmrSchedule::kMixed, TmrSchedule::kSequential),
                         [](const auto& info) {
                           return info.param == TmrSchedule::kMixed ? "Mixed" : "Sequential";
                         });

TEST(TmrMutator, WorksWithoutIPosOrOtherClasses) {
  MutationInputs in = synthetic_inputs(1);
  in.pos = Dataset{};
  in.other = Dataset{};
  const Model original = Model::create("mnist_small", 2);
  for (auto s : {TmrSchedule::kMixed, TmrSchedule::kSequential}) {
    const Model m = TmrMutator(TmrOptions().schedule(s).epochs(1)).mutate(original, in);
    EXPECT_TRUE(m.valid());
    EXPECT_NE(m.fingerprint(), original.fingerprint());
  }
}

}  // namespace
