// A test body that crashes or throws on a model marks that evaluation as an error; the run goes on.
#include <gtest/gtest.h>

#include <csignal>

#include "evaluation.h"
#include "mutagen/mutation_test.h"

namespace mutagen::internal {
namespace {

class Crashes : public MutationTest {
 public:
  void Run() override { std::raise(SIGSEGV); }
};
class Throws : public MutationTest {
 public:
  void Run() override { throw std::runtime_error("boom on this mutant"); }
};
class Measures : public MutationTest {
 public:
  void Run() override {
    measure("size", static_cast<double>(test_set().size()));
    measure("loss", 0.25, Better::kLower);
    EXPECT_EQ(test_set().size(), 3);
  }
};

RegisteredTest make(const char* name, MutationTestFactory f) {
  RegisteredTest t;
  t.subject = "Iso";
  t.name = name;
  t.factory = std::move(f);
  return t;
}

Dataset three() {
  Dataset d;
  d.images = torch::zeros({3, 1, 28, 28});
  d.labels = torch::zeros({3}, torch::kLong);
  return d;
}

TEST(Isolation, ACrashIsAnErrorAndOtherResultsSurvive) {
  const RegisteredTest measures = make("Measures", [] { return std::make_unique<Measures>(); });
  const RegisteredTest crashes = make("Crashes", [] { return std::make_unique<Crashes>(); });
  const Model model = Model::create("mnist_small", 0);
  const Dataset data = three();
  PredictionMemo memo;

  // Results cross the process boundary intact.
  const Outcomes ok = evaluate_isolated(model, {&measures}, {{"s", &data}}, memo);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_TRUE(ok[0][0].passed);
  EXPECT_FALSE(ok[0][0].error);
  EXPECT_DOUBLE_EQ(ok[0][0].measures.at("size").value, 3.0);
  EXPECT_EQ(ok[0][0].measures.at("loss").better, Better::kLower);

  const Outcomes crashed = evaluate_isolated(model, {&measures, &crashes}, {{"s", &data}}, memo);
  ASSERT_EQ(crashed.size(), 2u);
  EXPECT_TRUE(crashed[1][0].error);
  EXPECT_NE(crashed[1][0].message.find("signal 11"), std::string::npos) << crashed[1][0].message;
  // This process is still alive and can evaluate again.
  EXPECT_TRUE(evaluate_isolated(model, {&measures}, {{"s", &data}}, memo)[0][0].passed);
}

TEST(Isolation, AnExceptionIsAnErrorWithItsMessage) {
  const RegisteredTest throws = make("Throws", [] { return std::make_unique<Throws>(); });
  const Model model = Model::create("mnist_small", 0);
  const Dataset data = three();
  PredictionMemo memo;
  const Outcomes out = evaluate(model, {&throws}, {{"s", &data}}, memo);
  EXPECT_TRUE(out[0][0].error);
  EXPECT_FALSE(out[0][0].passed);
  EXPECT_EQ(out[0][0].message, "boom on this mutant");
}

}  // namespace
}  // namespace mutagen::internal
