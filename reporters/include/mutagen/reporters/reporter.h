#pragma once
// Reporters render a Report: console tables, report.json, JUnit XML, HTML.
#include <ostream>
#include <string>

#include "mutagen/reporters/report.h"

namespace mutagen {

// Mutant table (operator, class, cluster, misprediction on I_neg/I_pos) and verdicts per test and test
// set, then the mutation score per test set.
void print_console_report(const Report& report, std::ostream& out);
// report.json, written atomically.
void write_json_report(const Report& report, const std::string& path);

}  // namespace mutagen
