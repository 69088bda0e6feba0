#include "run_journal.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "mutagen/error.h"
#include "mutagen/hash.h"

namespace fs = std::filesystem;

namespace mutagen::internal {

void check_cache_folder(const std::string& dir) {
  const fs::path probe = fs::path(dir) / ".mutagen-write-check";
  std::error_code ec;
  fs::create_directories(dir, ec);
  bool ok = !ec;
  if (ok) {
    std::ofstream(probe.string()) << "ok\n";
    ok = fs::exists(probe, ec);
    fs::remove(probe, ec);
  }
  if (!ok)
    throw Error("cache folder '" + dir +
                "' cannot be written (expected a writable folder: see Subject::cache_dir)");
}

RunJournal::RunJournal(const std::string& cache_dir, const std::string& fingerprint, bool resume)
    : path_((fs::path(cache_dir) / "runs" / (fingerprint + ".jsonl")).string()) {
  if (!resume) {
    std::error_code ec;
    fs::remove(path_, ec);
    return;
  }
  std::ifstream in(path_);
  if (!in) return;
  std::string line;
  int64_t lineno = 0, skipped = 0;
  while (std::getline(in, line)) {
    ++lineno;
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      entries_[{j.at("config").get<int64_t>(), j.at("instance").get<int64_t>()}] = j.at("result");
    } catch (const std::exception&) {
      ++skipped;  // the line being written when the run was stopped
    }
  }
  loaded_ = entries_.size();
  if (loaded_ > 0)
    spdlog::info("resuming an interrupted run: {} results from {}{}", loaded_, path_,
                 skipped ? " (" + std::to_string(skipped) + " unreadable line(s) ignored)" : "");
}

std::optional<nlohmann::json> RunJournal::find(int64_t config, int64_t instance) const {
  auto it = entries_.find({config, instance});
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void RunJournal::record(int64_t config, int64_t instance, const nlohmann::json& result) {
  std::error_code ec;
  fs::create_directories(fs::path(path_).parent_path(), ec);
  const std::string line =
      nlohmann::json{{"config", config}, {"instance", instance}, {"result", result}}.dump() + "\n";
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    spdlog::warn("run journal: cannot open '{}' ({}); an interrupted run will start afresh", path_,
                 std::strerror(errno));
    return;
  }
  // One write() per line: appends of whole lines never interleave with a half line of our own.
  size_t off = 0;
  while (off < line.size()) {
    const ssize_t w = ::write(fd, line.data() + off, line.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += static_cast<size_t>(w);
  }
  ::fdatasync(fd);
  ::close(fd);
  entries_[{config, instance}] = result;
}

void RunJournal::remove() {
  std::error_code ec;
  fs::remove(path_, ec);
}

std::string executable_identity() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "unknown";
  struct stat st {};
  if (::stat(exe.c_str(), &st) != 0) return exe.string();
  return exe.string() + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
         "." + std::to_string(st.st_mtim.tv_nsec);
}

namespace {
bool hash_file(const std::string& path, Hasher& h) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    h.bytes(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  return true;
}
}  // namespace

std::string executable_content_hash() {
  Hasher h;
  if (!hash_file("/proc/self/exe", h)) return executable_identity();
  // The engine too, when it is a shared library (libmutagen.so) rather than linked in.
  Dl_info info{};
  if (::dladdr(reinterpret_cast<const void*>(&executable_content_hash), &info) != 0 &&
      info.dli_fname != nullptr)
    hash_file(info.dli_fname, h);
  return "content:" + h.hex();
}

}  // namespace mutagen::internal
