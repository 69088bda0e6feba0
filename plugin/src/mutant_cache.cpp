// The on-disk mutant cache: <dir>/<key>.pt (Model::save, atomic) then <key>.json (atomic). The JSON
// is written last, so its presence marks a complete entry; anything unreadable counts as a miss.
#include "mutagen/mutant_cache.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mutagen/error.h"
#include "mutagen/hash.h"
#include "mutagen/io.h"

namespace fs = std::filesystem;

namespace mutagen {

namespace {

constexpr const char* kFormat = "mutagen-mutant";
constexpr int kVersion = 2;

std::string file_checksum(const std::string& path) {
  const std::string bytes = read_file(path);
  return Hasher().u64(bytes.size()).bytes(bytes.data(), bytes.size()).hex();
}

// An exclusive POSIX record lock on <dir>/<key>.lock for the lifetime of the object (fcntl locks
// also work across hosts on NFS). Released when the process dies, so a killed run never leaves a
// stale lock behind.
class KeyLock {
 public:
  explicit KeyLock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      spdlog::warn("mutant cache: cannot open lock file '{}' ({}); going on without a lock", path,
                   std::strerror(errno));
      return;
    }
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    while (::fcntl(fd_, F_SETLKW, &fl) != 0) {
      if (errno == EINTR) continue;
      spdlog::warn("mutant cache: cannot lock '{}' ({}); going on without a lock", path,
                   std::strerror(errno));
      break;
    }
  }
  ~KeyLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  KeyLock(const KeyLock&) = delete;
  KeyLock& operator=(const KeyLock&) = delete;

 private:
  int fd_ = -1;
};

std::string model_path(const std::string& dir, const std::string& hex) {
  return (fs::path(dir) / (hex + ".pt")).string();
}
std::string meta_path(const std::string& dir, const std::string& hex) {
  return (fs::path(dir) / (hex + ".json")).string();
}

}  // namespace

std::string MutantKey::hex() const {
  Hasher h;
  h.str("mutagen-mutant-key-v2");
  h.str(original_fingerprint);
  h.str(operator_name);
  h.str(options.dump());  // objects are key-sorted, so equal options dump equally
  h.str(algorithm_version);
  h.f64(heldout_fraction);
  h.f64(other_classes_ratio);
  h.str(training_data);
  h.u64(static_cast<uint64_t>(cls));
  h.u64(static_cast<uint64_t>(cluster));
  h.u64(members.size());
  for (int64_t m : members) h.u64(static_cast<uint64_t>(m));
  h.u64(seed);
  return h.hex();
}

MutantCache::MutantCache(std::string dir, bool enabled) : dir_(std::move(dir)), enabled_(enabled) {
  if (dir_.empty()) throw Error("mutant cache: the folder is empty; give a path");
}

std::optional<Model> MutantCache::find(const MutantKey& key, nlohmann::json* metadata) const {
  if (!enabled_) return std::nullopt;
  const std::string hex = key.hex();
  const std::string meta = meta_path(dir_, hex);
  std::error_code ec;
  if (!fs::exists(meta, ec)) return std::nullopt;
  try {
    const nlohmann::json j = read_json(meta);
    if (!j.is_object() || j.value("format", "") != kFormat || j.value("key", "") != hex) {
      throw Error("'" + meta + "' is not a mutagen mutant entry for key " + hex);
    }
    const std::string expected = j.value("checksum", "");
    const std::string actual = file_checksum(model_path(dir_, hex));
    if (expected != actual)
      throw Error("'" + model_path(dir_, hex) + "' is corrupted or truncated (checksum " + actual +
                  ", expected " + expected + ")");
    Model m = Model::load(model_path(dir_, hex));
    if (!m.valid()) throw Error("'" + model_path(dir_, hex) + "' holds no model");
    if (metadata) *metadata = j.value("metadata", nlohmann::json::object());
    return m;
  } catch (const std::exception& e) {
    spdlog::warn("mutant cache: ignoring unusable entry {} ({}); the mutant will be regenerated",
                 hex, e.what());
    return std::nullopt;
  }
}

void MutantCache::store(const MutantKey& key, const Model& mutant,
                        const nlohmann::json& metadata) const {
  if (!mutant.valid()) throw Error("mutant cache: cannot store an empty model");
  const std::string hex = key.hex();
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw Error("mutant cache: cannot create folder '" + dir_ + "': " + ec.message());
  mutant.save(model_path(dir_, hex));  // atomic (temp file + rename)
  nlohmann::json j = {{"format", kFormat},
                      {"version", kVersion},
                      {"key", hex},
                      {"checksum", file_checksum(model_path(dir_, hex))},
                      {"original", key.original_fingerprint},
                      {"operator", key.operator_name},
                      {"options", key.options},
                      {"algorithm_version", key.algorithm_version},
                      {"heldout_fraction", key.heldout_fraction},
                      {"other_classes_ratio", key.other_classes_ratio},
                      {"training_data", key.training_data},
                      {"class", key.cls},
                      {"cluster", key.cluster},
                      {"members", key.members.size()},
                      {"seed", key.seed},
                      {"metadata", metadata}};
  write_json_atomic(meta_path(dir_, hex), j);  // last: marks the entry complete
}

Model MutantCache::get_or_create(const MutantKey& key, const std::function<Model()>& make,
                                 const nlohmann::json& metadata, bool* was_cached,
                                 nlohmann::json* stored_metadata) const {
  if (std::optional<Model> hit = find(key, stored_metadata)) {  // the common case needs no lock
    if (was_cached) *was_cached = true;
    return *hit;
  }
  std::error_code ec;
  fs::create_directories(dir_, ec);
  // Another process may be making this mutant: wait for it, then look again.
  const KeyLock lock((fs::path(dir_) / (key.hex() + ".lock")).string());
  if (std::optional<Model> hit = find(key, stored_metadata)) {
    if (was_cached) *was_cached = true;
    return *hit;
  }
  if (was_cached) *was_cached = false;
  if (!make) throw Error("mutant cache: no function to make mutant " + key.hex());
  Model m = make();
  if (!m.valid()) {
    throw Error("mutant cache: the " + key.operator_name + " mutator returned an empty model");
  }
  try {
    store(key, m, metadata);
  } catch (const std::exception& e) {
    // The mutant is good; losing the cache entry only costs time on the next run.
    spdlog::warn("mutant cache: could not store mutant {} in '{}': {}", key.hex(), dir_, e.what());
  }
  return m;
}

}  // namespace mutagen
