#include "evaluation.h"

#include <gtest/gtest-spi.h>

namespace mutagen::internal {

namespace {
Outcome run_one(const RegisteredTest& test, const Model& model, const NamedData& set,
                std::map<const void*, torch::Tensor>& memo) {
  Outcome out;
  EvalContext ctx;
  ctx.model = &model;
  ctx.data = set.data;
  ctx.set_name = set.name;
  ctx.prediction_memo = &memo;
  ::testing::TestPartResultArray results;
  {
    // Intercepts EXPECT/ASSERT results of the body instead of failing the (absent) running test.
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS, &results);
    ContextGuard guard(&ctx);
    try {
      test.factory()->Run();
    } catch (const std::exception& e) {
      out.error = true;
      out.message = e.what();
    } catch (...) {
      out.error = true;
      out.message = "unknown exception";
    }
  }
  for (int i = 0; i < results.size(); ++i) {
    const auto& r = results.GetTestPartResult(i);
    if (r.skipped()) out.skipped = true;
    if (r.failed()) {
      out.passed = false;
      if (out.message.empty()) out.message = r.summary();
    }
  }
  if (out.error) out.passed = false;
  out.measures = std::move(ctx.measures);
  return out;
}
}  // namespace

Outcomes evaluate(const Model& model, const std::vector<const RegisteredTest*>& tests,
                  const std::vector<NamedData>& sets, PredictionMemo& memo) {
  Outcomes outcomes(tests.size(), std::vector<Outcome>(sets.size()));
  for (size_t t = 0; t < tests.size(); ++t)
    for (size_t s = 0; s < sets.size(); ++s) outcomes[t][s] = run_one(*tests[t], model, sets[s], memo);
  return outcomes;
}

}  // namespace mutagen::internal
