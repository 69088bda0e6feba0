#pragma once
// Checked before a subcommand does any work: an output path that is a folder, or the same file as
// one of the command's inputs (`mutate --model m.pt --out m.pt` replaced the original model), is a
// named error instead of a late failure or a destroyed input.
#include <string>
#include <utility>
#include <vector>

namespace mutagen::cli {

// inputs: (option, path) pairs, e.g. {"--model", "m.pt"}; empty paths are skipped. Throws
// mutagen::Error naming `option`, `out` and the input it would overwrite.
void check_output_path(const std::string& option, const std::string& out,
                       const std::vector<std::pair<std::string, std::string>>& inputs);

}  // namespace mutagen::cli
