#pragma once
// Number and text formatting shared by the reporters (one spelling of a p-value everywhere).
#include <string>

#include "mutagen/report.h"

namespace mutagen::internal {

std::string fmt(const char* format, double v);
std::string percent(double fraction);               // "85.0%", "n/a" for NaN
std::string points(double fraction);                // "+0.42 pts"
std::string p_value(double p);                      // "0.0123", "1.2e-04"
std::string signed_number(double v);                // "2.50", "inf", "n/a"
std::string number(double v);                       // "%g", "n/a"
std::string count(int64_t n);                       // "161,155"
std::string operator_label(const MutantReport& m);  // "tmr (mixed)"
// One line naming a mutant configuration: "tmr (mixed) class 0 cluster 1".
std::string configuration_label(const MutantReport& m);
// "p = 1.2e-04, d = 2.50, power = 0.53; original [0.91, 0.92], mutant [0.85, n/a]".
std::string verdict_summary(const Verdict& v);
std::string values_list(const std::vector<double>& values);

std::string xml_escape(const std::string& s);  // also for HTML text and attributes
// The (strong, weak) test sets the sensitivity compares: "weak", and "strong" or else the first
// other set that is not "train". Empty strings when the report lacks them.
std::pair<std::string, std::string> strong_and_weak(const Report& r);
// (MS_strong - MS_weak) / MS_strong, NaN when undefined.
double strong_weak_sensitivity(const Report& r);
const ScoreReport* find_score(const Report& r, const std::string& test_set);

}  // namespace mutagen::internal
