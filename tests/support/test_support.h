#pragma once
// Helpers shared by the test binaries: paths into the source/build tree, a per-test temp folder,
// and small synthetic data.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mutagen/dataset.h"
#include "mutagen/error.h"

namespace mutagen::testing_support {

// A fresh, empty folder for the calling test (under $MUTAGEN_TEST_TMP or the build tree).
std::string temp_dir(const std::string& name);
// ../shared/reference/<file> beside the checkout.
std::string reference_file(const std::string& file);
// The whole content of a text file ("" when it cannot be read).
std::string read_text(const std::string& path);
// build/data/digits (the npm digits converted by scripts/build.sh); empty string if absent.
std::string digits_dir();

// Empty when /usr/bin/python3 (Debian's, with python3-torch) can import torch; otherwise the reason
// a test that needs it is skipped.
std::string python_torch_missing();
// Writes `script` into a fresh temp folder named after `name` and the process, runs it with
// /usr/bin/python3 and that folder as its argument, and returns the folder (empty if it failed).
std::string run_python_fixture(const std::string& name, const std::string& script);

// Runs a shell command; returns its exit code and stores its stdout (and stderr if `merge`).
int run_command(const std::string& command, std::string* output, bool merge = false);
bool have_program(const std::string& name);

// Expects `f` to throw mutagen::Error whose message contains every one of `parts`.
template <typename F>
void expect_error(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "expected mutagen::Error";
  } catch (const Error& e) {
    for (const auto& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

}  // namespace mutagen::testing_support
