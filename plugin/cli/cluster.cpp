// TODO(owner): the 'cluster' subcommand. Placeholder so the tool builds while the subcommand is written.
#include "commands.h"

namespace mutagen::cli {
void add_cluster_command(CLI::App& app, int& exit_code) {}
}  // namespace mutagen::cli
