#pragma once
// The mutator registry users extend: mutators by name, and group names that stand for several
// (e.g. "arachne" = arachne-noise + arachne-de). Built-ins are listed once, in builtin_mutators.cpp.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mutagen/mutators/mutator.h"

namespace mutagen {

using MutatorFactory = std::function<std::unique_ptr<Mutator>(const nlohmann::json& options)>;

class MutatorRegistry {
 public:
  // The process-wide registry, with the built-in mutators already registered.
  static MutatorRegistry& global();

  void add(const std::string& name, MutatorFactory factory, const std::string& description = "");
  // A group name standing for registered mutators; `members` must be registered names.
  void add_group(const std::string& name, std::vector<std::string> members,
                 const std::string& description = "");
  bool contains(const std::string& name) const;
  bool is_group(const std::string& name) const;
  // A group's members, or {name} for a mutator. Throws mutagen::Error listing the known names.
  std::vector<std::string> expand(const std::string& name) const;
  // Throws mutagen::Error naming the mutator (and listing the known ones) if unknown, or the option
  // if the options do not parse.
  std::unique_ptr<Mutator> create(const std::string& name,
                                  const nlohmann::json& options = nlohmann::json::object()) const;
  // Registered mutators (not groups), sorted.
  std::vector<std::string> names() const;
  std::vector<std::string> group_names() const;
  std::string description(const std::string& name) const;

 private:
  struct Entry {
    MutatorFactory factory;
    std::string description;
  };
  struct Group {
    std::vector<std::string> members;
    std::string description;
  };
  std::vector<std::pair<std::string, Entry>> entries_;
  std::vector<std::pair<std::string, Group>> groups_;
};

namespace internal {
bool register_mutator(const char* name, MutatorFactory factory, const char* description);
void register_builtin_mutators(MutatorRegistry& registry);
}  // namespace internal

}  // namespace mutagen

// Registers a mutator at static-initialisation time (from a user's test binary or library):
//   MUTAGEN_REGISTER_MUTATOR(my_noise, "Gaussian noise on the last layer",
//       [](const nlohmann::json& o) { return std::make_unique<MyNoise>(o); });
#define MUTAGEN_REGISTER_MUTATOR(Name, Description, Factory)        \
  [[maybe_unused]] static const bool mutagen_mutator_registered_##Name = \
      ::mutagen::internal::register_mutator(#Name, Factory, Description)
