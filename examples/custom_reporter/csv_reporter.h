#pragma once
// This sample shows how to write a reporter: derive from mutagen::Reporter, give it a name, a
// description, a file name and render(); register it by name (custom_reporter.cpp) and choose it
// like a built-in (`--mutagen_reporters=console,csv`, or `mutagen report ... --format csv` in a
// tool that links it). Here: one CSV line per mutant and test set, for a spreadsheet.
#include <mutagen/reporters/registry.h>
#include <mutagen/reporters/status.h>

#include <string>

class CsvReporter : public mutagen::Reporter {
 public:
  std::string name() const override { return "csv"; }
  std::string description() const override {
    return "mutants.csv: one row per mutant and test set";
  }
  std::string file_name() const override { return "mutants.csv"; }
  std::string render(const mutagen::Report& report) const override {
    std::string csv = "mutant,operator,class,cluster,test_set,status\n";
    for (const auto& m : report.mutants)
      for (const auto& set : report.test_sets)
        csv += m.id + "," + m.operator_name + "," + std::to_string(m.cls) + "," +
               std::to_string(m.cluster) + "," + set + "," +
               mutagen::status_name(mutagen::mutant_status(m, set)) + "\n";
    return csv;
  }
};
