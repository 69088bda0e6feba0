// `mutagen merge PARTIAL.json... --out REPORT.json [--min-score X] [--allow-undecided]`: the
// partial reports of a sharded run (one per shard) -> the run's report, its console summary and the
// gate's exit code (0 at or above the threshold, 1 below it, 2 on errors or an undecided run).
// Partial reports of different runs, a missing or duplicated shard, a truncated file: a named
// error, exit 2, and REPORT.json is left as it was (it is written atomically, and only after all
// checks).
#include "mutagen/merge.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "mutagen/reporters/reporter.h"
#include "output_path.h"

namespace mutagen::cli {

void add_merge_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "merge",
      "Merge the partial reports of a sharded run (--shard k/n) into its report (exit 0 "
      "at or above the threshold, 1 below it, 2 on errors or bad input)");
  struct Args {
    std::vector<std::string> partials;
    std::string out;
    double min_score = -1;
    bool allow_undecided = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("partials", args->partials, "the shards' partial reports, one per shard")
      ->required();
  cmd->add_option("--out", args->out, "the merged report.json (written atomically)")->required();
  cmd->add_option("--min-score", args->min_score, "fail below this mutation score")
      ->check(number_in(0.0, 1.0, "a mutation score in [0, 1]"));
  cmd->add_flag("--allow-undecided", args->allow_undecided,
                "exit 0 when no mutant is killable (default: exit 2, the run cannot decide)");
  cmd->callback([args, &exit_code] {
    std::vector<std::pair<std::string, std::string>> inputs;
    for (const auto& p : args->partials) inputs.emplace_back("the partial report", p);
    check_output_path("--out", args->out, inputs);
    MergeOptions options;
    options.min_score = args->min_score;
    options.allow_undecided = args->allow_undecided;
    const MergeResult m = merge_partial_reports(args->partials, options);
    write_json_report(m.report, args->out);
    print_console_report(m.report, std::cout);
    std::cerr << "mutagen: merged " << m.shards << " shard(s) into " << args->out << "\n";
    exit_code = m.exit_code;
  });
}

}  // namespace mutagen::cli
