// `mutagen run <test-binary>`: the mutation run of a test binary linked with Mutagen::gtest_main.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "mutagen/device.h"

extern char** environ;

namespace mutagen::cli {

namespace {
struct RunArgs {
  std::string binary;
  double min_score = -1;
  std::string report;
  std::string filter;
  std::string subject;
  bool no_cache = false;
  bool allow_undecided = false;
  double timeout = -1;
  std::string shard;
  std::string device;
  std::vector<std::string> extra;
};

int run_binary(const RunArgs& a) {
  std::vector<std::string> args{a.binary, "--mutagen_run"};
  if (a.min_score >= 0) {
    std::ostringstream s;
    s << "--mutagen_min_score=" << a.min_score;
    args.push_back(s.str());
  }
  if (!a.report.empty()) args.push_back("--mutagen_report=" + a.report);
  if (!a.filter.empty()) args.push_back("--gtest_filter=" + a.filter);
  if (!a.subject.empty()) args.push_back("--mutagen_subject=" + a.subject);
  if (a.no_cache) args.push_back("--mutagen_no_cache");
  if (!a.device.empty()) args.push_back("--mutagen_device=" + a.device);
  if (a.allow_undecided) args.push_back("--mutagen_allow_undecided");
  if (a.timeout >= 0) {
    std::ostringstream s;
    s << "--mutagen_timeout=" << a.timeout;
    args.push_back(s.str());
  }
  if (!a.shard.empty()) args.push_back("--mutagen_shard=" + a.shard);
  args.insert(args.end(), a.extra.begin(), a.extra.end());
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  // The binary writes its exit code to this file when it ran a mutation analysis
  // (RunMutationAnalysis): a binary that is not linked with Mutagen::gtest_main ignores
  // --mutagen_run, runs its tests and exits 0, which must not pass the gate.
  const std::filesystem::path receipt = std::filesystem::temp_directory_path() /
                                        ("mutagen-run-" + std::to_string(getpid()) + ".receipt");
  std::error_code ec;
  std::filesystem::remove(receipt, ec);
  std::vector<std::string> env{"MUTAGEN_RUN_RECEIPT=" + receipt.string()};
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("MUTAGEN_RUN_RECEIPT=", 0) != 0) env.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, a.binary.c_str(), nullptr, nullptr, argv.data(), envp.data()) != 0) {
    std::cerr << "mutagen: error: cannot run test binary '" << a.binary << "'\n";
    return 2;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return 2;
  const bool analysed = std::filesystem::exists(receipt, ec);
  std::filesystem::remove(receipt, ec);
  if (!WIFEXITED(status)) {
    std::cerr << "mutagen: error: test binary '" << a.binary << "' crashed (signal "
              << WTERMSIG(status) << ")\n";
    return 2;
  }
  const int code = WEXITSTATUS(status);
  // Exit code 2 without a receipt: the binary stopped at bad input and said so itself.
  if (!analysed && code == 2) return 2;
  if (!analysed) {
    std::cerr << "mutagen: error: '" << a.binary << "' exited with code " << code
              << " without running a mutation analysis: expected a GoogleTest binary linked with "
                 "Mutagen::gtest_main (or whose main() calls mutagen::InitMutagen and "
                 "mutagen::RunMutationAnalysis), with MUTATION_TEST tests\n";
    return 2;
  }
  if (code > 2) {
    std::cerr << "mutagen: error: test binary '" << a.binary << "' exited with code " << code
              << ", expected 0 (passed), 1 (below the threshold) or 2 (errors)\n";
    return 2;
  }
  return code;
}
}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Mutation run of a test binary linked with Mutagen::gtest_main (exit 0 at or above the "
      "threshold, 1 below it, 2 on errors or when no mutant is killable)");
  cmd->add_option("binary", args->binary, "the test binary")->required()->check(CLI::ExistingFile);
  cmd->add_option("--min-score", args->min_score, "fail below this mutation score")
      ->check(number_in(0.0, 1.0, "a mutation score in [0, 1]"));
  cmd->add_option("--report", args->report, "report.json path");
  cmd->add_option("--filter", args->filter, "GoogleTest filter: which tests take part");
  cmd->add_option("--subject", args->subject, "only this subject");
  cmd->add_flag("--no-cache", args->no_cache, "regenerate mutants even when cached");
  cmd->add_flag("--allow-undecided", args->allow_undecided,
                "exit 0 when no mutant is killable (default: exit 2, the run cannot decide)");
  cmd->add_option("--timeout", args->timeout,
                  "per-test timeout in seconds (default: 3 x the slowest original + 10 s)")
      ->check(number_in(0.0, HUGE_VAL, "a number of seconds >= 0"));
  cmd->add_option("--shard", args->shard,
                  "run only shard K of N (K/N) and write a partial report for `mutagen merge` "
                  "(default: from SLURM_ARRAY_*, JOB_COMPLETION_INDEX + MUTAGEN_SHARD_COUNT or "
                  "CI_NODE_INDEX/CI_NODE_TOTAL when set)");
  cmd->add_option("--device", args->device,
                  "where instances and mutants train and run: cpu, cuda or cuda:N (default: the "
                  "subject's, cpu)");
  cmd->add_option("extra", args->extra, "further arguments for the test binary (after --)");
  cmd->callback([args, &exit_code] {
    // Checked here too, so that a bad name fails before the test binary starts.
    if (!args->device.empty()) parse_device(args->device, "--device");
    exit_code = run_binary(*args);
  });
}

}  // namespace mutagen::cli
