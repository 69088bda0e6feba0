#include "mutagen/clusters.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include "mutagen/error.h"
#include "mutagen/io.h"

namespace mutagen {

std::vector<int64_t> ClassClusters::cluster_ids() const {
  std::set<int64_t> ids;
  for (int64_t l : labels)
    if (l >= 0) ids.insert(l);
  return {ids.begin(), ids.end()};
}

std::vector<int64_t> ClassClusters::members(int64_t cluster) const {
  std::vector<int64_t> out;
  for (size_t i = 0; i < samples.size(); ++i)
    if (labels[i] == cluster) out.push_back(samples[i]);
  return out;
}

std::vector<int64_t> ClassClusters::non_members(int64_t cluster) const {
  std::vector<int64_t> out;
  for (size_t i = 0; i < samples.size(); ++i)
    if (labels[i] >= 0 && labels[i] != cluster) out.push_back(samples[i]);
  return out;
}

bool ClusterFile::has_class(int64_t cls) const {
  return std::any_of(classes.begin(), classes.end(), [&](const auto& c) { return c.cls == cls; });
}

const ClassClusters& ClusterFile::for_class(int64_t cls) const {
  for (const auto& c : classes)
    if (c.cls == cls) return c;
  throw Error("cluster file (pipeline '" + pipeline + "') has no clusters for class " +
              std::to_string(cls));
}

nlohmann::json ClusterFile::to_json() const {
  nlohmann::json j;
  j["format"] = "mutagen-clusters";
  j["version"] = 1;
  j["dataset"] = {{"name", dataset_name}, {"size", dataset_size}};
  j["pipeline"] = pipeline;
  j["seed"] = seed;
  j["details"] = details;
  j["classes"] = nlohmann::json::array();
  for (const auto& c : classes) {
    j["classes"].push_back({{"class", c.cls}, {"samples", c.samples}, {"labels", c.labels}});
  }
  return j;
}

namespace {

using nlohmann::json;

const json& member(const json& j, const char* key, const std::string& where, const char* expected) {
  if (!j.is_object() || !j.contains(key))
    throw Error(where + ": missing field '" + key + "' (expected " + expected + ")");
  return j.at(key);
}

[[noreturn]] void wrong_type(const std::string& where, const std::string& key,
                             const char* expected) {
  throw Error(where + ": field '" + key + "' has the wrong type (expected " + expected + ")");
}

// Integers only: a fraction, an exponent or a value outside int64 is an error, never truncated.
int64_t as_int64(const json& v, const std::string& where, const std::string& key,
                 const char* expected) {
  if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))
    throw Error(where + ": field '" + key + "' is " + v.dump() + ", out of range (expected " +
                expected + ")");
  if (!v.is_number_integer()) wrong_type(where, key, expected);
  return v.get<int64_t>();
}

int64_t int_field(const json& j, const char* key, const std::string& where, const char* expected) {
  return as_int64(member(j, key, where, expected), where, key, expected);
}

std::string string_field(const json& j, const char* key, const std::string& where,
                         const char* expected) {
  const json& v = member(j, key, where, expected);
  if (!v.is_string()) wrong_type(where, key, expected);
  return v.get<std::string>();
}

std::vector<int64_t> int_array_field(const json& j, const char* key, const std::string& where,
                                     const char* expected) {
  const json& v = member(j, key, where, expected);
  if (!v.is_array()) wrong_type(where, key, expected);
  std::vector<int64_t> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out.push_back(
        as_int64(v[i], where, std::string(key) + "[" + std::to_string(i) + "]", expected));
  return out;
}

}  // namespace

ClusterFile ClusterFile::from_json(const nlohmann::json& j, const std::string& source) {
  const auto format = j.is_object() ? j.find("format") : j.end();
  if (!j.is_object() || format == j.end() || *format != "mutagen-clusters")
    throw Error(source +
                ": not a mutagen cluster file (field 'format' must be \"mutagen-clusters\")");
  const int64_t version = int_field(j, "version", source, "1");
  if (version != 1)
    throw Error(source + ": field 'version' is " + std::to_string(version) + ", expected 1");
  ClusterFile f;
  const json& ds = member(j, "dataset", source, "an object with 'name' and 'size'");
  f.dataset_name = string_field(ds, "name", source + " dataset", "a string");
  f.dataset_size = int_field(ds, "size", source + " dataset", "a sample count");
  if (f.dataset_size < 0)
    throw Error(source + " dataset: field 'size' is " + std::to_string(f.dataset_size) +
                " (expected a sample count >= 0)");
  f.pipeline = string_field(j, "pipeline", source, "a pipeline name");
  const json& seed = member(j, "seed", source, "an unsigned integer");
  if (!seed.is_number_unsigned()) wrong_type(source, "seed", "an unsigned integer");
  f.seed = seed.get<uint64_t>();
  if (j.contains("details")) f.details = j["details"];
  const json& classes = member(j, "classes", source, "an array of classes");
  if (!classes.is_array()) throw Error(source + ": field 'classes' must be an array");
  std::set<int64_t> listed_classes, listed_samples;
  for (size_t k = 0; k < classes.size(); ++k) {
    const std::string where = source + " classes[" + std::to_string(k) + "]";
    ClassClusters c;
    c.cls = int_field(classes[k], "class", where, "a class label");
    if (!listed_classes.insert(c.cls).second)
      throw Error(where + ": class " + std::to_string(c.cls) +
                  " is listed twice (expected each class once)");
    c.samples = int_array_field(classes[k], "samples", where, "an array of positions");
    c.labels = int_array_field(classes[k], "labels", where, "an array of cluster ids");
    if (c.samples.size() != c.labels.size())
      throw Error(where + ": 'samples' has " + std::to_string(c.samples.size()) +
                  " entries but 'labels' has " + std::to_string(c.labels.size()) +
                  " (expected equal lengths)");
    for (int64_t s : c.samples) {
      if (s < 0 || s >= f.dataset_size)
        throw Error(where + ": sample position " + std::to_string(s) +
                    " outside the data set (size " + std::to_string(f.dataset_size) + ")");
      if (!listed_samples.insert(s).second)
        throw Error(where + ": sample position " + std::to_string(s) +
                    " is listed twice (expected each sample in one class, once)");
    }
    for (int64_t l : c.labels)
      if (l < -1) throw Error(where + ": cluster id " + std::to_string(l) + " (expected >= -1)");
    f.classes.push_back(std::move(c));
  }
  return f;
}

void ClusterFile::save(const std::string& path) const { write_json_atomic(path, to_json(), -1); }

ClusterFile ClusterFile::load(const std::string& path) { return from_json(read_json(path), path); }

}  // namespace mutagen
