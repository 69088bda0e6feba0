#include "mutagen/io.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "mutagen/error.h"

namespace fs = std::filesystem;

namespace mutagen {

std::string temp_path_for(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const fs::path p(path);
  if (p.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (ec) throw Error("cannot create folder '" + p.parent_path().string() + "': " + ec.message());
  }
  // Unique across hosts sharing a file system (host name, pid, a counter and a random tag): two
  // processes never write the same temp file.
  static const std::string tag = [] {
    char host[256] = {0};
    if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
    std::random_device rd;
    char buf[320];
    std::snprintf(buf, sizeof buf, "%s.%ld.%08x", host, static_cast<long>(::getpid()), rd());
    return std::string(buf);
  }();
  return path + ".tmp." + tag + "." + std::to_string(counter++);
}

void commit_temp(const std::string& tmp, const std::string& path) {
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error("cannot write '" + path + "': rename from temp file failed");
  }
}

void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = temp_path_for(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write '" + path + "': cannot open a temp file beside it");
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw Error("cannot write '" + path + "': write failed (disk full?)");
    }
  }
  commit_temp(tmp, path);
}

void write_json_atomic(const std::string& path, const nlohmann::json& j, int indent) {
  write_file_atomic(path, j.dump(indent) + "\n");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "': no such file or not readable");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

// nlohmann's parser and destructor are iterative, but copies and comparisons recurse: a hostile
// file of a million '[' would overflow the stack there. No mutagen file nests deeper than a few
// levels.
constexpr int kMaxJsonDepth = 512;

void check_json_depth(const std::string& text, const std::string& path) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        throw Error("'" + path + "' nests arrays/objects more than " +
                    std::to_string(kMaxJsonDepth) + " levels deep (expected a mutagen JSON file)");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

}  // namespace

nlohmann::json read_json(const std::string& path) {
  const std::string text = read_file(path);
  check_json_depth(text, path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error("'" + path + "' is not valid JSON (byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception& e) {  // out_of_range.406: a number like 1e999
    throw Error("'" + path + "' is not valid JSON (" + e.what() + ")");
  }
}

}  // namespace mutagen
