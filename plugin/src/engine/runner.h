#pragma once
// One subject's mutation run: originals and mutants through the user's tests. Unsharded, the result
// is the report; as shard k of n, it is the partial report of the work items that shard owns.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mutagen/report.h"
#include "registry.h"
#include "shard.h"

namespace mutagen::internal {

struct Analysis {
  Report report;           // unsharded: the whole report
  nlohmann::json partial;  // sharded: the partial report (run_records.h)
  int exit_code = 0;
  std::string journal;  // removed once the report is written
};

Analysis analyse(const std::string& subject_name, const std::vector<const RegisteredTest*>& tests,
                 const ShardSpec& shard);

}  // namespace mutagen::internal
