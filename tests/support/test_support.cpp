#include "test_support.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace mutagen::testing_support {

std::string temp_dir(const std::string& name) {
  const char* env = std::getenv("MUTAGEN_TEST_TMP");
  fs::path base = env ? fs::path(env) : fs::path(MUTAGEN_BINARY_DIR) / "tests" / "tmp";
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string leaf = name;
  if (info) leaf = std::string(info->test_suite_name()) + "." + info->name() + "." + name;
  fs::path dir = base / leaf;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string reference_file(const std::string& file) {
  return (fs::path(MUTAGEN_SHARED_DIR) / "reference" / file).string();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string digits_dir() {
  fs::path d = fs::path(MUTAGEN_DATA_DIR) / "digits";
  return fs::exists(d / "t10k-labels-idx1-ubyte") ? d.string() : std::string();
}

std::string python_torch_missing() {
  static const bool ok = std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
  return ok ? "" : "/usr/bin/python3 cannot import torch (install python3-torch)";
}

std::string run_python_fixture(const std::string& name, const std::string& script) {
  // One folder per process: ctest runs each test as its own process, possibly in parallel.
  const std::string dir = temp_dir(name + "." + std::to_string(::getpid()));
  std::ofstream(dir + "/make_fixture.py") << script;
  const std::string cmd = "/usr/bin/python3 '" + dir + "/make_fixture.py' '" + dir + "'";
  return std::system(cmd.c_str()) == 0 ? dir : std::string();
}

int run_command(const std::string& command, std::string* output, bool merge) {
  FILE* p = popen((command + (merge ? " 2>&1" : "")).c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    if (output) output->append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool have_program(const std::string& name) {
  return run_command("command -v " + name + " >/dev/null 2>&1", nullptr) == 0;
}

}  // namespace mutagen::testing_support
