#pragma once
// The GoogleTest extension. A user declares a subject and writes ordinary GoogleTest bodies that
// receive a model instance and a test set:
//
//   MUTAGEN_SUBJECT(MnistCnn) {
//     return mutagen::Subject("MnistCnn").instances(...).training_data(...).test_set("strong",
//     ...)...;
//   }
//   MUTATION_TEST(MnistCnn, Accuracy) {
//     double a = mutagen::accuracy(model(), test_set());
//     mutagen::measure("accuracy", a);
//     EXPECT_GE(a, 0.9);
//   }
//
// A normal run (ctest, or the binary without flags) runs each body on every original instance and
// every test set. The mutation run (--mutagen_run, or `mutagen run <binary>`) runs every body on
// every test set for every original and every mutant instance, and decides kills statistically.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "mutagen/dataset.h"
#include "mutagen/model.h"
#include "mutagen/subject.h"

namespace mutagen {

// Base of every MUTATION_TEST body. model() and test_set() are the instance and data of the current
// evaluation (an original or a mutant).
class MutationTest {
 public:
  virtual ~MutationTest() = default;
  virtual void Run() = 0;

 protected:
  const Model& model() const;
  const Dataset& test_set() const;
  const std::string& test_set_name() const;
};

// Which direction of a measured value is good: a mutant is killed when it is significantly worse.
enum class Better { kHigher, kLower };

// Records a measured value (e.g. accuracy) of the current evaluation. Kill decisions on measured
// values use Wilcoxon + Cohen's d; tests that measure nothing are judged on pass/fail counts. Say
// which direction is good where you record it: a loss or an error rate needs Better::kLower (a name
// that says loss/error recorded as higher-is-better is warned about once).
void measure(const std::string& metric, double value, Better better = Better::kHigher);

// Predictions of `model` on `data`, memoised for the current evaluation: several tests (or several
// assertions) on the same instance and test set run inference once.
torch::Tensor predictions(const Model& model, const Dataset& data);
// Accuracy of `model` on a whole data set.
double accuracy(const Model& model, const Dataset& data);
// Accuracy restricted to the samples whose label is `cls` (NaN if there are none).
double class_accuracy(const Model& model, const Dataset& data, int64_t cls);
// A weak test set for the strong-vs-weak comparison: per class, the `fraction` (in (0, 1]) of
// `test` that `models` find easiest (highest mean softmax probability of the true label; ties keep
// data order), in data order and named `name`. Tests on it look fine but see little of what could
// go wrong.
Dataset easiest_inputs(const Dataset& test, const std::vector<Model>& models, double fraction,
                       const std::string& name = "weak");

// Parses and removes --mutagen_* flags (call before testing::InitGoogleTest). Flags:
//   --mutagen_run                 run the mutation analysis instead of the plain tests
//   --mutagen_min_score=X         fail (exit 1) when a test set's score is below X
//   --mutagen_report=FILE         report.json path (default mutagen-report.json)
//   --mutagen_no_cache            regenerate mutants even when cached
//   --mutagen_subject=NAME        only this subject
//   --mutagen_timeout=SECONDS     fixed per-test timeout (0: automatic, see Subject::test_timeout)
//   --mutagen_allow_undecided     exit 0 when no mutant is killable (default: exit 2)
//   --mutagen_shard=K/N           run shard K of N only and write a partial report for `mutagen
//                                 merge` (default: from a Slurm/Kubernetes/GitLab job array's
//                                 environment, if any; see README "Scale out")
// Returns true when the mutation run was requested.
bool InitMutagen(int* argc, char** argv);
// Runs the mutation analysis for all registered subjects; exit code: 0 at or above the threshold,
// 1 below it, 2 on errors and when the run cannot decide (no mutant killable).
int RunMutationAnalysis();

namespace internal {
using SubjectFactory = std::function<Subject()>;
using MutationTestFactory = std::function<std::unique_ptr<MutationTest>()>;
bool register_subject(const char* name, SubjectFactory factory);
bool register_mutation_test(const char* subject, const char* test, const char* file, int line,
                            MutationTestFactory factory);
}  // namespace internal

}  // namespace mutagen

#define MUTAGEN_SUBJECT(Name)                                                        \
  static ::mutagen::Subject mutagen_subject_factory_##Name();                        \
  [[maybe_unused]] static const bool mutagen_subject_registered_##Name =             \
      ::mutagen::internal::register_subject(#Name, &mutagen_subject_factory_##Name); \
  static ::mutagen::Subject mutagen_subject_factory_##Name()

#define MUTATION_TEST(SubjectName, TestName)                                              \
  class SubjectName##_##TestName##_MutationTest : public ::mutagen::MutationTest {        \
   public:                                                                                \
    void Run() override;                                                                  \
  };                                                                                      \
  [[maybe_unused]] static const bool mutagen_test_registered_##SubjectName##_##TestName = \
      ::mutagen::internal::register_mutation_test(                                        \
          #SubjectName, #TestName, __FILE__, __LINE__,                                    \
          []() -> std::unique_ptr<::mutagen::MutationTest> {                              \
            return std::make_unique<SubjectName##_##TestName##_MutationTest>();           \
          });                                                                             \
  void SubjectName##_##TestName##_MutationTest::Run()
