#pragma once
// Helpers shared by the test binaries: paths into the source/build tree, a per-test temp folder, and
// small synthetic data.
#include <cstdint>
#include <string>

#include "mutagen/dataset.h"

namespace mutagen::testing_support {

// A fresh, empty folder for the calling test (under $MUTAGEN_TEST_TMP or the build tree).
std::string temp_dir(const std::string& name);
// ../shared/reference/<file> beside the checkout.
std::string reference_file(const std::string& file);
// build/data/digits (the npm digits converted by scripts/build.sh); empty string if absent.
std::string digits_dir();

}  // namespace mutagen::testing_support
