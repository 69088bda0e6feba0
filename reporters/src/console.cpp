// The console report: the mutants, the verdicts per test and test set (a summary line each, then
// one line per mutant with p, d and power), the mutation score per test set and PASSED/FAILED.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "builtin.h"
#include "format.h"
#include "mutagen/report.h"
#include "mutagen/reporters/reporter.h"
#include "mutagen/reporters/status.h"
#include "text_table.h"

namespace mutagen {
namespace {

using internal::TextTable;
constexpr auto kL = TextTable::Align::kLeft;
constexpr auto kR = TextTable::Align::kRight;

using internal::fmt;
using internal::operator_label;
using internal::p_value;
using internal::percent;
using internal::points;
using internal::signed_number;

// ANSI colour of a score band (Stryker: green >= high, yellow >= low, red below).
std::string paint(const std::string& text, ScoreBand band, bool colour) {
  if (!colour) return text;
  const char* code = band == ScoreBand::kHigh        ? "\033[32m"
                     : band == ScoreBand::kMedium    ? "\033[33m"
                     : band == ScoreBand::kUndefined ? "\033[2m"
                                                     : "\033[31m";
  return code + text + "\033[0m";
}

void print_mutants(const Report& r, std::ostream& out) {
  out << "Mutants (" << r.mutants.size() << ")\n";
  if (r.mutants.empty()) {
    out << "  none\n";
    return;
  }
  TextTable t({{"id", kL},
               {"operator", kL},
               {"class", kR},
               {"cluster", kR},
               {"|I_neg|", kR},
               {"|I_pos|", kR},
               {"mispred I_neg", kR},
               {"mispred I_pos", kR},
               {"held-out neg", kR},
               {"held-out pos", kR},
               {"other classes", kR},
               {"worst other", kR},
               {"killable", kL}});
  for (const auto& m : r.mutants) {
    t.add_row({m.id, operator_label(m), std::to_string(m.cls), std::to_string(m.cluster),
               std::to_string(m.i_neg), std::to_string(m.i_pos), percent(m.misprediction_neg),
               percent(m.misprediction_pos), percent(m.heldout_misprediction_neg),
               percent(m.heldout_misprediction_pos), points(m.other_classes_accuracy_change),
               m.other_classes_worst_class >= 0
                   ? points(m.other_classes_worst_change) + " (class " +
                         std::to_string(m.other_classes_worst_class) + ")"
                   : "n/a",
               std::string(m.killable ? "yes" : "no") + (m.trivial ? " (trivial)" : "")});
  }
  t.print(out);
}

void print_verdicts(const Report& r, std::ostream& out) {
  // Summary per (test, metric, test set), in order of first appearance.
  using Key = std::tuple<std::string, std::string, std::string>;
  struct Tally {
    size_t order = 0;
    int64_t mutants = 0, killed = 0, underpowered = 0, errors = 0, timeouts = 0;
  };
  std::map<Key, Tally> tally;
  size_t verdicts = 0;
  for (const auto& m : r.mutants) {
    for (const auto& v : m.verdicts) {
      auto [it, fresh] = tally.try_emplace(Key{v.test, v.metric, v.test_set});
      if (fresh) it->second.order = tally.size();
      ++it->second.mutants;
      it->second.killed += v.killed ? 1 : 0;
      it->second.underpowered += v.underpowered ? 1 : 0;
      it->second.errors += v.errors;
      it->second.timeouts += v.timeouts;
      ++verdicts;
    }
  }
  if (r.kill_criterion == "per-input")
    out << "Verdicts (per-input criterion: killed when Fisher's exact test, " << r.alternative
        << ", finds the mutants worse than the originals on any input at p < " << fmt("%g", r.alpha)
        << ")\n";
  else
    out << "Verdicts (killed: Wilcoxon signed-rank, " << r.alternative << ", p < "
        << fmt("%g", r.alpha) << " and Cohen's d >= " << fmt("%g", r.effect_size)
        << "; power for d = " << fmt("%g", r.power_effect_size) << ")\n";
  if (verdicts == 0) {
    out << "  none\n";
    return;
  }
  std::vector<std::pair<Key, Tally>> rows(tally.begin(), tally.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
  TextTable summary({{"test", kL},
                     {"metric", kL},
                     {"test set", kL},
                     {"killed", kR},
                     {"underpowered", kR},
                     {"errors", kR},
                     {"timeouts", kR}});
  for (const auto& [key, t] : rows) {
    summary.add_row({std::get<0>(key), std::get<1>(key), std::get<2>(key),
                     std::to_string(t.killed) + "/" + std::to_string(t.mutants),
                     std::to_string(t.underpowered), std::to_string(t.errors),
                     std::to_string(t.timeouts)});
  }
  summary.print(out);
  out << "\n";
  TextTable detail({{"mutant", kL},
                    {"test", kL},
                    {"metric", kL},
                    {"test set", kL},
                    {"p", kR},
                    {"d", kR},
                    {"power", kR},
                    {"method", kL},
                    {"verdict", kL}});
  for (const auto& m : r.mutants) {
    for (const auto& v : m.verdicts) {
      std::string verdict = v.killed ? "KILLED" : "survived";
      if (v.underpowered) verdict += " (underpowered)";
      if (v.errors > 0)
        verdict += ", " + std::to_string(v.errors) + (v.errors == 1 ? " error" : " errors");
      if (v.timeouts > 0)
        verdict += ", " + std::to_string(v.timeouts) + (v.timeouts == 1 ? " timeout" : " timeouts");
      if (v.killing_inputs >= 0) verdict += ", " + std::to_string(v.killing_inputs) + " inputs";
      const bool measured = v.method == "exact" || v.method == "approx";
      detail.add_row({m.id, v.test, v.metric, v.test_set, p_value(v.p_value),
                      measured ? signed_number(v.cohens_d) : "-",
                      std::isfinite(v.power) ? fmt("%.2f", v.power) : "-", v.method, verdict});
    }
  }
  detail.print(out);
}

void print_scores(const Report& r, std::ostream& out, bool colour) {
  out << "Mutation score (killed / killable; threshold " << percent(r.threshold) << ", high "
      << percent(r.thresholds.high) << ", low " << percent(r.thresholds.low) << ")\n";
  TextTable t({{"test set", kL}, {"killed", kR}, {"killable", kR}, {"score", kR}, {"", kL}});
  for (const auto& s : r.scores) {
    const bool below = s.killable > 0 && std::isfinite(s.score) && s.score < r.threshold;
    const ScoreBand band = s.killable > 0 ? score_band(r, s.score) : ScoreBand::kUndefined;
    t.add_row({s.test_set, std::to_string(s.killed), std::to_string(s.killable),
               paint(percent(s.score), band, colour),
               below ? (s.gated ? "below threshold" : "below threshold (not gated)") : ""});
  }
  if (t.rows() > 0) t.print(out);
  if (std::any_of(r.scores.begin(), r.scores.end(),
                  [](const ScoreReport& s) { return s.killable == 0; }))
    out << "n/a: no mutant is killable (killed on the training data), so the score is undefined.\n";
  const RunResult result = run_result(r);
  out << "Result: "
      << paint(result_name(result),
               result == RunResult::kPassed   ? ScoreBand::kHigh
               : result == RunResult::kFailed ? ScoreBand::kBelowBreak
                                              : ScoreBand::kUndefined,
               colour);
  const std::string reason = result_reason(r);
  out << (reason.empty() ? "" : " (" + reason + ")") << "\n";
}

}  // namespace

void print_console_report(const Report& report, std::ostream& out, bool colour) {
  out << "mutagen: subject '" << report.subject << "': " << report.instances << " instances";
  if (!report.test_sets.empty()) {
    out << ", test sets:";
    for (size_t i = 0; i < report.test_sets.size(); ++i)
      out << (i ? ", " : " ") << report.test_sets[i];
  }
  out << "\n\n";
  print_mutants(report, out);
  out << "\n";
  print_verdicts(report, out);
  out << "\n";
  print_scores(report, out, colour);
  if (!report.skipped.empty()) {
    out << "\nSkipped (" << report.skipped.size() << ")\n";
    for (const auto& s : report.skipped) out << "  " << s << "\n";
  }
  if (!report.errors.empty()) {
    out << "\nErrors (" << report.errors.size() << ")\n";
    for (const auto& e : report.errors) out << "  " << e << "\n";
  }
}

namespace internal {
namespace {

// Prints to stdout, coloured when stdout is a terminal and NO_COLOR is unset (no-color.org).
class ConsoleReporter : public Reporter {
 public:
  std::string name() const override { return "console"; }
  std::string description() const override {
    return "tables of mutants, verdicts and scores on stdout (coloured on a terminal)";
  }
  std::string file_name() const override { return ""; }
  std::string render(const Report& report) const override {
    std::ostringstream out;
    print_console_report(report, out, false);
    return out.str();
  }
  void write(const Report& report, const std::string&) const override {
    const bool colour = isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
    print_console_report(report, std::cout, colour);
  }
};

}  // namespace

std::unique_ptr<Reporter> make_console_reporter() { return std::make_unique<ConsoleReporter>(); }

}  // namespace internal
}  // namespace mutagen
