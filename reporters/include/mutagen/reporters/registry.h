#pragma once
// Reporters chosen by name. The built-ins are listed once (reporters/src/registry.cpp); a
// user-written reporter registers itself with MUTAGEN_REGISTER_REPORTER (examples/custom_reporter):
//
//   auto reporters = mutagen::ReporterRegistry::global().create_list("console,html");
//   for (const auto& r : reporters) r->write(report, "build/mutagen-report");
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mutagen/reporters/reporter.h"

namespace mutagen {

class ReporterRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Reporter>()>;

  // The process-wide registry, holding the built-ins; safe to use during static initialisation.
  static ReporterRegistry& global();

  // Registers a factory under the name of the reporter it makes; a name taken twice is an Error.
  void add(Factory factory);
  template <typename T>
  void add() {
    add([] { return std::unique_ptr<Reporter>(std::make_unique<T>()); });
  }
  bool contains(const std::string& name) const;
  // Throws mutagen::Error "unknown reporter 'x' (known: console, elements, ...)".
  std::unique_ptr<Reporter> create(const std::string& name) const;
  // A comma-separated list ("console,junit"); "all" stands for every registered reporter.
  std::vector<std::unique_ptr<Reporter>> create_list(const std::string& names) const;
  // Sorted names and their descriptions.
  std::vector<std::string> names() const;
  std::string description(const std::string& name) const;

 private:
  struct Entry {
    std::string name;
    std::string description;
    Factory factory;
  };
  std::vector<Entry> entries_;
};

namespace internal {
template <typename T>
bool register_reporter() {
  ReporterRegistry::global().add<T>();
  return true;
}
}  // namespace internal

}  // namespace mutagen

// Registers reporter class T (default-constructible) in the global registry at start-up.
#define MUTAGEN_REGISTER_REPORTER(T) \
  static const bool mutagen_reporter_registered_##T = ::mutagen::internal::register_reporter<T>()
