#pragma once
// Pages and pictures as a person sees them: a file opened in headless Chromium
// (reporters/npm/check_page.mjs) with its console errors, network requests, rendered text and a
// screenshot, for any test binary.
#include <nlohmann/json.hpp>
#include <string>

namespace mutagen::testing_support {

struct PageCheck {
  nlohmann::json result;   // errors, requests, text, rendered, and eval when asked
  std::string screenshot;  // build/tests/screenshots/<name>.png
};

// Writes `content` to <temp>/<name>.<extension> (html or svg) and opens it in Chromium.
// `expression` (JavaScript) is evaluated once the page rendered; its value is result["eval"].
PageCheck open_in_chromium(const std::string& name, const std::string& content,
                           const std::string& expression = "",
                           const std::string& extension = "html");
// True, with the reason in `why`, when node or chromium is missing.
bool skip_without_chromium(std::string* why);
// The screenshot exists, is a PNG and is not blank-small.
void expect_png(const std::string& path);

}  // namespace mutagen::testing_support
