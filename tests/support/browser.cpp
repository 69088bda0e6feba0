#include "browser.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "mutagen/io.h"
#include "test_support.h"

namespace mutagen::testing_support {

namespace fs = std::filesystem;

PageCheck open_in_chromium(const std::string& name, const std::string& content,
                           const std::string& expression, const std::string& extension) {
  const std::string page = temp_dir(name) + "/" + name + "." + extension;
  write_file_atomic(page, content);
  const fs::path shots = fs::path(MUTAGEN_BINARY_DIR) / "tests" / "screenshots";
  fs::create_directories(shots);
  PageCheck c;
  c.screenshot = (shots / (name + ".png")).string();
  fs::remove(c.screenshot);
  std::string out;
  std::string quoted;  // for the shell: '...' with each ' as '\''
  for (char ch : expression) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  run_command("node " + std::string(MUTAGEN_SOURCE_DIR) + "/reporters/npm/check_page.mjs " + page +
                  " " + c.screenshot + (expression.empty() ? "" : " '" + quoted + "'"),
              &out);
  try {
    c.result = nlohmann::json::parse(out);
  } catch (const std::exception&) {
    ADD_FAILURE() << "check_page.mjs printed no JSON: " << out;
    c.result = {{"errors", {"no output"}}, {"requests", nlohmann::json::array()}, {"text", ""}};
  }
  return c;
}

bool skip_without_chromium(std::string* why) {
  if (!have_program("node"))
    *why = "node not installed (apt-get install nodejs)";
  else if (!have_program("chromium"))
    *why = "chromium not installed (apt-get install chromium; see DEVELOPERS.md)";
  return !why->empty();
}

void expect_png(const std::string& path) {
  ASSERT_TRUE(fs::exists(path)) << path;
  EXPECT_GT(fs::file_size(path), 5000u) << path;
  EXPECT_EQ(read_file(path).substr(1, 3), "PNG") << path;
}

}  // namespace mutagen::testing_support
