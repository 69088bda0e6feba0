// mutagen stats FILE.csv --a COL --b COL [...]: the paired Wilcoxon signed-rank test, Cohen's d and
// the kill verdict (SPEC 2.6) on two columns of a CSV file; column a is the original, b the mutant.
#include <cmath>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "mutagen/error.h"
#include "stats_csv.h"

namespace mutagen::cli {

namespace {
struct StatsArgs {
  std::string file, a, b;
  double alpha = 0.05;
  double effect = 0.5;
  double min_power = 0.8;
  double power_effect = 1.0;
  std::string zero_method = "wilcox";
  std::string mode = "auto";
  std::string alternative = "greater";  // the kill contract: mutant worse (mutagen/stats.h)
  bool correction = false;
  bool json = false;
};
}  // namespace

void add_stats_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<StatsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "stats",
      "Paired Wilcoxon signed-rank test, Cohen's d and the kill verdict on two CSV columns");
  cmd->add_option("file", args->file, "CSV file with a header row")->required();
  cmd->add_option("--a", args->a, "column with the original's values (one per instance)")
      ->required();
  cmd->add_option("--b", args->b, "column with the mutant's values (same rows = same instance)")
      ->required();
  cmd->add_option("--alpha", args->alpha, "significance level")->capture_default_str();
  cmd->add_option("--effect", args->effect, "Cohen's d threshold for a kill")
      ->capture_default_str();
  cmd->add_option("--min-power", args->min_power, "verdicts below this power are underpowered")
      ->capture_default_str();
  cmd->add_option("--power-effect", args->power_effect,
                  "effect (Cohen's d, mutant worse) the reported power refers to")
      ->capture_default_str();
  cmd->add_option("--zero-method", args->zero_method, "wilcox | pratt | zsplit")
      ->check(CLI::IsMember({"wilcox", "pratt", "zsplit"}))
      ->capture_default_str();
  cmd->add_option("--mode", args->mode, "auto | exact | approx")
      ->check(CLI::IsMember({"auto", "exact", "approx"}))
      ->capture_default_str();
  cmd->add_option("--alternative", args->alternative,
                  "greater (default: the original, column a, is better) | two-sided | less")
      ->check(CLI::IsMember({"two-sided", "greater", "less"}))
      ->capture_default_str();
  cmd->add_flag("--correction", args->correction, "continuity correction (normal approximation)");
  cmd->add_flag("--json", args->json, "print one JSON object instead of a summary");

  cmd->callback([args, &exit_code] {
    try {
      if (!(args->alpha > 0 && args->alpha < 1))
        throw Error("--alpha " + std::to_string(args->alpha) + ": expected a value in (0, 1)");
      if (!(args->effect >= 0 && std::isfinite(args->effect)))
        throw Error("--effect " + std::to_string(args->effect) +
                    ": expected a Cohen's d threshold >= 0");
      if (!std::isfinite(args->power_effect))
        throw Error("--power-effect " + std::to_string(args->power_effect) +
                    ": expected a finite effect size");
      if (!(args->min_power >= 0 && args->min_power <= 1))
        throw Error("--min-power " + std::to_string(args->min_power) +
                    ": expected a value in [0, 1]");
      const PairedColumns data = read_paired_csv(args->file, args->a, args->b);
      KillOptions options;
      options.alpha(args->alpha)
          .effect_size(args->effect)
          .min_power(args->min_power)
          .power_effect_size(args->power_effect);
      options.wilcoxon(WilcoxonOptions()
                           .zero_method(parse_zero_method(args->zero_method))
                           .mode(parse_wilcoxon_mode(args->mode))
                           .alternative(parse_alternative(args->alternative))
                           .correction(args->correction));
      const nlohmann::json summary = stats_summary(data, options);
      if (args->json) {
        std::cout << summary.dump() << "\n";
      } else {
        std::cout << args->file << "\n" << stats_summary_text(summary);
      }
      exit_code = 0;
    } catch (const Error& e) {
      std::cerr << "mutagen stats: error: " << e.what() << "\n";
      exit_code = 2;
    }
  });
}

}  // namespace mutagen::cli
