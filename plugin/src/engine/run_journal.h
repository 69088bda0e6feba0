#pragma once
// The run journal: every (configuration, instance) result of a mutation run is appended to
// <cache_dir>/runs/<run fingerprint>.jsonl as it completes, so a run that was interrupted (kill -9,
// a lost machine) picks up where it stopped and gives the same report. The fingerprint covers
// everything that changes a result (the test binary, the originals, the test sets, the mutators and
// their options, the selection settings, the timeouts), so a changed run never reads a stale
// journal. A line cut short by the interruption is ignored; the journal is removed once the report
// is written.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

namespace mutagen::internal {

// Throws mutagen::Error naming `dir` unless the cache folder (created if missing) takes files:
// otherwise every instance, mutant and journal line would fail to be stored with a warning of its
// own, and an interrupted run could not resume.
void check_cache_folder(const std::string& dir);

class RunJournal {
 public:
  // Reads what an earlier, interrupted run with the same fingerprint left; without `resume` it
  // discards it and starts a new journal.
  RunJournal(const std::string& cache_dir, const std::string& fingerprint, bool resume = true);

  // Results for an original instance (config = -1) or a mutant (config >= 0), if journalled.
  std::optional<nlohmann::json> find(int64_t config, int64_t instance) const;
  // Appends one result (one line, flushed to disk before returning).
  void record(int64_t config, int64_t instance, const nlohmann::json& result);
  // The run finished and its report is written: the journal is no longer needed.
  void remove();
  size_t resumed() const { return loaded_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::pair<int64_t, int64_t>, nlohmann::json> entries_;
  size_t loaded_ = 0;
};

// Identity of the running test binary (path, size, modification time): part of the fingerprint, so
// a rebuilt test binary with changed test bodies starts afresh.
std::string executable_identity();
// The same by content (a hash of the binary's bytes, and of libmutagen's when it is a shared
// library): copies of one binary on other machines agree.
std::string executable_content_hash();

}  // namespace mutagen::internal
