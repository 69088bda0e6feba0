#include "format.h"

#include <cmath>
#include <cstdio>

namespace mutagen::internal {

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

std::string count(int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out = n < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string number(double v) { return std::isfinite(v) ? fmt("%g", v) : "n/a"; }

std::string operator_label(const MutantReport& m) {
  std::string label = m.operator_name;
  if (m.options.is_object() && m.options.contains("schedule")) {
    const auto& s = m.options["schedule"];
    label += " (" + (s.is_string() ? s.get<std::string>() : s.dump()) + ")";
  }
  return label;
}

std::string configuration_label(const MutantReport& m) {
  return operator_label(m) + " class " + std::to_string(m.cls) + " cluster " +
         std::to_string(m.cluster);
}

std::string values_list(const std::vector<double>& values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + number(values[i]);
  return s + "]";
}

std::string verdict_summary(const Verdict& v) {
  std::string s = "p = " + p_value(v.p_value) + ", d = " + signed_number(v.cohens_d) +
                  ", power = " + (std::isfinite(v.power) ? fmt("%.2f", v.power) : "n/a") + " (" +
                  v.method + ")";
  if (v.errors > 0) s += ", " + std::to_string(v.errors) + " errors";
  if (v.timeouts > 0) s += ", " + std::to_string(v.timeouts) + " timeouts";
  return s + "; " + v.metric + " original " + values_list(v.original) + ", mutant " +
         values_list(v.mutant);
}

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r')
          out += ' ';
        else
          out += c;
    }
  }
  return out;
}

const ScoreReport* find_score(const Report& r, const std::string& test_set) {
  for (const auto& s : r.scores)
    if (s.test_set == test_set) return &s;
  return nullptr;
}

std::pair<std::string, std::string> strong_and_weak(const Report& r) {
  if (!find_score(r, "weak")) return {"", ""};
  if (find_score(r, "strong")) return {"strong", "weak"};
  for (const auto& s : r.scores)
    if (s.test_set != "weak" && s.test_set != "train") return {s.test_set, "weak"};
  return {"", ""};
}

double strong_weak_sensitivity(const Report& r) {
  const auto [strong, weak] = strong_and_weak(r);
  if (strong.empty()) return std::nan("");
  const double ms = find_score(r, strong)->score, mw = find_score(r, weak)->score;
  if (!std::isfinite(ms) || !std::isfinite(mw) || ms == 0) return std::nan("");
  return (ms - mw) / ms;
}

}  // namespace mutagen::internal
