#pragma once
// Inline SVG charts for the HTML report (drawn here, so the page needs no chart library).
#include <string>
#include <vector>

#include "mutagen/report.h"

namespace mutagen::internal {

// Grouped bars, one group per mutant of class `cls`: misprediction on I_neg, I_pos, held-out I_neg,
// held-out I_pos (0..100%).
std::string misprediction_chart(const Report& r, int64_t cls);
// A paired dot plot: the original and the mutant value of each instance, joined by a line.
std::string paired_dot_plot(const Verdict& v);

}  // namespace mutagen::internal
