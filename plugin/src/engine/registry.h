#pragma once
// Process-wide registries of subjects and mutation tests (filled at static-initialisation time by the
// MUTAGEN_SUBJECT and MUTATION_TEST macros), and the context of the evaluation in progress.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mutagen/mutation_test.h"

namespace mutagen::internal {

struct RegisteredTest {
  std::string subject;
  std::string name;  // test name; the GoogleTest full name is subject + "." + name
  std::string file;
  int line = 0;
  MutationTestFactory factory;
  std::string full_name() const { return subject + "." + name; }
};

std::vector<RegisteredTest>& registered_tests();
std::map<std::string, SubjectFactory>& registered_subjects();
// The subject built once per process from its factory (instances trained/loaded on first use).
const Subject& subject_instance(const std::string& name);

struct MeasuredValue {
  double value = 0;
  Better better = Better::kHigher;
};

// What a running test body sees (model(), test_set()) and what it records (measure()).
struct EvalContext {
  const Model* model = nullptr;
  const Dataset* data = nullptr;
  std::string set_name;
  std::map<std::string, MeasuredValue> measures;
  std::map<const void*, torch::Tensor>* prediction_memo = nullptr;  // keyed by images' data pointer
};

// Sets the current context for the lifetime of the guard (thread-local).
class ContextGuard {
 public:
  explicit ContextGuard(EvalContext* ctx);
  ~ContextGuard();

 private:
  EvalContext* previous_;
};
EvalContext* current_context();

struct Flags {
  bool run = false;
  double min_score = -1;  // < 0: the subject's own min_score
  std::string report = "mutagen-report.json";
  bool no_cache = false;
  std::string subject;
};
Flags& flags();

// GoogleTest-style filter ("A.*:B.C-A.D") match, as --gtest_filter.
bool matches_filter(const std::string& full_name, const std::string& filter);

}  // namespace mutagen::internal
