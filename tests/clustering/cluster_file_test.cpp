// Hostile cluster files (found by fuzzing, tests/fuzz): each is rejected with a mutagen::Error
// naming the file and the field, never a nlohmann exception, a silent truncation or a crash.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "mutagen/clusters.h"
#include "mutagen/error.h"
#include "test_support.h"

using mutagen::ClusterFile;
using mutagen::testing_support::expect_error;
using mutagen::testing_support::temp_dir;

namespace {

// A valid file with `field` replaced by `value` (raw JSON text), or the whole text when field is
// "".
std::string cluster_json(const std::string& field = "", const std::string& value = "") {
  std::string format = "\"mutagen-clusters\"", dataset = "{\"name\": \"d\", \"size\": 4}",
              seed = "3", classes = "[{\"class\": 0, \"samples\": [0, 2], \"labels\": [0, -1]}]";
  if (field == "format") format = value;
  if (field == "dataset") dataset = value;
  if (field == "seed") seed = value;
  if (field == "classes") classes = value;
  return "{\"format\": " + format + ", \"version\": 1, \"dataset\": " + dataset +
         ", \"pipeline\": \"p\", \"seed\": " + seed + ", \"classes\": " + classes + "}";
}

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name + ".json";
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(ClusterFileInput, AValidFileLoads) {
  const ClusterFile f = ClusterFile::load(write(temp_dir("cf_ok"), "ok", cluster_json()));
  ASSERT_EQ(f.classes.size(), 1u);
  EXPECT_EQ(f.classes[0].labels, (std::vector<int64_t>{0, -1}));
  EXPECT_EQ(f.seed, 3u);
}

TEST(ClusterFileInput, HostileFilesNameTheFileAndTheField) {
  const std::string dir = temp_dir("cf_bad");
  struct Case {
    std::string name, text, problem;
  };
  const std::string one_class = "[{\"class\": 0, \"samples\": [0], \"labels\": ";
  const std::vector<Case> cases = {
      {"format_number", cluster_json("format", "7"), "field 'format'"},
      {"no_dataset", "{\"format\": \"mutagen-clusters\", \"version\": 1}",
       "missing field 'dataset'"},
      {"no_classes",
       "{\"format\": \"mutagen-clusters\", \"version\": 1, \"dataset\": "
       "{\"name\": \"d\", \"size\": 1}, \"pipeline\": \"p\", \"seed\": 0}",
       "missing field 'classes'"},
      {"huge_number", cluster_json("seed", "1e999"), "is not valid JSON"},
      {"negative_seed", cluster_json("seed", "-1"), "field 'seed' has the wrong type"},
      {"fraction_class", cluster_json("classes", "[{\"class\": 1.5}]"), "field 'class'"},
      {"float_sample", cluster_json("classes", one_class + "[1e300]}]"), "field 'labels[0]'"},
      {"label_too_big", cluster_json("classes", one_class + "[9223372036854775808]}]"),
       "out of range"},
      {"string_size", cluster_json("dataset", "{\"name\": \"d\", \"size\": \"4\"}"),
       "field 'size'"},
      {"deep", cluster_json("classes", std::string(100000, '[')), "levels deep"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = write(dir, c.name, c.text);
    expect_error([&] { ClusterFile::load(path); }, {path, c.problem});
  }
}
