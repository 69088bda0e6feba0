#pragma once
// Reads a mutator's JSON options with errors that name the mutator, the field and what was expected
// ("tmr option 'epochs': expected an integer >= 1, got -2"). Shared by every family.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mutagen::internal {

class OptionsReader {
 public:
  // Throws if `options` is neither null nor an object, or holds a field outside `fields`.
  OptionsReader(std::string mutator, const nlohmann::json& options, std::vector<std::string> fields);

  bool has(const std::string& field) const { return options_.contains(field); }
  const nlohmann::json& raw(const std::string& field) const { return options_.at(field); }

  int64_t integer(const std::string& field, int64_t min) const;
  double number(const std::string& field) const;  // finite
  double number_in(const std::string& field, double lo, double hi, bool lo_open = false) const;
  bool boolean(const std::string& field) const;
  std::string one_of(const std::string& field, const std::vector<std::string>& choices) const;
  std::string string(const std::string& field) const;

  [[noreturn]] void bad(const std::string& field, const std::string& expected) const;

 private:
  std::string mutator_;
  nlohmann::json options_;
  std::vector<std::string> fields_;
};

std::string join_names(const std::vector<std::string>& names);

}  // namespace mutagen::internal
