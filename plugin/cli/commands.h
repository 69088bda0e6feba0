#pragma once
// One subcommand per file (cli/<name>.cpp). Each add_*_command registers its subcommand on `app`;
// its callback stores the process exit code in `exit_code` (codes stay below 100: main turns
// CLI11's parse errors, 100-114, into 2).
#include <CLI/CLI.hpp>
#include <cmath>
#include <string>

namespace mutagen::cli {

// A number in [lo, hi]: unlike CLI::Range it rejects NaN (every comparison with NaN is false, so a
// NaN threshold would switch the gate off) and does not print 300 digits for an open end.
inline CLI::Validator number_in(double lo, double hi, const std::string& what) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(text, v) || !(v >= lo && v <= hi))
          return "expected " + what + ", got '" + text + "'";
        return std::string();
      },
      what);
}

void add_data_command(CLI::App& app, int& exit_code);      // mutagen data digits ...
void add_stats_command(CLI::App& app, int& exit_code);     // mutagen stats FILE.csv ...
void add_cluster_command(CLI::App& app, int& exit_code);   // mutagen cluster ...
void add_run_command(CLI::App& app, int& exit_code);       // mutagen run <test-binary> ...
void add_merge_command(CLI::App& app, int& exit_code);     // mutagen merge PARTIAL.json... --out
void add_report_command(CLI::App& app, int& exit_code);    // mutagen report REPORT.json ...
void add_localise_command(CLI::App& app, int& exit_code);  // mutagen localise --model ...
void add_mutate_command(CLI::App& app, int& exit_code);    // mutagen mutate --operator ...

// A seed: decimal digits that fit in 64 bits. CLI11 would take "-1" as 2^64 - 1 and clamp a longer
// number, so that two different seeds on the command line could make the same mutants.
inline CLI::Validator seed_value() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const bool digits = !text.empty() && text.size() <= 20 &&
                            text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || (text.size() == 20 && text > "18446744073709551615"))
          return "expected a seed: an integer in [0, 18446744073709551615], got '" + text + "'";
        return std::string();
      },
      "SEED");
}

}  // namespace mutagen::cli
