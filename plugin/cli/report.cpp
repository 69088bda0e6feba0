// `mutagen report REPORT.json --format html|junit|elements|elements-html|markdown|json|console
//  --out FILE`: re-renders a saved report.json with one reporter. The output is written atomically;
// a truncated or foreign report, an unknown format or an unwritable folder is a named error (exit
// 2) and leaves FILE as it was.
#include <memory>
#include <string>

#include "commands.h"
#include "mutagen/reporters/registry.h"
#include "output_path.h"

namespace mutagen::cli {

void add_report_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("report", "Re-render a saved report.json (html, junit, ...)");
  struct Args {
    std::string report, format, out;
  };
  auto args = std::make_shared<Args>();
  std::string formats;
  for (const auto& n : ReporterRegistry::global().names())
    formats += (formats.empty() ? "" : "|") + n;
  cmd->add_option("report", args->report, "report.json written by a mutation run")->required();
  cmd->add_option("--format", args->format, "reporter: " + formats)->required();
  cmd->add_option("--out", args->out, "file to write (atomically)")->required();
  cmd->callback([args, &exit_code] {
    check_output_path("--out", args->out, {{"the report", args->report}});
    rerender_report(args->report, args->format, args->out);
    exit_code = 0;
  });
}

}  // namespace mutagen::cli
