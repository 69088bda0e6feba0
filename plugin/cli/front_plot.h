#pragma once
// The scatter plot of `mutagen localise --svg`: every weight of the layer by its GL and FI costs on
// log scales, the localised weights highlighted (the thesis's Fig. 4.5).
#include <cstdint>
#include <string>
#include <vector>

#include "mutagen/mutators/arachne.h"

namespace mutagen::cli {

// The index into a tensor of `shape` of its flat position `flat` (row-major).
std::vector<int64_t> unravel(int64_t flat, const std::vector<int64_t>& shape);

// A cost tensor (GL or FI) as plain values in flat order, to read weight by weight.
std::vector<double> cost_values(const torch::Tensor& costs);

struct FrontPlotText {
  std::string title;     // e.g. layer 6 'fc1' (Linear 64x4608), class 0, cluster 1
  std::string subtitle;  // e.g. the sizes of I_neg and I_pos
};

// A self-contained SVG document. Axes with decade ticks; weights with a zero cost sit on a "0" line
// beside the axis; the first Pareto front in red, further fronts taken for `count` in orange, each
// with a tooltip naming its index and costs; the other weights as dots, or as a density grid when
// there are too many for a browser to draw one by one.
std::string front_plot_svg(const Localisation& loc, const std::vector<int64_t>& shape,
                           const FrontPlotText& text);

}  // namespace mutagen::cli
