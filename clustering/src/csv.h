#pragma once
// Internal: CSV fields (RFC 4180 quoting) and numbers (shortest round-trip, empty for NaN).
#include <cmath>
#include <cstdio>
#include <string>

namespace mutagen {

inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

inline std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace mutagen
