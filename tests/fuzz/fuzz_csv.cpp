// libFuzzer target: the paired-columns CSV reader behind `mutagen stats` (parse_paired_csv, then
// the summary it feeds: Wilcoxon, Cohen's d, power). Columns "a" and "b", as in the seeds.
#include "fuzz_support.h"
#include "stats_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string source = "fuzz.csv";
  mutagen::fuzz::expect_named_error("parse_paired_csv", source, [&] {
    const mutagen::PairedColumns p = mutagen::parse_paired_csv(text, source, "a", "b");
    if (p.a.empty() || p.a.size() != p.b.size())
      mutagen::fuzz::finding("parse_paired_csv", "accepted a file with unpaired or no rows");
    // The summary of what a hostile file holds (huge, tiny, tied values) must not crash either;
    // its errors name the statistic, not the file, so they are caught here.
    try {
      mutagen::stats_summary_text(mutagen::stats_summary(p, mutagen::KillOptions()));
    } catch (const mutagen::Error&) {
    }
  });
  return 0;
}
