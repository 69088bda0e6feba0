#include "output_path.h"

#include <unistd.h>

#include <filesystem>

#include "mutagen/error.h"

namespace mutagen::cli {

void check_output_path(const std::string& option, const std::string& out,
                       const std::vector<std::pair<std::string, std::string>>& inputs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(out, ec))
    throw Error(option + " '" + out + "' is a folder, expected the path of a file to write");
  // The nearest folder that exists must take new files (writers create the missing ones below
  // it): found now, not after minutes of work.
  fs::path folder = fs::absolute(out, ec).parent_path();
  while (!folder.empty() && !fs::exists(folder, ec) && folder != folder.root_path())
    folder = folder.parent_path();
  if (!folder.empty() && access(folder.c_str(), W_OK) != 0)
    throw Error(option + " '" + out + "': cannot write in '" + folder.string() +
                "' (expected a writable folder)");
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
