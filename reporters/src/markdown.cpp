// report.md: a summary for CI step summaries ($GITHUB_STEP_SUMMARY): scores against the thresholds,
// the strong vs weak sensitivity, and the survived mutants with their p, d and power.
#include <cmath>

#include "builtin.h"
#include "format.h"
#include "mutagen/reporters/status.h"

namespace mutagen::internal {
namespace {

std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

const char* band_mark(ScoreBand b) {
  switch (b) {
    case ScoreBand::kHigh:
      return "🟢";
    case ScoreBand::kMedium:
      return "🟡";
    case ScoreBand::kLow:
    case ScoreBand::kBelowBreak:
      return "🔴";
    case ScoreBand::kUndefined:
      return "⚪";
  }
  return "";
}

std::string markdown_page(const Report& r) {
  const RunResult result = run_result(r);
  std::string s = "## mutagen: " + cell(r.subject) + ": " + result_name(result) + "\n\n";
  if (result == RunResult::kUndecided) s += "Undecided: " + cell(r.undecided_reason) + "\n\n";
  if (result == RunResult::kErrors) s += "Errors: " + cell(result_reason(r)) + ".\n\n";
  s += "| test set | killed | killable | score | band |\n|---|--:|--:|--:|---|\n";
  for (const auto& sc : r.scores) {
    const ScoreBand b = sc.killable > 0 ? score_band(r, sc.score) : ScoreBand::kUndefined;
    s += "| " + cell(sc.test_set) + " | " + std::to_string(sc.killed) + " | " +
         std::to_string(sc.killable) + " | " + percent(sc.score) + " | " + band_mark(b) + " " +
         band_name(b) + (sc.gated ? "" : " (not gated)") + " |\n";
  }
  s += "\nThresholds: high " + percent(r.thresholds.high) + ", low " + percent(r.thresholds.low) +
       ", break " + percent(r.threshold) + ".\n";
  const auto [strong, weak] = strong_and_weak(r);
  if (!strong.empty())
    s += "Strong vs weak sensitivity (MS_" + strong + " - MS_" + weak + ") / MS_" + strong + ": " +
         percent(strong_weak_sensitivity(r)) + ".\n";
  std::string rows;
  int survived = 0;
  for (const auto& m : r.mutants)
    for (const auto& v : m.verdicts) {
      if (mutant_status(m, v.test_set) != MutantStatus::kSurvived || v.killed) continue;
      ++survived;
      rows += "| " + cell(m.id) + " | " + cell(configuration_label(m)) + " | " + cell(v.test_set) +
              " | " + cell(v.test) + " | " + cell(v.metric) + " | " + p_value(v.p_value) + " | " +
              signed_number(v.cohens_d) + " | " +
              (std::isfinite(v.power) ? fmt("%.2f", v.power) : "n/a") + " |\n";
    }
  s += "\n### Survived mutants\n\n";
  if (survived == 0)
    s += "None: every killable mutant was killed on every test set.\n";
  else
    s += std::to_string(survived) + (survived == 1 ? " verdict" : " verdicts") +
         " did not kill a killable mutant:\n\n"
         "| mutant | configuration | test set | test | metric | p | d | power |\n"
         "|---|---|---|---|---|--:|--:|--:|\n" +
         rows;
  if (!r.errors.empty()) {
    s += "\n### Errors (" + std::to_string(r.errors.size()) + ")\n\n";
    for (const auto& e : r.errors) s += "- " + cell(e) + "\n";
  }
  return s;
}

class MarkdownReporter : public Reporter {
 public:
  std::string name() const override { return "markdown"; }
  std::string description() const override {
    return "report.md: scores, thresholds and survived mutants for CI step summaries";
  }
  std::string file_name() const override { return "report.md"; }
  std::string render(const Report& report) const override {
    return internal::markdown_page(report);
  }
};

}  // namespace

std::unique_ptr<Reporter> make_markdown_reporter() { return std::make_unique<MarkdownReporter>(); }

}  // namespace mutagen::internal
