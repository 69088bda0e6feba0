// The mutant cache: keys, round trips, corrupt entries, get_or_create, atomic files.
#include "mutagen/mutant_cache.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "mutagen/error.h"
#include "mutagen/io.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace {

using mutagen::Model;
using mutagen::MutantCache;
using mutagen::MutantKey;

MutantKey base_key() {
  MutantKey k;
  k.original_fingerprint = "0123456789abcdef0123456789abcdef";
  k.operator_name = "tmr";
  k.options = {{"epochs", 5}, {"schedule", "mixed"}};
  k.cls = 7;
  k.cluster = 1;
  k.members = {3, 14, 15, 92};
  k.algorithm_version = "tmr-2";
  k.heldout_fraction = 0.25;
  k.other_classes_ratio = 1.0;
  k.training_data = "fedcba98765432100123456789abcdef";
  k.seed = 42;
  return k;
}

torch::Tensor probe_input() { return torch::linspace(0, 1, 4 * 28 * 28).reshape({4, 1, 28, 28}); }

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

void overwrite(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

TEST(MutantKey, HexIsStableAndChangesWithEveryField) {
  const MutantKey k = base_key();
  EXPECT_EQ(k.hex().size(), 32u);
  EXPECT_EQ(k.hex(), base_key().hex());
  // Options compare by content: key order of the JSON object does not matter.
  MutantKey reordered = base_key();
  reordered.options = nlohmann::json::object();
  reordered.options["schedule"] = "mixed";
  reordered.options["epochs"] = 5;
  EXPECT_EQ(reordered.hex(), k.hex());

  std::vector<MutantKey> changed(14, base_key());
  changed[0].original_fingerprint = "ffff456789abcdef0123456789abcdef";
  changed[1].operator_name = "tmr2";
  changed[2].options["epochs"] = 6;
  changed[3].cls = 8;
  changed[4].cluster = 2;
  changed[5].members = {3, 14, 15, 93};
  changed[6].members = {3, 14, 15};
  changed[7].seed = 43;
  changed[8].options = nlohmann::json::object();
  changed[9].algorithm_version = "tmr-3";
  changed[10].heldout_fraction = 0.5;
  changed[11].other_classes_ratio = 2.0;
  changed[12].training_data = "another training set";
  changed[13].heldout_fraction = 0.25 + 1e-9;
  std::set<std::string> all{k.hex()};
  for (const auto& c : changed) {
    EXPECT_NE(c.hex(), k.hex());
    all.insert(c.hex());
  }
  EXPECT_EQ(all.size(), changed.size() + 1);  // and all distinct from each other
  // Field boundaries are unambiguous: moving text between operator and fingerprint changes the key.
  MutantKey a = base_key(), b = base_key();
  a.original_fingerprint = "ab";
  a.operator_name = "c";
  b.original_fingerprint = "a";
  b.operator_name = "bc";
  EXPECT_NE(a.hex(), b.hex());
}

TEST(MutantCache, StoreThenFindGivesTheSameModel) {
  const std::string dir = mutagen::testing_support::temp_dir("cache");
  MutantCache cache(dir + "/sub");  // the folder is created on store
  const MutantKey key = base_key();
  EXPECT_FALSE(cache.find(key).has_value());
  const Model m = Model::create("mnist_small", 5);
  cache.store(key, m, {{"note", "hello"}});
  EXPECT_EQ(files_in(dir + "/sub"),
            (std::vector<std::string>{key.hex() + ".json", key.hex() + ".pt"}));
  const auto found = cache.find(key);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->fingerprint(), m.fingerprint());
  EXPECT_TRUE(torch::equal(found->logits(probe_input()), m.logits(probe_input())));
  const nlohmann::json meta = mutagen::read_json(dir + "/sub/" + key.hex() + ".json");
  EXPECT_EQ(meta.at("key"), key.hex());
  EXPECT_EQ(meta.at("operator"), "tmr");
  EXPECT_EQ(meta.at("class"), 7);
  EXPECT_EQ(meta.at("metadata").at("note"), "hello");
  // Another key is still a miss.
  MutantKey other = base_key();
  other.seed = 1;
  EXPECT_FALSE(cache.find(other).has_value());
}

TEST(MutantCache, CorruptEntriesAreMissesAndOthersSurvive) {
  const std::string dir = mutagen::testing_support::temp_dir("cache");
  MutantCache cache(dir);
  MutantKey k1 = base_key(), k2 = base_key(), k3 = base_key();
  k2.seed = 2;
  k3.seed = 3;
  const Model m = Model::create("mnist_small", 1);
  cache.store(k1, m, {});
  cache.store(k2, m, {});
  cache.store(k3, m, {});
  overwrite(dir + "/" + k1.hex() + ".pt", "this is not a model");
  overwrite(dir + "/" + k2.hex() + ".json", "{ not json");
  EXPECT_FALSE(cache.find(k1).has_value());
  EXPECT_FALSE(cache.find(k2).has_value());
  ASSERT_TRUE(cache.find(k3).has_value());
  EXPECT_EQ(cache.find(k3)->fingerprint(), m.fingerprint());
  // A .pt without its .json (a crash between the two writes) is a miss, too.
  MutantKey k4 = base_key();
  k4.seed = 4;
  m.save(dir + "/" + k4.hex() + ".pt");
  EXPECT_FALSE(cache.find(k4).has_value());
  // A .json whose key does not match its name is a miss.
  fs::copy_file(dir + "/" + k3.hex() + ".json", dir + "/" + k4.hex() + ".json");
  EXPECT_FALSE(cache.find(k4).has_value());
  // get_or_create repairs a corrupt entry.
  int made = 0;
  bool cached = true;
  const Model r = cache.get_or_create(
      k1,
      [&] {
        ++made;
        return m.clone();
      },
      {}, &cached);
  EXPECT_EQ(made, 1);
  EXPECT_FALSE(cached);
  EXPECT_TRUE(cache.find(k1).has_value());
  EXPECT_EQ(r.fingerprint(), m.fingerprint());
}

// A model file cut short or with one byte flipped still parses often enough; the checksum catches
// it.
TEST(MutantCache, TruncatedOrFlippedModelFilesAreDetectedAndRegenerated) {
  const std::string dir = mutagen::testing_support::temp_dir("cache");
  MutantCache cache(dir);
  const Model m = Model::create("mnist_small", 1);
  MutantKey cut = base_key(), flipped = base_key();
  flipped.seed = 5;
  cache.store(cut, m, {});
  cache.store(flipped, m, {});
  const std::string cut_pt = dir + "/" + cut.hex() + ".pt";
  std::string bytes = mutagen::read_file(cut_pt);
  overwrite(cut_pt, bytes.substr(0, bytes.size() - 1));
  const std::string flipped_pt = dir + "/" + flipped.hex() + ".pt";
  bytes = mutagen::read_file(flipped_pt);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
  overwrite(flipped_pt, bytes);
  EXPECT_FALSE(cache.find(cut).has_value());
  EXPECT_FALSE(cache.find(flipped).has_value());
  bool cached = true;
  const Model again = cache.get_or_create(
      cut, [&] { return m.clone(); }, {}, &cached);
  EXPECT_FALSE(cached);
  ASSERT_TRUE(cache.find(cut).has_value());
  EXPECT_EQ(cache.find(cut)->fingerprint(), m.fingerprint());
}

// Two processes on one folder at the same time: one makes the mutant, the other waits and reuses
// it.
TEST(MutantCache, TwoProcessesSharingTheFolderMakeTheMutantOnce) {
  const std::string dir = mutagen::testing_support::temp_dir("cache");
  const std::string log = dir + "/made.log";
  const MutantKey key = base_key();
  auto worker = [&] {
    MutantCache cache(dir + "/mutants");
    bool cached = false;
    const Model m = cache.get_or_create(
        key,
        [&] {
          std::ofstream(log, std::ios::app) << "made\n";
          std::this_thread::sleep_for(std::chrono::milliseconds(1500));
          return Model::create("mnist_small", 4);
        },
        {}, &cached);
    return m.fingerprint();
  };
  std::fflush(nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string fp = worker();
    ::_exit(fp == Model::create("mnist_small", 4).fingerprint() ? 0 : 1);
  }
  const std::string fp = worker();
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(fp, Model::create("mnist_small", 4).fingerprint());
  EXPECT_EQ(mutagen::read_file(log), "made\n");
}

TEST(MutantCache, GetOrCreateMakesOnce) {
  const std::string dir = mutagen::testing_support::temp_dir("cache");
  MutantCache cache(dir);
  const MutantKey key = base_key();
  int made = 0;
  auto make = [&] {
    ++made;
    return Model::create("mnist_small", 9);
  };
  bool cached = true;
  const Model a = cache.get_or_create(key, make, {{"run", 1}}, &cached);
  EXPECT_FALSE(cached);
  const Model b = cache.get_or_create(key, make, {{"run", 2}}, &cached);
  EXPECT_TRUE(cached);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_TRUE(torch::equal(a.logits(probe_input()), b.logits(probe_input())));
  // A second cache object on the same folder (a later run) reuses it as well.
  EXPECT_TRUE(MutantCache(dir).get_or_create(key, make, {}, &cached).valid());
  EXPECT_TRUE(cached);
  EXPECT_EQ(made, 1);
}

TEST(MutantCache, DisabledAlwaysRegeneratesButStillStores) {
  const std::string dir = mutagen::testing_support::temp_dir("cache");
  MutantCache off(dir, /*enabled=*/false);
  const MutantKey key = base_key();
  int made = 0;
  auto make = [&] { return Model::create("mnist_small", static_cast<uint64_t>(++made)); };
  bool cached = true;
  off.get_or_create(key, make, {}, &cached);
  EXPECT_FALSE(cached);
  EXPECT_FALSE(off.find(key).has_value());
  const Model second = off.get_or_create(key, make, {}, &cached);
  EXPECT_FALSE(cached);
  EXPECT_EQ(made, 2);
  // The enabled cache finds the last stored mutant.
  const auto found = MutantCache(dir).find(key);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->fingerprint(), second.fingerprint());
}

TEST(MutantCache, NoTempFilesLeftBehind) {
  const std::string dir = mutagen::testing_support::temp_dir("cache");
  MutantCache cache(dir);
  const Model m = Model::create("mnist_small", 2);
  std::vector<std::string> expected;
  for (uint64_t s = 0; s < 3; ++s) {
    MutantKey k = base_key();
    k.seed = s;
    cache.store(k, m, {});
    cache.store(k, m, {});  // overwriting an entry is atomic as well
    expected.push_back(k.hex() + ".json");
    expected.push_back(k.hex() + ".pt");
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(files_in(dir), expected);
}

TEST(MutantCache, ErrorsAreMutagenErrors) {
  EXPECT_THROW(MutantCache(""), mutagen::Error);
  const std::string dir = mutagen::testing_support::temp_dir("cache");
  MutantCache cache(dir);
  EXPECT_THROW(cache.store(base_key(), Model(), {}), mutagen::Error);
  EXPECT_THROW(cache.get_or_create(base_key(), [] { return Model(); }, {}), mutagen::Error);
  // A folder that cannot be created (a file is in the way) is reported, not a crash.
  overwrite(dir + "/file", "x");
  MutantCache blocked(dir + "/file/sub");
  EXPECT_THROW(blocked.store(base_key(), Model::create("mnist_small", 0), {}), mutagen::Error);
  EXPECT_FALSE(blocked.find(base_key()).has_value());
}

}  // namespace
