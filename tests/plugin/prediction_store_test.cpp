// The originals' predictions kept in the cache folder (prediction_store.h): a second process gets
// the stored labels without a forward pass, anything that does not fit is recomputed, and a
// disabled store writes nothing.
#include "prediction_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "mutagen/dataset.h"
#include "test_support.h"

namespace {

using mutagen::Dataset;
using mutagen::Model;
using mutagen::internal::NamedData;
using mutagen::internal::PredictionMemo;
using mutagen::internal::PredictionStore;

Dataset random_set(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  Dataset d;
  d.images = torch::rand({n, 1, 28, 28});
  d.labels = torch::randint(0, 10, {n}, torch::kLong);
  d.num_classes = 10;
  return d;
}

size_t files_in(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return 0;
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

class PredictionStoreTest : public ::testing::Test {
 protected:
  const std::string dir =
      mutagen::testing_support::temp_dir("prediction_store." + std::to_string(::getpid()));
  const Dataset train = random_set(40, 1), test = random_set(12, 2);
  const std::vector<NamedData> sets{{"train", &train}, {"test", &test}};
  const std::string sets_hash = mutagen::internal::hash_sets(sets);
  const Model a = Model::create("mnist_small", 0), b = Model::create("mnist_small", 1);
};

TEST_F(PredictionStoreTest, ASecondProcessGetsTheStoredLabelsAndTheMemoServesThem) {
  PredictionMemo memo;
  const auto first =
      PredictionStore(dir, true).get_or_predict(a, a.fingerprint(), sets, sets_hash, memo);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_TRUE(torch::equal(first[0], a.predict(train.images)));
  EXPECT_TRUE(torch::equal(first[1], a.predict(test.images)));
  EXPECT_EQ(files_in(dir), 1u);
  // Model b under a's fingerprint: labels that come back are a's, so they were loaded, not
  // predicted (b predicts otherwise on these inputs).
  ASSERT_FALSE(torch::equal(b.predict(train.images), first[0]));
  PredictionMemo fresh;
  const auto loaded =
      PredictionStore(dir, true).get_or_predict(b, a.fingerprint(), sets, sets_hash, fresh);
  EXPECT_TRUE(torch::equal(loaded[0], first[0]));
  EXPECT_TRUE(torch::equal(loaded[1], first[1]));
  ASSERT_NE(fresh.find(train.images), nullptr);
  EXPECT_TRUE(torch::equal(*fresh.find(train.images), first[0]));
  // Its own fingerprint (and its own memo, as each model has): its own labels, stored beside a's.
  PredictionMemo own_memo;
  const auto own =
      PredictionStore(dir, true).get_or_predict(b, b.fingerprint(), sets, sets_hash, own_memo);
  EXPECT_TRUE(torch::equal(own[0], b.predict(train.images)));
  EXPECT_EQ(files_in(dir), 2u);
}

TEST_F(PredictionStoreTest, OtherSetsOrAnUnreadableFileAreRecomputed) {
  PredictionMemo memo;
  PredictionStore(dir, true).get_or_predict(a, a.fingerprint(), sets, sets_hash, memo);
  // Other data under the same key (a stale or foreign file): sizes do not fit, so b predicts.
  const Dataset small = random_set(5, 3);
  const std::vector<NamedData> other{{"train", &small}, {"test", &test}};
  PredictionMemo m2;
  const auto p =
      PredictionStore(dir, true).get_or_predict(b, a.fingerprint(), other, sets_hash, m2);
  EXPECT_TRUE(torch::equal(p[0], b.predict(small.images)));
  // A truncated file: recomputed, no exception.
  for (const auto& e : std::filesystem::directory_iterator(dir))
    std::ofstream(e.path(), std::ios::trunc) << "not a tensor archive";
  PredictionMemo m3;
  const auto q = PredictionStore(dir, true).get_or_predict(b, a.fingerprint(), sets, sets_hash, m3);
  EXPECT_TRUE(torch::equal(q[0], b.predict(train.images)));
}

TEST_F(PredictionStoreTest, ADisabledStoreNeitherReadsNorWrites) {
  PredictionMemo memo;
  PredictionStore(dir, true).get_or_predict(a, a.fingerprint(), sets, sets_hash, memo);
  const std::string off = dir + "/off";
  PredictionMemo m2;
  const auto p =
      PredictionStore(dir, false).get_or_predict(b, a.fingerprint(), sets, sets_hash, m2);
  EXPECT_TRUE(torch::equal(p[0], b.predict(train.images)));  // not a's stored labels
  PredictionMemo m3;
  PredictionStore(off, false).get_or_predict(a, a.fingerprint(), sets, sets_hash, m3);
  EXPECT_EQ(files_in(off), 0u);
}

}  // namespace
