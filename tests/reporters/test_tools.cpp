#include "test_tools.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "mutagen/io.h"

namespace mutagen::testing_support {

namespace fs = std::filesystem;

void expect_golden(const std::string& name, const std::string& actual) {
  const fs::path golden = fs::path(MUTAGEN_SOURCE_DIR) / "tests" / "reporters" / "golden" / name;
  const char* update = std::getenv("MUTAGEN_UPDATE_GOLDENS");
  if (update && std::string(update) == "1") {
    write_file_atomic(golden.string(), actual);
    std::cout << "updated golden " << golden << "\n";
    return;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden
                                  << " is missing; create it with MUTAGEN_UPDATE_GOLDENS=1";
  const std::string expected = read_file(golden.string());
  if (expected == actual) return;
  const fs::path dir = fs::path(MUTAGEN_BINARY_DIR) / "tests" / "golden-actual";
  write_file_atomic((dir / name).string(), actual);
  std::istringstream e(expected), a(actual);
  std::string le, la;
  int line = 1;
  while (std::getline(e, le) && std::getline(a, la) && le == la) ++line;
  ADD_FAILURE() << name << " differs from its golden file at line " << line
                << ":\n  expected: " << le << "\n  actual:   " << la << "\nSee: diff " << golden
                << " " << (dir / name)
                << "\nIf the change is intended: MUTAGEN_UPDATE_GOLDENS=1 ctest -R Golden";
}

std::string npm_modules(std::string* why) {
  if (!have_program("node") || !have_program("npm")) {
    *why = "node/npm not installed (apt-get install nodejs npm)";
    return "";
  }
  static std::string modules, failure;
  if (modules.empty() && failure.empty()) {
    std::string out;
    const std::string script = std::string(MUTAGEN_SOURCE_DIR) + "/reporters/npm/install.sh";
    if (run_command(script + " " + MUTAGEN_BINARY_DIR + " 2>&1", &out) != 0)
      failure = "reporters/npm/install.sh failed: " + out;
    else
      modules = std::string(MUTAGEN_BINARY_DIR) + "/_deps/npm-reporters/node_modules";
  }
  if (!failure.empty()) ADD_FAILURE() << failure;  // npm is there: not installing is a failure
  *why = failure;
  return modules;
}

}  // namespace mutagen::testing_support
