// The localisation scatter plot: GL against FI per weight on log scales, the localised weights on
// top. A layer can hold a million weights (the thesis CNN's dense layer), too many circles for a
// browser: beyond kMaxDots the other weights become a density grid of small cells.
#include "front_plot.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "format.h"  // reporters' xml_escape and count

namespace mutagen::cli {
namespace {

constexpr double kLeft = 100, kTop = 84, kPlotWidth = 560, kPlotHeight = 420;
constexpr double kWidth = 940, kHeight = 610;
constexpr double kZeroGap = 30;  // the "0" line sits this far outside the axis
constexpr int64_t kMaxDots = 20000;
constexpr double kCell = 4;  // density grid cell, pixels

std::string number(double v) {
  std::ostringstream s;
  s.precision(4);
  s << v;
  return s.str();
}

// One log axis: decades [lo, hi] over [from, to] pixels; zero sits at `zero` outside the axis.
struct LogAxis {
  double lo = 0, hi = 1, from = 0, to = 1, zero = 0;
  double at(double v) const {
    if (!(v > 0)) return zero;  // 0, or NaN from a broken model
    if (std::isinf(v)) return to;
    return from + (std::log10(v) - lo) / (hi - lo) * (to - from);
  }
};

LogAxis log_axis(const std::vector<double>& v, double from, double to, double zero) {
  double mn = INFINITY, mx = -INFINITY;
  for (const double x : v)
    if (x > 0 && std::isfinite(x)) {
      mn = std::min(mn, x);
      mx = std::max(mx, x);
    }
  LogAxis a;
  a.from = from;
  a.to = to;
  a.zero = zero;
  if (mn <= mx) {
    a.lo = std::floor(std::log10(mn));
    a.hi = std::ceil(std::log10(mx));
    if (a.hi <= a.lo) a.hi = a.lo + 1;
  }
  return a;
}

// "10" with the exponent raised.
std::string decade_label(double x, double y, int exponent, const char* anchor) {
  std::ostringstream s;
  s << "<text class=\"tick\" x=\"" << x << "\" y=\"" << y << "\" text-anchor=\"" << anchor
    << "\">10<tspan dy=\"-6\" font-size=\"10\">" << exponent << "</tspan></text>\n";
  return s.str();
}

// "[3, 17]".
std::string index_of(int64_t flat, const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (const int64_t i : unravel(flat, shape))
    out += (out.size() > 1 ? ", " : "") + std::to_string(i);
  return out + "]";
}

}  // namespace

std::vector<int64_t> unravel(int64_t flat, const std::vector<int64_t>& shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

std::vector<double> cost_values(const torch::Tensor& costs) {
  const torch::Tensor c = costs.detach().to(torch::kCPU, torch::kFloat64).contiguous().view(-1);
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

std::string front_plot_svg(const Localisation& loc, const std::vector<int64_t>& shape,
                           const FrontPlotText& text) {
  const std::vector<double> gl = cost_values(loc.gl), fi = cost_values(loc.fi);
  const auto n = static_cast<int64_t>(gl.size());
  const LogAxis x = log_axis(gl, kLeft, kLeft + kPlotWidth, kLeft - kZeroGap);
  const LogAxis y = log_axis(fi, kTop + kPlotHeight, kTop, kTop + kPlotHeight + kZeroGap);
  std::vector<int64_t> rank(static_cast<size_t>(n), 0);
  for (const int64_t i : loc.selected) rank[static_cast<size_t>(i)] = loc.rank[i].item<int64_t>();
  int64_t zero_gl = 0, zero_fi = 0, first = 0, further = 0;
  for (int64_t i = 0; i < n; ++i) {
    zero_gl += gl[static_cast<size_t>(i)] > 0 ? 0 : 1;
    zero_fi += fi[static_cast<size_t>(i)] > 0 ? 0 : 1;
    first += rank[static_cast<size_t>(i)] == 1 ? 1 : 0;
    further += rank[static_cast<size_t>(i)] > 1 ? 1 : 0;
  }
  const int64_t others = n - first - further;
  const bool density = others > kMaxDots;

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
    << "\" viewBox=\"0 0 " << kWidth << " " << kHeight
    << "\" font-family=\"sans-serif\" font-size=\"13\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text id=\"title\" x=\"" << kLeft << "\" y=\"30\" font-size=\"16\" font-weight=\"bold\">"
    << internal::xml_escape(text.title) << "</text>\n"
    << "<text id=\"subtitle\" x=\"" << kLeft << "\" y=\"52\" fill=\"#444\">"
    << internal::xml_escape(text.subtitle) << "</text>\n";

  // Grid, ticks and the frame.
  const int x_step = std::max(1, static_cast<int>(std::ceil((x.hi - x.lo) / 8)));
  const int y_step = std::max(1, static_cast<int>(std::ceil((y.hi - y.lo) / 8)));
  for (int e = static_cast<int>(x.lo); e <= static_cast<int>(x.hi); e += x_step) {
    const double px = x.at(std::pow(10.0, e));
    s << "<line x1=\"" << px << "\" y1=\"" << kTop << "\" x2=\"" << px << "\" y2=\""
      << kTop + kPlotHeight << "\" stroke=\"#e6e6e6\"/>\n"
      << decade_label(px, kTop + kPlotHeight + kZeroGap + 24, e, "middle");
  }
  for (int e = static_cast<int>(y.lo); e <= static_cast<int>(y.hi); e += y_step) {
    const double py = y.at(std::pow(10.0, e));
    s << "<line x1=\"" << kLeft << "\" y1=\"" << py << "\" x2=\"" << kLeft + kPlotWidth
      << "\" y2=\"" << py << "\" stroke=\"#e6e6e6\"/>\n"
      << decade_label(kLeft - kZeroGap - 12, py + 5, e, "end");
  }
  if (zero_gl > 0)
    s << "<text class=\"tick\" x=\"" << x.zero << "\" y=\"" << kTop + kPlotHeight + kZeroGap + 24
      << "\" text-anchor=\"middle\">0</text>\n";
  if (zero_fi > 0)
    s << "<text class=\"tick\" x=\"" << kLeft - kZeroGap - 12 << "\" y=\"" << y.zero + 5
      << "\" text-anchor=\"end\">0</text>\n";
  s << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kPlotWidth << "\" height=\""
    << kPlotHeight << "\" fill=\"none\" stroke=\"#333\"/>\n"
    << "<text x=\"" << kLeft + kPlotWidth / 2 << "\" y=\"" << kHeight - 16
    << "\" text-anchor=\"middle\">GL cost: gradient loss on the cluster / (1 + on the rest of the "
       "class), log scale</text>\n"
    << "<text x=\"22\" y=\"" << kTop + kPlotHeight / 2 << "\" transform=\"rotate(-90 22 "
    << kTop + kPlotHeight / 2
    << ")\" text-anchor=\"middle\">FI cost: forward impact, the same ratio, log scale</text>\n";

  // The other weights, then the localised ones on top.
  if (density) {
    std::map<std::pair<int64_t, int64_t>, int64_t> cells;
    for (int64_t i = 0; i < n; ++i) {
      if (rank[static_cast<size_t>(i)] > 0) continue;
      const auto cx = static_cast<int64_t>(x.at(gl[static_cast<size_t>(i)]) / kCell);
      const auto cy = static_cast<int64_t>(y.at(fi[static_cast<size_t>(i)]) / kCell);
      ++cells[{cx, cy}];
    }
    int64_t most = 1;
    for (const auto& [cell, count] : cells) most = std::max(most, count);
    s << "<g id=\"density\" fill=\"#1f77b4\">\n";
    for (const auto& [cell, count] : cells)
      s << "<rect x=\"" << cell.first * kCell << "\" y=\"" << cell.second * kCell << "\" width=\""
        << kCell << "\" height=\"" << kCell << "\" fill-opacity=\""
        << number(0.15 + 0.85 * std::log1p(static_cast<double>(count)) /
                             std::log1p(static_cast<double>(most)))
        << "\"/>\n";
    s << "</g>\n";
  } else {
    s << "<g id=\"weights\" fill=\"#1f77b4\" fill-opacity=\"0.4\">\n";
    for (int64_t i = 0; i < n; ++i)
      if (rank[static_cast<size_t>(i)] == 0)
        s << "<circle cx=\"" << number(x.at(gl[static_cast<size_t>(i)])) << "\" cy=\""
          << number(y.at(fi[static_cast<size_t>(i)])) << "\" r=\"1.6\"/>\n";
    s << "</g>\n";
  }
  for (const bool first_front : {false, true}) {
    s << "<g id=\"" << (first_front ? "front" : "further-fronts") << "\" fill=\""
      << (first_front ? "#d62728" : "#ff7f0e") << "\" stroke=\"white\" stroke-width=\"0.8\">\n";
    for (const int64_t i : loc.selected) {
      const int64_t r = rank[static_cast<size_t>(i)];
      if ((r == 1) != first_front) continue;
      const double g = gl[static_cast<size_t>(i)], f = fi[static_cast<size_t>(i)];
      s << "<circle cx=\"" << number(x.at(g)) << "\" cy=\"" << number(y.at(f)) << "\" r=\""
        << (first_front ? 4.5 : 3.5) << "\"><title>weight " << index_of(i, shape) << ": GL "
        << number(g) << ", FI " << number(f) << ", front " << r << "</title></circle>\n";
    }
    s << "</g>\n";
  }

  // Legend.
  const double lx = kLeft + kPlotWidth + 26;
  double ly = kTop + 12;
  auto entry = [&](const std::string& marker, const std::string& label) {
    s << marker << "<text x=\"" << lx + 18 << "\" y=\"" << ly + 4 << "\">"
      << internal::xml_escape(label) << "</text>\n";
    ly += 24;
  };
  s << "<g id=\"legend\">\n";
  auto dot = [&](const char* fill, double r) {
    std::ostringstream m;
    m << "<circle cx=\"" << lx + 5 << "\" cy=\"" << ly << "\" r=\"" << r << "\" fill=\"" << fill
      << "\"/>";
    return m.str();
  };
  entry(dot("#d62728", 4.5), "first Pareto front: " + internal::count(first));
  if (further > 0) entry(dot("#ff7f0e", 3.5), "further fronts taken: " + internal::count(further));
  if (density) {
    std::ostringstream m;
    m << "<rect x=\"" << lx << "\" y=\"" << ly - 5 << "\" width=\"10\" height=\"10\" "
      << "fill=\"#1f77b4\" fill-opacity=\"0.6\"/>";
    entry(m.str(), "other weights: " + internal::count(others));
    s << "<text x=\"" << lx + 18 << "\" y=\"" << ly - 4 << "\" fill=\"#444\" font-size=\"11\">"
      << "(density: darker = more)</text>\n";
    ly += 12;
  } else {
    entry(dot("#1f77b4", 2.5), "other weights: " + internal::count(others));
  }
  ly += 8;
  s << "<text x=\"" << lx << "\" y=\"" << ly << "\" fill=\"#444\">" << internal::count(n)
    << " weights in all</text>\n";
  if (zero_gl + zero_fi > 0) {
    // Their logarithm is -inf: they sit on the "0" lines outside the axes.
    s << "<text id=\"zero-note\" fill=\"#444\"><tspan x=\"" << lx << "\" y=\"" << ly + 20
      << "\">on the 0 lines outside the axes:</tspan><tspan x=\"" << lx << "\" y=\"" << ly + 38
      << "\">GL = 0: " << internal::count(zero_gl) << " weights</tspan><tspan x=\"" << lx
      << "\" y=\"" << ly + 56 << "\">FI = 0: " << internal::count(zero_fi)
      << " weights</tspan></text>\n";
  }
  s << "</g>\n</svg>\n";
  return s.str();
}

}  // namespace mutagen::cli
