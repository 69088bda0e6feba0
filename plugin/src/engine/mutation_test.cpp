// The GoogleTest extension: registration macros' back ends, the plain-run adapter, flags, context.
#include "mutagen/mutation_test.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <mutex>
#include <set>

#include "mutagen/device.h"
#include "mutagen/error.h"
#include "mutagen/logging.h"
#include "registry.h"
#include "shard.h"

namespace mutagen {
namespace internal {

std::vector<RegisteredTest>& registered_tests() {
  static std::vector<RegisteredTest> tests;
  return tests;
}

std::map<std::string, SubjectFactory>& registered_subjects() {
  static std::map<std::string, SubjectFactory> subjects;
  return subjects;
}

const Subject& subject_instance(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Subject>> built;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = built.find(name);
  if (it != built.end()) return *it->second;
  auto factory = registered_subjects().find(name);
  if (factory == registered_subjects().end())
    throw Error("no subject named '" + name + "' (declare it with MUTAGEN_SUBJECT(" + name + "))");
  auto subject = std::make_unique<Subject>(factory->second());
  return *built.emplace(name, std::move(subject)).first->second;
}

namespace {
thread_local EvalContext* g_context = nullptr;
}

const torch::Tensor* PredictionMemo::find(const torch::Tensor& images) const {
  if (!images.defined()) return nullptr;
  for (const Entry& e : entries_) {
    if (e.images.data_ptr() == images.data_ptr() && e.images.sizes() == images.sizes() &&
        e.images.strides() == images.strides() && e.images.dtype() == images.dtype() &&
        e.images.device() == images.device() && e.version == images._version())
      return &e.predictions;
  }
  return nullptr;
}

void PredictionMemo::put(const torch::Tensor& images, torch::Tensor predictions) {
  if (!images.defined()) return;
  entries_.push_back({images, std::move(predictions), images._version()});
}

ContextGuard::ContextGuard(EvalContext* ctx) : previous_(g_context) { g_context = ctx; }
ContextGuard::~ContextGuard() { g_context = previous_; }
EvalContext* current_context() { return g_context; }

Flags& flags() {
  static Flags f;
  return f;
}

namespace {
// '*' any run, '?' one character; as GoogleTest.
bool glob(const char* pattern, const char* str) {
  if (*pattern == '\0') return *str == '\0';
  if (*pattern == '*') return glob(pattern + 1, str) || (*str != '\0' && glob(pattern, str + 1));
  if (*str == '\0') return false;
  return (*pattern == '?' || *pattern == *str) && glob(pattern + 1, str + 1);
}
bool any_match(const std::string& patterns, const std::string& name) {
  size_t start = 0;
  while (start <= patterns.size()) {
    size_t end = patterns.find(':', start);
    if (end == std::string::npos) end = patterns.size();
    const std::string p = patterns.substr(start, end - start);
    if (!p.empty() && glob(p.c_str(), name.c_str())) return true;
    start = end + 1;
  }
  return false;
}
}  // namespace

bool matches_filter(const std::string& full_name, const std::string& filter) {
  const size_t dash = filter.find('-');
  std::string positive = dash == std::string::npos ? filter : filter.substr(0, dash);
  const std::string negative = dash == std::string::npos ? "" : filter.substr(dash + 1);
  if (positive.empty()) positive = "*";
  return any_match(positive, full_name) && !any_match(negative, full_name);
}

namespace {
// The plain run: the body on every original instance and every test set, as one GoogleTest test.
class PlainRunTest : public ::testing::Test {
 public:
  PlainRunTest(std::string subject, MutationTestFactory factory)
      : subject_(std::move(subject)), factory_(std::move(factory)) {}

  void TestBody() override {
    const Subject* subject = nullptr;
    try {
      subject = &subject_instance(subject_);
      subject->resolved_instances();
    } catch (const std::exception& e) {
      FAIL() << "subject '" << subject_ << "' could not be set up: " << e.what();
    }
    const auto& instances = subject->resolved_instances();
    for (size_t i = 0; i < instances.size(); ++i) {
      PredictionMemo memo;
      for (const auto& set : subject->test_sets()) {
        SCOPED_TRACE("original instance " + std::to_string(i) + ", test set '" + set.name + "'");
        EvalContext ctx;
        ctx.model = &instances[i];
        ctx.data = &set.data;
        ctx.set_name = set.name;
        ctx.prediction_memo = &memo;
        ContextGuard guard(&ctx);
        factory_()->Run();
        for (const auto& [metric, v] : ctx.measures)
          RecordProperty(metric + "." + set.name + "." + std::to_string(i),
                         std::to_string(v.value));
      }
    }
  }

 private:
  std::string subject_;
  MutationTestFactory factory_;
};
}  // namespace

bool register_subject(const char* name, SubjectFactory factory) {
  registered_subjects()[name] = std::move(factory);
  return true;
}

bool register_mutation_test(const char* subject, const char* test, const char* file, int line,
                            MutationTestFactory factory) {
  registered_tests().push_back({subject, test, file, line, factory});
  std::string subject_name = subject;
  ::testing::RegisterTest(subject, test, nullptr, nullptr, file, line,
                          [subject_name, factory]() -> ::testing::Test* {
                            return new PlainRunTest(subject_name, factory);
                          });
  return true;
}

}  // namespace internal

namespace {
internal::EvalContext& require_context(const char* what) {
  internal::EvalContext* ctx = internal::current_context();
  if (!ctx)
    throw Error(std::string(what) +
                " called outside a MUTATION_TEST body (no model or test set is being evaluated)");
  return *ctx;
}
}  // namespace

const Model& MutationTest::model() const { return *require_context("model()").model; }
const Dataset& MutationTest::test_set() const { return *require_context("test_set()").data; }
const std::string& MutationTest::test_set_name() const {
  return require_context("test_set_name()").set_name;
}

namespace {
// A metric whose name says loss or error is almost surely lower-is-better; recorded as
// higher-is-better, a mutant that raises it could never be killed. Warn once per name.
void warn_if_direction_looks_wrong(const std::string& metric, Better better) {
  if (better != Better::kHigher) return;
  std::string lower = metric;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const char* const kLowerIsBetter[] = {
      "loss", "error", "mse", "mae", "rmse", "nll", "entropy", "perplexity", "mispred", "misclass"};
  const char* hit = nullptr;
  for (const char* word : kLowerIsBetter)
    if (lower.find(word) != std::string::npos) hit = word;
  if (!hit) return;
  static std::mutex mutex;
  static std::set<std::string> warned;
  std::lock_guard<std::mutex> lock(mutex);
  if (!warned.insert(metric).second) return;
  spdlog::warn(
      "measure(\"{}\"): the name says '{}' but the value is recorded as higher-is-better, so a "
      "mutant that raises it can never be killed; pass mutagen::Better::kLower if lower is better",
      metric, hit);
}
}  // namespace

void measure(const std::string& metric, double value, Better better) {
  warn_if_direction_looks_wrong(metric, better);
  require_context("mutagen::measure()").measures[metric] = {value, better};
}

torch::Tensor predictions(const Model& model, const Dataset& data) {
  internal::EvalContext* ctx = internal::current_context();
  const bool memoise = ctx && ctx->prediction_memo && ctx->model == &model;
  if (memoise)
    if (const torch::Tensor* known = ctx->prediction_memo->find(data.images)) return *known;
  torch::Tensor p = model.predict(data.images);
  if (memoise) ctx->prediction_memo->put(data.images, p);
  return p;
}

double accuracy(const Model& model, const Dataset& data) {
  if (data.size() == 0) return std::nan("");
  return predictions(model, data).eq(data.labels).to(torch::kDouble).mean().item<double>();
}

double class_accuracy(const Model& model, const Dataset& data, int64_t cls) {
  const torch::Tensor mask = data.labels.eq(cls);
  const int64_t n = mask.sum().item<int64_t>();
  if (n == 0) return std::nan("");
  const torch::Tensor correct = predictions(model, data).eq(data.labels).logical_and(mask);
  return static_cast<double>(correct.sum().item<int64_t>()) / static_cast<double>(n);
}

Dataset easiest_inputs(const Dataset& test, const std::vector<Model>& models, double fraction,
                       const std::string& name) {
  if (!(fraction > 0 && fraction <= 1))
    throw Error("easiest_inputs: fraction must be in (0, 1], got " + std::to_string(fraction));
  if (models.empty()) throw Error("easiest_inputs: no models to rank the inputs with");
  torch::NoGradGuard no_grad;
  torch::Tensor p_true = torch::zeros({test.size()}, torch::kDouble);
  const torch::Tensor labels = test.labels.to(torch::kCPU, torch::kLong);
  for (const auto& m : models) {
    const torch::Tensor probs =
        torch::softmax(m.logits(test.images), 1).to(torch::kCPU, torch::kDouble);
    p_true += probs.gather(1, labels.unsqueeze(1)).squeeze(1);
  }
  const auto p = p_true.accessor<double, 1>();
  std::vector<int64_t> keep;
  for (int64_t c = 0; c < test.num_classes; ++c) {
    std::vector<int64_t> idx = test.indices_of_class(c);
    std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return p[a] > p[b]; });
    idx.resize(static_cast<size_t>(static_cast<double>(idx.size()) * fraction));
    keep.insert(keep.end(), idx.begin(), idx.end());
  }
  std::sort(keep.begin(), keep.end());
  return test.subset(keep, name);
}

bool InitMutagen(int* argc, char** argv) {
  init_logging();
  auto& f = internal::flags();
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* prefix) -> const char* {
      const size_t n = std::strlen(prefix);
      return arg.compare(0, n, prefix) == 0 ? argv[i] + n : nullptr;
    };
    if (arg == "--mutagen_run") {
      f.run = true;
    } else if (arg == "--mutagen_no_cache") {
      f.no_cache = true;
    } else if (const char* v = value("--mutagen_min_score=")) {
      char* end = nullptr;
      f.min_score = std::strtod(v, &end);
      if (end == v || *end != '\0' || !(f.min_score >= 0 && f.min_score <= 1)) {  // NaN too
        std::fprintf(stderr, "mutagen: --mutagen_min_score expects a number in [0, 1], got '%s'\n",
                     v);
        std::exit(2);
      }
    } else if (const char* v = value("--mutagen_thresholds=")) {
      // high,low[,break] as in Stryker; break is the gate (= --mutagen_min_score).
      double t[3] = {-1, -1, -1};
      int count = 0;
      const char* p = v;
      bool ok = true;
      while (ok && count < 3) {
        char* end = nullptr;
        t[count] = std::strtod(p, &end);
        ok = end != p && t[count] >= 0 && t[count] <= 1;
        ++count;
        if (!ok || *end == '\0') break;
        ok = *end == ',';
        p = end + 1;
      }
      const bool complete = ok && (count == 2 || count == 3) && std::strchr(v, ',') &&
                            std::count(v, v + std::strlen(v), ',') == count - 1;
      if (!complete || t[1] > t[0]) {
        std::fprintf(
            stderr,
            "mutagen: --mutagen_thresholds expects high,low[,break], numbers in [0, 1] with "
            "low <= high, got '%s'\n",
            v);
        std::exit(2);
      }
      f.threshold_high = t[0];
      f.threshold_low = t[1];
      if (count == 3) f.min_score = t[2];
    } else if (const char* v = value("--mutagen_reporters=")) {
      f.reporters = v;
    } else if (const char* v = value("--mutagen_report_dir=")) {
      f.report_dir = v;
    } else if (arg == "--mutagen_allow_undecided") {
      f.allow_undecided = true;
    } else if (const char* v = value("--mutagen_timeout=")) {
      char* end = nullptr;
      f.timeout = std::strtod(v, &end);
      if (end == v || *end != '\0' || !(f.timeout >= 0)) {
        std::fprintf(stderr,
                     "mutagen: --mutagen_timeout expects seconds >= 0 (0 = automatic), got '%s'\n",
                     v);
        std::exit(2);
      }
    } else if (const char* v = value("--mutagen_shard=")) {
      try {
        internal::parse_shard(v, "--mutagen_shard");
      } catch (const std::exception& e) {
        std::fprintf(stderr, "mutagen: error: %s\n", e.what());
        std::exit(2);
      }
      f.shard = v;
    } else if (const char* v = value("--mutagen_device=")) {
      // Checked now, before any subject trains: a bad name is an error at start.
      try {
        parse_device(v, "--mutagen_device");
      } catch (const Error& e) {
        std::fprintf(stderr, "mutagen: %s\n", e.what());
        std::exit(2);
      }
      f.device = v;
    } else if (const char* v = value("--mutagen_report=")) {
      f.report = v;
    } else if (const char* v = value("--mutagen_subject=")) {
      f.subject = v;
    } else if (arg.rfind("--mutagen_", 0) == 0) {
      std::fprintf(
          stderr,
          "mutagen: unknown flag '%s' (known: --mutagen_run, --mutagen_min_score=X, "
          "--mutagen_report=FILE, --mutagen_no_cache, --mutagen_subject=NAME, "
          "--mutagen_timeout=SECONDS, --mutagen_allow_undecided, --mutagen_reporters=LIST, "
          "--mutagen_report_dir=DIR, --mutagen_thresholds=HIGH,LOW[,BREAK], --mutagen_shard=K/N, "
          "--mutagen_device=cpu|cuda|cuda:N)\n",
          argv[i]);
      std::exit(2);
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
  argv[out] = nullptr;
  return f.run;
}

}  // namespace mutagen
