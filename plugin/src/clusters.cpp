#include "mutagen/clusters.h"

#include <algorithm>
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
template <typename T>
T field(const nlohmann::json& j, const char* key, const std::string& where, const char* expected) {
  if (!j.is_object() || !j.contains(key))
    throw Error(where + ": missing field '" + key + "' (expected " + expected + ")");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(where + ": field '" + key + "' has the wrong type (expected " + expected + ")");
  }
}
}  // namespace

ClusterFile ClusterFile::from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object() || j.value("format", "") != "mutagen-clusters")
    throw Error(source +
                ": not a mutagen cluster file (field 'format' must be \"mutagen-clusters\")");
  const int version = field<int>(j, "version", source, "1");
  if (version != 1)
    throw Error(source + ": field 'version' is " + std::to_string(version) + ", expected 1");
  ClusterFile f;
  const auto& ds = j.at("dataset");
  f.dataset_name = field<std::string>(ds, "name", source + " dataset", "a string");
  f.dataset_size = field<int64_t>(ds, "size", source + " dataset", "a sample count");
  f.pipeline = field<std::string>(j, "pipeline", source, "a pipeline name");
  f.seed = field<uint64_t>(j, "seed", source, "an unsigned integer");
  if (j.contains("details")) f.details = j["details"];
  const auto& classes = j.at("classes");
  if (!classes.is_array()) throw Error(source + ": field 'classes' must be an array");
  for (size_t k = 0; k < classes.size(); ++k) {
    const std::string where = source + " classes[" + std::to_string(k) + "]";
    ClassClusters c;
    c.cls = field<int64_t>(classes[k], "class", where, "a class label");
    c.samples = field<std::vector<int64_t>>(classes[k], "samples", where, "an array of positions");
    c.labels = field<std::vector<int64_t>>(classes[k], "labels", where, "an array of cluster ids");
    if (c.samples.size() != c.labels.size())
      throw Error(where + ": 'samples' has " + std::to_string(c.samples.size()) +
                  " entries but 'labels' has " + std::to_string(c.labels.size()) +
                  " (expected equal lengths)");
    for (int64_t s : c.samples)
      if (s < 0 || s >= f.dataset_size)
        throw Error(where + ": sample position " + std::to_string(s) +
                    " outside the data set (size " + std::to_string(f.dataset_size) + ")");
    for (int64_t l : c.labels)
      if (l < -1) throw Error(where + ": cluster id " + std::to_string(l) + " (expected >= -1)");
    f.classes.push_back(std::move(c));
  }
  return f;
}

void ClusterFile::save(const std::string& path) const { write_json_atomic(path, to_json(), -1); }

ClusterFile ClusterFile::load(const std::string& path) { return from_json(read_json(path), path); }

}  // namespace mutagen
