#pragma once
// Merging the partial reports of a sharded mutation run (--mutagen_shard=k/n, `mutagen run
// --shard`) into the run's report: the same verdicts, p-values and scores as the unsharded run,
// then the gate.
//
//   mutagen::MergeResult m = mutagen::merge_partial_reports(
//       {"report-shard-1-of-2.json", "report-shard-2-of-2.json"}, mutagen::MergeOptions{0.8});
//   mutagen::write_json_report(m.report, "report.json");  // exit code: m.exit_code
#include <string>
#include <vector>

#include "mutagen/report.h"

namespace mutagen {

struct MergeOptions {
  double min_score = -1;         // the gate; < 0: the run's own threshold
  bool allow_undecided = false;  // exit 0 when nothing is killable (or the run allowed it already)
};

struct MergeResult {
  Report report;
  int exit_code = 0;  // as a run's: 2 on errors or an undecided run, 1 below the threshold, else 0
  int64_t shards = 0;
};

// Throws mutagen::Error (naming the file, the field and what was expected) for: no files, a file
// that is missing, not JSON, truncated or not a partial report; partial reports of different runs
// (run fingerprint: originals, subject, mutators and options, tests, test sets, code version) or
// of different shard counts; missing or duplicated shard indices; a partial lacking results.
MergeResult merge_partial_reports(const std::vector<std::string>& paths,
                                  const MergeOptions& options = {});

}  // namespace mutagen
