// RunMutationAnalysis(): every registered subject's mutation run (runner.h), its reports and the
// exit code. As a shard (--mutagen_shard=k/n or a job array's environment, shard.h) each subject's
// run writes a partial report instead, for `mutagen merge`.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "mutagen/io.h"
#include "mutagen/mutation_test.h"
#include "mutagen/reporters/registry.h"
#include "mutagen/reporters/reporter.h"
#include "registry.h"
#include "runner.h"
#include "shard.h"

namespace mutagen {

namespace internal {
namespace {

// report.json -> report-shard-2-of-3.json: shards of one run on a shared folder do not collide.
std::string partial_path(const std::string& path, const ShardSpec& shard) {
  const std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "-shard-" + std::to_string(shard.index) + "-of-" +
                             std::to_string(shard.count) + p.extension().string()))
      .string();
}

// Writes the run's reports; returns the exit code they add (2 when a reporter failed).
int write_reports(const Analysis& a, const std::string& path,
                  const std::vector<std::unique_ptr<Reporter>>& reporters) {
  const Report& report = a.report;
  std::string dir = flags().report_dir;
  if (dir.empty()) dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  // report.json always (the journal's replacement and what `mutagen report` re-renders).
  write_json_report(report, path);
  spdlog::info("report written to {}", path);
  int exit_code = 0;
  for (const auto& r : reporters) {
    if (r->name() == "json") continue;
    if (r->name() == "console") {
      print_console_report(report, std::cout);
      continue;
    }
    try {
      r->write(report, dir);
      spdlog::info("{} report written to {}", r->name(),
                   (std::filesystem::path(dir) / r->file_name()).string());
    } catch (const std::exception& e) {
      std::cerr << "mutagen: error: " << r->name() << " reporter: " << e.what() << "\n";
      exit_code = 2;
    }
  }
  return exit_code;
}

}  // namespace
}  // namespace internal

namespace internal {
namespace {
int run_mutation_analysis();
}  // namespace
}  // namespace internal

int RunMutationAnalysis() {
  const int exit_code = internal::run_mutation_analysis();
  // `mutagen run` passes a file to write the exit code to: its absence tells it the binary never
  // ran a mutation analysis (a plain GoogleTest binary would otherwise pass the gate silently).
  if (const char* receipt = std::getenv("MUTAGEN_RUN_RECEIPT"); receipt && *receipt) {
    try {
      write_file_atomic(receipt, std::to_string(exit_code) + "\n");
    } catch (const std::exception& e) {
      std::cerr << "mutagen: error: " << e.what() << "\n";
      return 2;
    }
  }
  return exit_code;
}

namespace internal {
namespace {

int run_mutation_analysis() {
  const std::string filter = GTEST_FLAG_GET(filter);
  int exit_code = 0;
  int analysed = 0;
  const auto& subjects = registered_subjects();
  // Reporters and the shard are checked before anything runs: a typo must not cost a whole run.
  std::vector<std::unique_ptr<Reporter>> reporters;
  try {
    reporters = ReporterRegistry::global().create_list(flags().reporters);
  } catch (const std::exception& e) {
    std::cerr << "mutagen: error: --mutagen_reporters: " << e.what() << "\n";
    return 2;
  }
  ShardSpec shard;
  try {
    shard = resolve_shard(flags().shard, process_environment());
  } catch (const std::exception& e) {
    std::cerr << "mutagen: error: " << e.what() << "\n";
    return 2;
  }
  for (const auto& [name, factory] : subjects) {
    if (!flags().subject.empty() && name != flags().subject) continue;
    std::vector<const RegisteredTest*> tests;
    for (const auto& t : registered_tests())
      if (t.subject == name && matches_filter(t.full_name(), filter)) tests.push_back(&t);
    if (tests.empty()) continue;
    ++analysed;
    try {
      Analysis a = analyse(name, tests, shard);
      std::string path = flags().report;
      if (subjects.size() > 1) {
        const std::filesystem::path p(path);
        path =
            (p.parent_path() / (p.stem().string() + "-" + name + p.extension().string())).string();
      }
      if (shard.active()) {
        // A partial report: no verdicts, scores or threshold yet (mutagen merge decides).
        path = partial_path(path, shard);
        write_json_atomic(path, a.partial, -1);
        spdlog::info(
            "partial report (shard {} of {}) written to {}; merge the shards with "
            "`mutagen merge`",
            shard.index, shard.count, path);
      } else {
        exit_code = std::max(exit_code, a.exit_code);
        exit_code = std::max(exit_code, write_reports(a, path, reporters));
      }
      std::error_code ec;
      std::filesystem::remove(a.journal, ec);  // complete: a rerun starts afresh
    } catch (const std::exception& e) {
      // Most errors already name the subject; say it once.
      const std::string what = e.what(), prefix = "subject '" + name + "'";
      std::cerr << "mutagen: error: " << (what.rfind(prefix, 0) == 0 ? "" : prefix + ": ") << what
                << "\n";
      exit_code = 2;
    }
  }
  if (analysed == 0) {
    std::cerr << "mutagen: error: no MUTATION_TEST matched (filter '" << filter << "'"
              << (flags().subject.empty() ? "" : ", subject '" + flags().subject + "'") << ")\n";
    return 2;
  }
  return exit_code;
}

}  // namespace
}  // namespace internal
}  // namespace mutagen
