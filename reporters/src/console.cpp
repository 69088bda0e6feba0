// The console report: the mutants, the verdicts per test and test set (a summary line each, then
// one line per mutant with p, d and power), the mutation score per test set and PASSED/FAILED.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "mutagen/reporters/report.h"
#include "mutagen/reporters/reporter.h"
#include "text_table.h"

namespace mutagen {
namespace {

using internal::TextTable;
constexpr auto kL = TextTable::Align::kLeft;
constexpr auto kR = TextTable::Align::kRight;

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string percent(double fraction) {
  return std::isfinite(fraction) ? fmt("%.1f%%", 100 * fraction) : "n/a";
}

std::string points(double fraction) {
  return std::isfinite(fraction) ? fmt("%+.2f pts", 100 * fraction) : "n/a";
}

std::string p_value(double p) {
  if (!std::isfinite(p)) return "n/a";
  return p != 0 && p < 1e-3 ? fmt("%.1e", p) : fmt("%.4f", p);
}

std::string signed_number(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt("%.2f", v);
}

std::string operator_label(const MutantReport& m) {
  std::string label = m.operator_name;
  if (m.options.is_object() && m.options.contains("schedule")) {
    const auto& s = m.options["schedule"];
    label += " (" + (s.is_string() ? s.get<std::string>() : s.dump()) + ")";
  }
  return label;
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
               {"killable", kL}});
  for (const auto& m : r.mutants) {
    t.add_row({m.id, operator_label(m), std::to_string(m.cls), std::to_string(m.cluster),
               std::to_string(m.i_neg), std::to_string(m.i_pos), percent(m.misprediction_neg),
               percent(m.misprediction_pos), percent(m.heldout_misprediction_neg),
               percent(m.heldout_misprediction_pos), points(m.other_classes_accuracy_change),
               std::string(m.killable ? "yes" : "no") + (m.trivial ? " (trivial)" : "")});
  }
  t.print(out);
}

void print_verdicts(const Report& r, std::ostream& out) {
  // Summary per (test, metric, test set), in order of first appearance.
  using Key = std::tuple<std::string, std::string, std::string>;
  struct Tally {
    size_t order = 0;
    int64_t mutants = 0, killed = 0, underpowered = 0, errors = 0;
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
      ++verdicts;
    }
  }
  out << "Verdicts (killed: p < " << fmt("%g", r.alpha)
      << " and Cohen's d >= " << fmt("%g", r.effect_size) << ")\n";
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
                     {"errors", kR}});
  for (const auto& [key, t] : rows) {
    summary.add_row({std::get<0>(key), std::get<1>(key), std::get<2>(key),
                     std::to_string(t.killed) + "/" + std::to_string(t.mutants),
                     std::to_string(t.underpowered), std::to_string(t.errors)});
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
      const bool measured = v.method != "fisher";
      detail.add_row({m.id, v.test, v.metric, v.test_set, p_value(v.p_value),
                      measured ? signed_number(v.cohens_d) : "-",
                      measured ? fmt("%.2f", v.power) : "-", v.method, verdict});
    }
  }
  detail.print(out);
}

void print_scores(const Report& r, std::ostream& out) {
  out << "Mutation score (killed / killable; threshold " << percent(r.threshold) << ")\n";
  TextTable t({{"test set", kL}, {"killed", kR}, {"killable", kR}, {"score", kR}, {"", kL}});
  for (const auto& s : r.scores) {
    const bool below = s.killable > 0 && std::isfinite(s.score) && s.score < r.threshold;
    t.add_row({s.test_set, std::to_string(s.killed), std::to_string(s.killable), percent(s.score),
               below ? "below threshold" : ""});
  }
  if (t.rows() > 0) t.print(out);
  out << "Result: " << (r.passed ? "PASSED" : "FAILED") << "\n";
}

}  // namespace

void print_console_report(const Report& report, std::ostream& out) {
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
  print_scores(report, out);
  if (!report.errors.empty()) {
    out << "\nErrors (" << report.errors.size() << ")\n";
    for (const auto& e : report.errors) out << "  " << e << "\n";
  }
}

}  // namespace mutagen
