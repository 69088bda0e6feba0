#include "stats_csv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <limits>
#include <sstream>

#include "mutagen/error.h"
#include "mutagen/io.h"

namespace mutagen {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string where(const std::string& source, int64_t line) {
  return source + ":" + std::to_string(line);
}

// One CSV record (no embedded newlines: a quoted field must close on its line).
std::vector<std::string> split_fields(const std::string& line, const std::string& source,
                                      int64_t line_no) {
  std::vector<std::string> fields;
  std::string field;
  size_t i = 0;
  while (true) {
    // Skip leading blanks, then either a quoted field or a plain one up to the next comma.
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field += line[i++];
      }
      if (!closed) throw Error(where(source, line_no) + ": unterminated quoted field");
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',')
        throw Error(where(source, line_no) + ": unexpected text after a quoted field");
      fields.push_back(field);
    } else {
      const size_t comma = line.find(',', i);
      fields.push_back(
          trim(line.substr(i, comma == std::string::npos ? std::string::npos : comma - i)));
      i = comma == std::string::npos ? line.size() : comma;
    }
    if (i >= line.size()) break;
    ++i;                     // the comma
    if (i == line.size()) {  // a trailing comma: one more, empty field
      fields.emplace_back();
      break;
    }
  }
  return fields;
}

double parse_number(const std::string& field, const std::string& column, const std::string& source,
                    int64_t line_no) {
  if (field.empty())
    throw Error(where(source, line_no) + ": column '" + column +
                "' is empty; expected a number in every row");
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(field.c_str(), &end);
  // strtod also reads hexadecimal ("0x10" = 16), which no measurement is written as.
  if (end != field.c_str() + field.size() || errno == ERANGE ||
      field.find_first_of("xX") != std::string::npos)
    throw Error(where(source, line_no) + ": column '" + column + "' value '" + field +
                "' is not a number");
  if (!std::isfinite(v))
    throw Error(where(source, line_no) + ": column '" + column + "' value '" + field +
                "' is not a finite number");
  return v;
}

// Index of `name` in the header; Error if absent (listing the columns) or ambiguous.
int64_t find_column(const std::vector<std::string>& header, const std::string& name,
                    const std::string& source, int64_t line_no) {
  int64_t found = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] != name) continue;
    if (found >= 0)
      throw Error(where(source, line_no) + ": column '" + name +
                  "' appears more than once in the header row");
    found = static_cast<int64_t>(i);
  }
  if (found < 0) {
    std::string have;
    for (const auto& h : header) have += (have.empty() ? "'" : ", '") + h + "'";
    throw Error(source + ": no column '" + name + "' in the header row (line " +
                std::to_string(line_no) + "; columns: " + have + ")");
  }
  return found;
}

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? std::numeric_limits<double>::quiet_NaN() : s / static_cast<double>(v.size());
}

}  // namespace

PairedColumns parse_paired_csv(const std::string& text, const std::string& source,
                               const std::string& col_a, const std::string& col_b) {
  PairedColumns out;
  out.a_name = col_a;
  out.b_name = col_b;
  std::vector<std::string> header;
  int64_t ia = -1, ib = -1;
  size_t pos = 0;
  int64_t line_no = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;  // UTF-8 byte order mark
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    std::vector<std::string> fields = split_fields(line, source, line_no);
    if (header.empty()) {
      header = fields;
      ia = find_column(header, col_a, source, line_no);
      ib = find_column(header, col_b, source, line_no);
      continue;
    }
    if (fields.size() != header.size())
      throw Error(where(source, line_no) + ": malformed row: " + std::to_string(fields.size()) +
                  " fields, expected " + std::to_string(header.size()) + " as in the header");
    out.a.push_back(parse_number(fields[static_cast<size_t>(ia)], col_a, source, line_no));
    out.b.push_back(parse_number(fields[static_cast<size_t>(ib)], col_b, source, line_no));
  }
  if (header.empty()) throw Error(source + ": empty file; expected a header row and data rows");
  if (out.a.empty()) throw Error(source + ": no data rows after the header");
  return out;
}

PairedColumns read_paired_csv(const std::string& path, const std::string& col_a,
                              const std::string& col_b) {
  return parse_paired_csv(read_file(path), path, col_a, col_b);
}

ZeroMethod parse_zero_method(const std::string& s) {
  if (s == "wilcox") return ZeroMethod::kWilcox;
  if (s == "pratt") return ZeroMethod::kPratt;
  if (s == "zsplit") return ZeroMethod::kZsplit;
  throw Error("zero method '" + s + "': expected wilcox, pratt or zsplit");
}

Alternative parse_alternative(const std::string& s) {
  if (s == "two-sided") return Alternative::kTwoSided;
  if (s == "greater") return Alternative::kGreater;
  if (s == "less") return Alternative::kLess;
  throw Error("alternative '" + s + "': expected two-sided, greater or less");
}

WilcoxonMode parse_wilcoxon_mode(const std::string& s) {
  if (s == "auto") return WilcoxonMode::kAuto;
  if (s == "exact") return WilcoxonMode::kExact;
  if (s == "approx") return WilcoxonMode::kApprox;
  throw Error("mode '" + s + "': expected auto, exact or approx");
}

std::string to_string(ZeroMethod m) {
  return m == ZeroMethod::kWilcox ? "wilcox" : m == ZeroMethod::kPratt ? "pratt" : "zsplit";
}
std::string to_string(Alternative a) {
  return a == Alternative::kTwoSided  ? "two-sided"
         : a == Alternative::kGreater ? "greater"
                                      : "less";
}
std::string to_string(WilcoxonMode m) {
  return m == WilcoxonMode::kAuto ? "auto" : m == WilcoxonMode::kExact ? "exact" : "approx";
}

nlohmann::json stats_summary(const PairedColumns& data, const KillOptions& options) {
  const WilcoxonResult w = wilcoxon(data.a, data.b, options.wilcoxon());
  const KillDecision k = decide_kill(data.a, data.b, options);
  nlohmann::json j;
  j["a"] = data.a_name;
  j["b"] = data.b_name;
  j["n"] = static_cast<int64_t>(data.a.size());
  j["n_used"] = w.n;
  j["statistic"] = w.statistic;
  j["pvalue"] = number_or_null(w.pvalue);
  j["method"] = w.method;
  j["z"] = w.method == "approx" ? number_or_null(w.z) : nlohmann::json(nullptr);
  j["cohens_d"] = number_or_null(k.cohens_d);
  j["killed"] = k.killed;
  j["power"] = k.power;
  j["power_effect"] = options.power_effect_size();
  j["correlation"] = number_or_null(k.correlation);
  j["underpowered"] = k.underpowered;
  j["alpha"] = options.alpha();
  j["effect"] = options.effect_size();
  j["min_power"] = options.min_power();
  j["zero_method"] = to_string(options.wilcoxon().zero_method());
  j["alternative"] = to_string(options.wilcoxon().alternative());
  j["mode"] = to_string(options.wilcoxon().mode());
  j["correction"] = options.wilcoxon().correction();
  j["mean_a"] = number_or_null(mean(data.a));
  j["mean_b"] = number_or_null(mean(data.b));
  return j;
}

std::string stats_summary_text(const nlohmann::json& s) {
  auto num = [](const nlohmann::json& v, int precision) {
    if (v.is_null()) return std::string("n/a");
    std::ostringstream o;
    o << std::setprecision(precision) << v.get<double>();
    return o.str();
  };
  std::ostringstream o;
  o << "paired samples: '" << s["a"].get<std::string>() << "' (original) vs '"
    << s["b"].get<std::string>() << "' (mutant), " << s["n"].get<int64_t>() << " pairs ("
    << s["n_used"].get<int64_t>() << " used)\n";
  o << "Wilcoxon signed-rank, " << s["method"].get<std::string>() << ", "
    << s["alternative"].get<std::string>() << ", zero method "
    << s["zero_method"].get<std::string>()
    << (s["correction"].get<bool>() ? ", continuity correction" : "") << ": statistic "
    << num(s["statistic"], 10) << ", p = " << num(s["pvalue"], 6) << "\n";
  o << "Cohen's d = " << num(s["cohens_d"], 4) << " (threshold " << num(s["effect"], 4)
    << "), power of the kill rule " << num(s["power"], 3) << " for d = "
    << num(s["power_effect"], 3) << " at correlation " << num(s["correlation"], 3) << ", alpha "
    << num(s["alpha"], 4)
    << (s["underpowered"].get<bool>() ? " (underpowered)" : "") << "\n";
  o << "verdict: " << (s["killed"].get<bool>() ? "KILLED" : "not killed") << "\n";
  return o.str();
}

}  // namespace mutagen
