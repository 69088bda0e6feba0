// TODO(owner): the 'run' subcommand. Placeholder so the tool builds while the subcommand is written.
#include "commands.h"

namespace mutagen::cli {
void add_run_command(CLI::App& app, int& exit_code) {}
}  // namespace mutagen::cli
