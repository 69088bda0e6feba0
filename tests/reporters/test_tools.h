#pragma once
// Golden files and child processes for the reporter tests.
#include <gtest/gtest.h>

#include <string>

#include "test_support.h"  // run_command, have_program

namespace mutagen::testing_support {

// Compares `actual` with tests/reporters/golden/<name> as a whole. With MUTAGEN_UPDATE_GOLDENS=1
// the golden is rewritten instead (review the diff with git before committing it).
void expect_golden(const std::string& name, const std::string& actual);
// node_modules of reporters/npm/install.sh in the build tree (installs on first use); empty when
// node or npm is missing, with the reason in `why`.
std::string npm_modules(std::string* why);

}  // namespace mutagen::testing_support
