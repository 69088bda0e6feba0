// libFuzzer target: the report reader (mutagen::read_report: JSON, then Report::from_json's field
// checks), which `mutagen report` and the shard merge run on files users hand them. A report that
// reads must survive a to_json/from_json round trip.
#include <cstdio>

#include "fuzz_support.h"
#include "mutagen/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mutagen::fuzz::write_scratch(data, size, ".report.json");
  mutagen::fuzz::expect_named_error("read_report", path, [&] {
    const mutagen::Report r = mutagen::read_report(path);
    const nlohmann::json once = r.to_json();
    const nlohmann::json twice = mutagen::Report::from_json(once, path).to_json();
    if (once.dump() != twice.dump())
      mutagen::fuzz::finding("read_report", "to_json/from_json does not round-trip");
  });
  std::remove(path.c_str());
  return 0;
}
