#pragma once
// One exception type for everything mutagen reports to a user: the message names the thing (file, field,
// option) and what was expected. Code that calls torch/Eigen wraps their exceptions into this one.
#include <stdexcept>
#include <string>

namespace mutagen {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace mutagen
