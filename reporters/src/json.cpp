// The json reporter: report.json, the Report as JSON (Report::to_json, in the core), written atomically.
#include "builtin.h"
#include "mutagen/io.h"
#include "mutagen/report.h"
#include "mutagen/reporters/reporter.h"

namespace mutagen {

void write_json_report(const Report& report, const std::string& path) {
  write_json_atomic(path, report.to_json(), 2);
}

namespace internal {
namespace {

class JsonReporter : public Reporter {
 public:
  std::string name() const override { return "json"; }
  std::string description() const override {
    return "report.json: every field of the report (mutagen report re-renders it)";
  }
  std::string file_name() const override { return "report.json"; }
  std::string render(const Report& report) const override {
    return report.to_json().dump(2) + "\n";
  }
};

}  // namespace

std::unique_ptr<Reporter> make_json_reporter() { return std::make_unique<JsonReporter>(); }

}  // namespace internal

}  // namespace mutagen
