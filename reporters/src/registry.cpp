// The reporter registry: the built-ins listed once, user reporters added by name.
#include "mutagen/reporters/registry.h"

#include <algorithm>
#include <filesystem>

#include "builtin.h"
#include "mutagen/error.h"
#include "mutagen/io.h"

namespace mutagen {

void Reporter::write(const Report& report, const std::string& dir) const {
  write_file_atomic((std::filesystem::path(dir) / file_name()).string(), render(report));
}

ReporterRegistry& ReporterRegistry::global() {
  static ReporterRegistry* registry = [] {
    auto* r = new ReporterRegistry();  // never destroyed: usable from static destructors too
    r->add(internal::make_console_reporter);
    r->add(internal::make_json_reporter);
    r->add(internal::make_html_reporter);
    r->add(internal::make_junit_reporter);
    r->add(internal::make_markdown_reporter);
    r->add(internal::make_elements_reporter);
    r->add(internal::make_elements_html_reporter);
    return r;
  }();
  return *registry;
}

void ReporterRegistry::add(Factory factory) {
  const auto sample = factory();
  if (!sample) throw Error("reporter registry: a factory returned no reporter");
  const std::string name = sample->name();
  if (name.empty() || name == "all" || name.find(',') != std::string::npos)
    throw Error("reporter registry: invalid reporter name '" + name +
                "' (expected a non-empty name without commas, not 'all')");
  if (contains(name)) throw Error("reporter registry: reporter '" + name + "' registered twice");
  entries_.push_back({name, sample->description(), std::move(factory)});
}

bool ReporterRegistry::contains(const std::string& name) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry& e) { return e.name == name; });
}

std::vector<std::string> ReporterRegistry::names() const {
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReporterRegistry::description(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return e.description;
  return "";
}

std::unique_ptr<Reporter> ReporterRegistry::create(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return e.factory();
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown reporter '" + name + "' (known: " + known + ")");
}

std::vector<std::unique_ptr<Reporter>> ReporterRegistry::create_list(
    const std::string& names) const {
  std::vector<std::unique_ptr<Reporter>> out;
  std::vector<std::string> seen;
  auto push = [&](const std::string& n) {
    if (std::find(seen.begin(), seen.end(), n) != seen.end()) return;
    seen.push_back(n);
    out.push_back(create(n));
  };
  size_t start = 0;
  while (start <= names.size()) {
    size_t end = names.find(',', start);
    if (end == std::string::npos) end = names.size();
    std::string n = names.substr(start, end - start);
    n.erase(0, n.find_first_not_of(" \t"));
    n.erase(n.find_last_not_of(" \t") + 1);
    if (n == "all") {
      for (const auto& e : entries_) push(e.name);
    } else if (!n.empty()) {
      try {
        push(n);
      } catch (const Error& e) {  // a list also takes "all"
        std::string what = e.what();
        throw Error(what.substr(0, what.size() - 1) + ", or all)");
      }
    }
    start = end + 1;
  }
  if (out.empty()) throw Error("reporters: no reporter named in '" + names + "'");
  return out;
}

void rerender_report(const std::string& report_json, const std::string& format,
                     const std::string& out) {
  const auto reporter = ReporterRegistry::global().create(format);
  const Report report = read_report(report_json);
  const std::string text = reporter->render(report);
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(out).parent_path();
  std::error_code ec;
  if (!parent.empty() && fs::exists(parent, ec) && !fs::is_directory(parent, ec))
    throw Error("cannot write '" + out + "': its folder '" + parent.string() +
                "' is a file (expected a folder)");
  write_file_atomic(out, text);
}

}  // namespace mutagen
