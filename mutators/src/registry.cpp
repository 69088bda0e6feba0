// The mutator registry: built-ins plus whatever users register with MUTAGEN_REGISTER_MUTATOR.
//
// Duplicates: add() throws mutagen::Error when the name is taken, except for an identical
// re-registration (same description and same factory type, and for plain function pointers the same
// function), which is a no-op. That case arises when one registration is linked into a process
// twice (e.g. a static library and a shared one); anything else is a name clash the user must
// resolve.
#include <algorithm>
#include <cstdio>
#include <mutex>

#include "mutagen/error.h"
#include "mutagen/mutators/registry.h"
#include "options_reader.h"

namespace mutagen {

namespace {

// One lock for every registry: registrations are rare and cheap, and the header keeps no mutex.
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

using FactoryFn = std::unique_ptr<Mutator> (*)(const nlohmann::json&);

bool same_factory(const MutatorFactory& a, const MutatorFactory& b) {
  if (a.target_type() != b.target_type()) return false;
  const FactoryFn* fa = a.target<FactoryFn>();
  const FactoryFn* fb = b.target<FactoryFn>();
  if (fa && fb) return *fa == *fb;
  return true;  // same lambda / functor type: the same registration seen twice
}

void check_name(const std::string& name) {
  if (name.empty()) throw Error("mutator registration: the name is empty");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) {
      throw Error("mutator registration: name '" + name +
                  "' may only hold letters, digits, '_', '-' and '.'");
    }
  }
}

// Mutators, then groups marked as such: what an "unknown mutator" error lists.
std::vector<std::string> known_names(const MutatorRegistry& r) {
  std::vector<std::string> out = r.names();
  for (const auto& g : r.group_names()) out.push_back(g + " (group)");
  return out;
}

}  // namespace

MutatorRegistry& MutatorRegistry::global() {
  // Function-local static: built on first use (also from other translation units' static
  // initialisers), thread-safe since C++11, no reliance on static-initialisation order.
  static MutatorRegistry* registry = [] {
    auto* r = new MutatorRegistry();  // never destroyed: usable during static destruction too
    internal::register_builtin_mutators(*r);
    return r;
  }();
  return *registry;
}

void MutatorRegistry::add(const std::string& name, MutatorFactory factory,
                          const std::string& description) {
  check_name(name);
  if (!factory) throw Error("mutator registration '" + name + "': the factory is empty");
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const auto& e, const std::string& n) { return e.first < n; });
  if (it != entries_.end() && it->first == name) {
    if (it->second.description == description && same_factory(it->second.factory, factory)) {
      return;  // identical re-registration
    }
    throw Error("mutator '" + name +
                "' is already registered with a different factory or description; register "
                "yours under another name");
  }
  entries_.insert(it, {name, Entry{std::move(factory), description}});
}

void MutatorRegistry::add_group(const std::string& name, std::vector<std::string> members,
                                const std::string& description) {
  check_name(name);
  if (members.empty()) throw Error("mutator group '" + name + "' has no members");
  for (const auto& m : members) {
    if (!contains(m)) {
      throw Error("mutator group '" + name + "': member '" + m + "' is not a registered mutator");
    }
  }
  std::lock_guard<std::mutex> lock(registry_mutex());
  for (const auto& e : entries_) {
    if (e.first == name) throw Error("mutator group '" + name + "': a mutator has that name");
  }
  for (auto& g : groups_) {
    if (g.first == name) {
      g.second = Group{std::move(members), description};
      return;
    }
  }
  groups_.push_back({name, Group{std::move(members), description}});
}

bool MutatorRegistry::is_group(const std::string& name) const {
  std::lock_guard<std::mutex> lock(registry_mutex());
  return std::any_of(groups_.begin(), groups_.end(),
                     [&](const auto& g) { return g.first == name; });
}

std::vector<std::string> MutatorRegistry::expand(const std::string& name) const {
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    for (const auto& g : groups_) {
      if (g.first == name) return g.second.members;
    }
  }
  if (contains(name)) return {name};
  throw Error("unknown mutator '" + name + "'; known mutators: " +
              internal::join_names(known_names(*this)));
}

std::vector<std::string> MutatorRegistry::group_names() const {
  std::lock_guard<std::mutex> lock(registry_mutex());
  std::vector<std::string> out;
  for (const auto& g : groups_) out.push_back(g.first);
  std::sort(out.begin(), out.end());
  return out;
}

bool MutatorRegistry::contains(const std::string& name) const {
  std::lock_guard<std::mutex> lock(registry_mutex());
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const auto& e) { return e.first == name; });
}

std::unique_ptr<Mutator> MutatorRegistry::create(const std::string& name,
                                                 const nlohmann::json& options) const {
  MutatorFactory factory;
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    for (const auto& e : entries_) {
      if (e.first == name) factory = e.second.factory;
    }
  }
  if (!factory) {
    throw Error("unknown mutator '" + name + "'; known mutators: " + internal::join_names(known_names(*this)));
  }
  if (!options.is_object() && !options.is_null()) {
    throw Error("mutator '" + name + "': options must be a JSON object, got " +
                std::string(options.type_name()));
  }
  const nlohmann::json opts = options.is_null() ? nlohmann::json::object() : options;
  std::unique_ptr<Mutator> m;
  try {
    m = factory(opts);  // called unlocked: a factory may itself use the registry
  } catch (const Error& e) {
    throw Error("mutator '" + name + "': " + e.what());
  } catch (const std::exception& e) {
    throw Error("mutator '" + name + "': options " + opts.dump() + " rejected: " + e.what());
  }
  if (!m) throw Error("mutator '" + name + "': the factory returned no mutator");
  return m;
}

std::vector<std::string> MutatorRegistry::names() const {
  std::lock_guard<std::mutex> lock(registry_mutex());
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.first);
  return out;
}

std::string MutatorRegistry::description(const std::string& name) const {
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    for (const auto& e : entries_) {
      if (e.first == name) return e.second.description;
    }
    for (const auto& g : groups_) {
      if (g.first == name) return g.second.description;
    }
  }
  throw Error("unknown mutator '" + name + "'; known mutators: " + internal::join_names(known_names(*this)));
}

namespace internal {

bool register_mutator(const char* name, MutatorFactory factory, const char* description) {
  // Runs during static initialisation: an exception here terminates the program, so say why first.
  try {
    MutatorRegistry::global().add(name ? name : "", std::move(factory),
                                  description ? description : "");
  } catch (const Error& e) {
    std::fprintf(stderr, "mutagen: MUTAGEN_REGISTER_MUTATOR failed: %s\n", e.what());
    throw;
  }
  return true;
}

}  // namespace internal

}  // namespace mutagen
