#pragma once
// Small file helpers shared by caches and reporters.
#include <string>

#include <nlohmann/json.hpp>

namespace mutagen {

// Writes `content` to `path` atomically: a temp file in the same folder, then rename. Creates parent
// folders. Throws mutagen::Error naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& content);
void write_json_atomic(const std::string& path, const nlohmann::json& j, int indent = 2);
std::string read_file(const std::string& path);
nlohmann::json read_json(const std::string& path);
// A temp path next to `path` for writers that need a file name (torch::save).
std::string temp_path_for(const std::string& path);
// Renames tmp -> path (atomic on one file system), throwing mutagen::Error on failure.
void commit_temp(const std::string& tmp, const std::string& path);

}  // namespace mutagen
