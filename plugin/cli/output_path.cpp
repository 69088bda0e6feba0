#include "output_path.h"

#include <filesystem>

#include "mutagen/error.h"

namespace mutagen::cli {

void check_output_path(const std::string& option, const std::string& out,
                       const std::vector<std::pair<std::string, std::string>>& inputs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(out, ec))
    throw Error(option + " '" + out + "' is a folder, expected the path of a file to write");
  if (!fs::exists(out, ec)) return;
  for (const auto& [input_option, path] : inputs) {
    if (path.empty()) continue;
    std::error_code same_ec;
    if (fs::equivalent(out, path, same_ec))
      throw Error(option + " '" + out + "' is the same file as " + input_option + " '" + path +
                  "', which it would overwrite; expected another path");
  }
}

}  // namespace mutagen::cli
