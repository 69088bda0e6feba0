// libFuzzer target: the cluster file reader (mutagen::ClusterFile::load: JSON, then the schema).
// A file that loads must survive a to_json/from_json round trip and the per-class queries.
#include <cstdio>

#include "fuzz_support.h"
#include "mutagen/clusters.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mutagen::fuzz::write_scratch(data, size, ".clusters.json");
  mutagen::fuzz::expect_named_error("ClusterFile::load", path, [&] {
    const mutagen::ClusterFile f = mutagen::ClusterFile::load(path);
    const mutagen::ClusterFile again = mutagen::ClusterFile::from_json(f.to_json(), path);
    if (again.to_json() != f.to_json())
      mutagen::fuzz::finding("ClusterFile::load", "to_json/from_json does not round-trip");
    for (const auto& c : f.classes) {
      for (int64_t id : c.cluster_ids()) c.members(id), c.non_members(id);
      f.for_class(c.cls);
    }
  });
  std::remove(path.c_str());
  return 0;
}
