#include "html_svg.h"

#include <algorithm>
#include <cmath>

#include "format.h"

namespace mutagen::internal {
namespace {

std::string num(double v) { return fmt("%.1f", v); }

const char* const kSeriesColour[] = {"#c0392b", "#2e86c1", "#e59866", "#85c1e9"};
const char* const kSeriesName[] = {"I_neg", "I_pos", "held-out I_neg", "held-out I_pos"};

}  // namespace

std::string misprediction_chart(const Report& r, int64_t cls) {
  std::vector<const MutantReport*> ms;
  for (const auto& m : r.mutants)
    if (m.cls == cls) ms.push_back(&m);
  // Wide enough for the longest operator label under its bars ("tmr (sequential)").
  size_t label = 0;
  for (const auto* m : ms) label = std::max(label, operator_label(*m).size());
  const double group = std::max(4.0 * 14 + 20, 6.5 * static_cast<double>(label) + 14);
  const double left = 44, top = 24, height = 120;
  const double width = left + group * static_cast<double>(ms.size()) + 10;
  std::string s = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  num(std::max(width, left + 4 * 130.0)) + "\" height=\"" + num(top + height + 46) +
                  "\" role=\"img\" aria-label=\"misprediction per cluster, class " +
                  std::to_string(cls) + "\">\n";
  for (int tick = 0; tick <= 100; tick += 25) {
    const double y = top + height * (1 - tick / 100.0);
    s += "<line x1=\"" + num(left) + "\" x2=\"" + num(width) + "\" y1=\"" + num(y) + "\" y2=\"" +
         num(y) + "\" class=\"grid\"/><text x=\"" + num(left - 4) + "\" y=\"" + num(y + 4) +
         "\" class=\"tick\" text-anchor=\"end\">" + std::to_string(tick) + "%</text>\n";
  }
  for (int k = 0; k < 4; ++k)
    s += "<rect x=\"" + num(left + 130 * k) + "\" y=\"4\" width=\"10\" height=\"10\" fill=\"" +
         kSeriesColour[k] + "\"/><text x=\"" + num(left + 130 * k + 14) +
         "\" y=\"13\" class=\"tick\">" + kSeriesName[k] + "</text>\n";
  for (size_t i = 0; i < ms.size(); ++i) {
    const MutantReport& m = *ms[i];
    const double values[] = {m.misprediction_neg, m.misprediction_pos, m.heldout_misprediction_neg,
                             m.heldout_misprediction_pos};
    const double x0 = left + 10 + group * static_cast<double>(i) + (group - 76) / 2;
    for (int k = 0; k < 4; ++k) {
      const double v = std::isfinite(values[k]) ? std::clamp(values[k], 0.0, 1.0) : 0;
      const double h = height * v;
      s += "<rect x=\"" + num(x0 + 14 * k) + "\" y=\"" + num(top + height - h) +
           "\" width=\"12\" height=\"" + num(h) + "\" fill=\"" + kSeriesColour[k] + "\"><title>" +
           xml_escape(m.id) + ": " + kSeriesName[k] + " " + percent(values[k]) +
           "</title></rect>\n";
    }
    s += "<text x=\"" + num(x0 + 28) + "\" y=\"" + num(top + height + 14) +
         "\" class=\"tick\" text-anchor=\"middle\">cluster " + std::to_string(m.cluster) +
         "</text><text x=\"" + num(x0 + 28) + "\" y=\"" + num(top + height + 28) +
         "\" class=\"tick\" text-anchor=\"middle\">" + xml_escape(operator_label(m)) + "</text>\n";
  }
  return s + "</svg>\n";
}

std::string paired_dot_plot(const Verdict& v) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto* values : {&v.original, &v.mutant})
    for (double x : *values)
      if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
  const double top = 12, height = 120, xo = 70, xm = 190;
  auto y = [&](double x) { return top + height * (1 - (x - lo) / (hi - lo)); };
  std::string s =
      "<svg class=\"dots\" xmlns=\"http://www.w3.org/2000/svg\" width=\"260\" "
      "height=\"160\" role=\"img\" aria-label=\"" +
      xml_escape(v.metric) + ": original and mutant per instance\">\n";
  s += "<text x=\"4\" y=\"" + num(y(hi) + 4) + "\" class=\"tick\">" + number(hi) +
       "</text><text x=\"4\" y=\"" + num(y(lo) + 4) + "\" class=\"tick\">" + number(lo) +
       "</text>\n";
  const size_t n = std::min(v.original.size(), v.mutant.size());
  for (size_t i = 0; i < n; ++i)
    if (std::isfinite(v.original[i]) && std::isfinite(v.mutant[i]))
      s += "<line x1=\"" + num(xo) + "\" y1=\"" + num(y(v.original[i])) + "\" x2=\"" + num(xm) +
           "\" y2=\"" + num(y(v.mutant[i])) + "\" class=\"pair\"/>\n";
  for (int side = 0; side < 2; ++side) {
    const auto& values = side == 0 ? v.original : v.mutant;
    const double x = side == 0 ? xo : xm;
    for (size_t i = 0; i < values.size(); ++i) {
      if (!std::isfinite(values[i])) continue;
      s += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y(values[i])) + "\" r=\"4\" class=\"" +
           (side == 0 ? "original" : "mutant") + "\"><title>instance " + std::to_string(i) + ": " +
           number(values[i]) + "</title></circle>\n";
    }
  }
  s += "<text x=\"" + num(xo) +
       "\" y=\"152\" class=\"tick\" text-anchor=\"middle\">original</text>"
       "<text x=\"" +
       num(xm) + "\" y=\"152\" class=\"tick\" text-anchor=\"middle\">mutant</text>\n";
  return s + "</svg>\n";
}

}  // namespace mutagen::internal
