#pragma once
// The `mutagen stats` subcommand's work, kept out of the CLI so tests can call it: two numeric
// columns of a CSV file (picked by header name) and the JSON / text summary of the paired test on
// them.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mutagen/stats.h"

namespace mutagen {

struct PairedColumns {
  std::string a_name, b_name;
  std::vector<double> a, b;  // a[i], b[i] from the same data row
};

// CSV text: a header row, then rows with as many comma-separated fields (fields may be
// double-quoted,
// "" inside quotes is a quote; surrounding spaces are trimmed; blank lines are skipped). `source`
// (the file name) and the 1-based line number appear in every error (mutagen::Error).
PairedColumns parse_paired_csv(const std::string& text, const std::string& source,
                               const std::string& col_a, const std::string& col_b);
PairedColumns read_paired_csv(const std::string& path, const std::string& col_a,
                              const std::string& col_b);

// Option values as the CLI spells them ("wilcox", "two-sided", "auto", ...); Error on anything
// else.
ZeroMethod parse_zero_method(const std::string& s);
Alternative parse_alternative(const std::string& s);
WilcoxonMode parse_wilcoxon_mode(const std::string& s);
std::string to_string(ZeroMethod m);
std::string to_string(Alternative a);
std::string to_string(WilcoxonMode m);

// Wilcoxon (x = a, y = b), Cohen's d (a vs b) and decide_kill (a = original, b = mutant):
// {a, b, n, n_used, statistic, pvalue, method, z, cohens_d, killed, power, underpowered, alpha,
// effect,
//  min_power, zero_method, alternative, mode, correction, mean_a, mean_b}; non-finite numbers ->
//  null.
nlohmann::json stats_summary(const PairedColumns& data, const KillOptions& options);
// A few lines for people.
std::string stats_summary_text(const nlohmann::json& summary);

}  // namespace mutagen
