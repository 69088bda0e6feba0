#pragma once
// Process-wide registries of subjects and mutation tests (filled at static-initialisation time by
// the MUTAGEN_SUBJECT and MUTATION_TEST macros), and the context of the evaluation in progress.
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

// Predictions of one model, memoised per data set. An entry holds the images tensor it was computed
// for, so no other tensor can be given its address while the memo lives, and matches only the same
// view of the same, unmodified data (data pointer, shape, strides, dtype, device, version counter):
// a temporary subset can never be answered with another data set's predictions.
class PredictionMemo {
 public:
  // nullptr when unknown.
  const torch::Tensor* find(const torch::Tensor& images) const;
  void put(const torch::Tensor& images, torch::Tensor predictions);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    torch::Tensor images, predictions;
    int64_t version = 0;
  };
  std::vector<Entry> entries_;
};

// What a running test body sees (model(), test_set()) and what it records (measure()).
struct EvalContext {
  const Model* model = nullptr;
  const Dataset* data = nullptr;
  std::string set_name;
  std::map<std::string, MeasuredValue> measures;
  PredictionMemo* prediction_memo = nullptr;
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
  double min_score = -1;                           // < 0: the subject's own min_score
  double threshold_high = -1, threshold_low = -1;  // < 0: the subject's own thresholds
  std::string report = "mutagen-report.json";
  bool no_cache = false;
  std::string subject;
  bool allow_undecided = false;
  std::string reporters = "console,json,html";
  std::string report_dir;  // empty: the folder of `report`
  double timeout = -1;     // < 0: the subject's own test_timeout
  std::string shard;       // "k/n"; empty: from the job array's environment, if any (shard.h)
  std::string device;      // empty: the subject's own device (validated by InitMutagen)
};
Flags& flags();

// GoogleTest-style filter ("A.*:B.C-A.D") match, as --gtest_filter.
bool matches_filter(const std::string& full_name, const std::string& filter);

}  // namespace mutagen::internal
