#pragma once
// A Reporter renders a Report into one file (or the console). The built-ins (console, json, html,
// junit, elements, elements-html, markdown) are chosen by name from the ReporterRegistry
// (mutagen/reporters/registry.h); a user adds their own there (examples/custom_reporter).
#include <ostream>
#include <string>

#include "mutagen/report.h"

namespace mutagen {

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual std::string name() const = 0;         // as chosen on the command line: "html"
  virtual std::string description() const = 0;  // one line for --help and error messages
  // The file write() creates in its folder ("report.html"); empty for the console.
  virtual std::string file_name() const = 0;
  // The whole output as text (throws mutagen::Error when it cannot be rendered).
  virtual std::string render(const Report& report) const = 0;
  // Renders, then writes dir/file_name() atomically (the console reporter prints to stdout
  // instead).
  virtual void write(const Report& report, const std::string& dir) const;
};

// Mutant table (operator, class, cluster, misprediction on I_neg/I_pos) and verdicts per test and
// test set, then the mutation score per test set. `colour`: ANSI colours for the score bands
// (thresholds).
void print_console_report(const Report& report, std::ostream& out, bool colour = false);
// report.json, written atomically.
void write_json_report(const Report& report, const std::string& path);

// `mutagen report`: reads a saved report.json, renders it with the reporter `format` and writes
// `out` atomically. Every failure (unknown format, unreadable/foreign JSON, unwritable folder) is a
// mutagen::Error raised before `out` is touched or by the atomic write, so `out` is never
// half-written.
void rerender_report(const std::string& report_json, const std::string& format,
                     const std::string& out);

}  // namespace mutagen
