// Named-error option parsing shared by the mutator families.
#include "options_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mutagen/error.h"

namespace mutagen::internal {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

std::string format_number(double x) {
  if (x == std::floor(x) && std::fabs(x) < 1e15) return std::to_string(static_cast<int64_t>(x));
  return nlohmann::json(x).dump();
}

OptionsReader::OptionsReader(std::string mutator, const nlohmann::json& options,
                             std::vector<std::string> fields)
    : mutator_(std::move(mutator)),
      options_(options.is_null() ? nlohmann::json::object() : options),
      fields_(std::move(fields)) {
  if (!options_.is_object()) {
    throw Error(mutator_ + " options: expected a JSON object with fields " + join_names(fields_) +
                ", got " + std::string(options_.type_name()));
  }
  for (auto it = options_.begin(); it != options_.end(); ++it) {
    if (std::find(fields_.begin(), fields_.end(), it.key()) == fields_.end()) {
      throw Error(mutator_ + " options: unknown field '" + it.key() +
                  "'; valid fields: " + join_names(fields_));
    }
  }
}

void OptionsReader::bad(const std::string& field, const std::string& expected) const {
  throw Error(mutator_ + " option '" + field + "': expected " + expected + ", got " +
              options_.at(field).dump());
}

int64_t OptionsReader::integer(const std::string& field, int64_t min) const {
  const nlohmann::json& v = options_.at(field);
  const std::string expected = "an integer >= " + std::to_string(min);
  if (!v.is_number_integer()) bad(field, expected);
  if (v.is_number_unsigned() &&
      v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    bad(field, expected);
  }
  const int64_t x = v.get<int64_t>();
  if (x < min) bad(field, expected);
  return x;
}

double OptionsReader::number(const std::string& field) const {
  const nlohmann::json& v = options_.at(field);
  if (!v.is_number()) bad(field, "a number");
  const double x = v.get<double>();
  if (!std::isfinite(x)) bad(field, "a finite number");
  return x;
}

double OptionsReader::number_in(const std::string& field, double lo, double hi,
                                bool lo_open) const {
  const double x = number(field);
  const std::string range =
      std::string(lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) + "]";
  if (x > hi || x < lo || (lo_open && x == lo)) bad(field, "a number in " + range);
  return x;
}

bool OptionsReader::boolean(const std::string& field) const {
  const nlohmann::json& v = options_.at(field);
  if (!v.is_boolean()) bad(field, "true or false");
  return v.get<bool>();
}

std::string OptionsReader::string(const std::string& field) const {
  const nlohmann::json& v = options_.at(field);
  if (!v.is_string()) bad(field, "a string");
  return v.get<std::string>();
}

std::string OptionsReader::one_of(const std::string& field,
                                  const std::vector<std::string>& choices) const {
  const nlohmann::json& v = options_.at(field);
  if (!v.is_string() || std::find(choices.begin(), choices.end(), v.get<std::string>()) ==
                            choices.end()) {
    bad(field, "one of " + join_names(choices));
  }
  return v.get<std::string>();
}

}  // namespace mutagen::internal
