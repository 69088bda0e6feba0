// This sample shows how to register a reporter by name and use it beside the built-ins: it
// re-renders a saved report.json with every reporter named on the command line.
//   custom_reporter_example build/report.json out-folder csv,markdown
#include <iostream>

#include <mutagen/error.h>

#include "csv_reporter.h"

MUTAGEN_REGISTER_REPORTER(CsvReporter);

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " REPORT.json OUT_DIR REPORTERS (e.g. csv,markdown)\n";
    return 2;
  }
  try {
    const mutagen::Report report = mutagen::read_report(argv[1]);
    for (const auto& reporter : mutagen::ReporterRegistry::global().create_list(argv[3])) {
      reporter->write(report, argv[2]);
      std::cout << reporter->name() << ": " << reporter->file_name() << "\n";
    }
  } catch (const mutagen::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
