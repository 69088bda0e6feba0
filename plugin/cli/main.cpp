// mutagen: the command-line tool. Subcommands live one per file in this folder.
#include <spdlog/spdlog.h>

#include <iostream>

#include "commands.h"
#include "mutagen/error.h"
#include "mutagen/logging.h"

int main(int argc, char** argv) {
  mutagen::init_logging();
  CLI::App app{"mutagen: mutation testing for deep-learning classifiers"};
  app.require_subcommand(1);
  int exit_code = 0;
  mutagen::cli::add_data_command(app, exit_code);
  mutagen::cli::add_stats_command(app, exit_code);
  mutagen::cli::add_cluster_command(app, exit_code);
  mutagen::cli::add_run_command(app, exit_code);
  mutagen::cli::add_merge_command(app, exit_code);
  mutagen::cli::add_report_command(app, exit_code);
  mutagen::cli::add_localise_command(app, exit_code);
  mutagen::cli::add_mutate_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message; its own codes (100-114) would read as a test binary's, so every
    // command-line error is exit code 2, like any other bad input (--help stays 0).
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const mutagen::Error& e) {
    std::cerr << "mutagen: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mutagen: internal error: " << e.what() << "\n";
    return 3;
  }
  return exit_code;
}
