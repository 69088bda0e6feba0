#pragma once
// Factories of the built-in reporters, one per file in this folder; registry.cpp lists them once.
#include <memory>
#include <string>

#include "mutagen/reporters/reporter.h"

namespace mutagen::internal {

std::unique_ptr<Reporter> make_console_reporter();
std::unique_ptr<Reporter> make_json_reporter();
std::unique_ptr<Reporter> make_html_reporter();
std::unique_ptr<Reporter> make_junit_reporter();
std::unique_ptr<Reporter> make_markdown_reporter();
std::unique_ptr<Reporter> make_elements_reporter();       // mutation-testing-report-schema JSON
std::unique_ptr<Reporter> make_elements_html_reporter();  // the page with the web component

// The elements JSON itself, and the page around it with `component_js` inlined (tests pass a stub).
nlohmann::json elements_json(const Report& report);
std::string elements_page(const Report& report, const std::string& component_js);
// The component's JS: $MUTAGEN_ELEMENTS_JS, else the npm package installed by
// reporters/npm/install.sh in the build tree. Throws mutagen::Error naming both when neither is
// there.
std::string elements_component_js();

}  // namespace mutagen::internal
