// `mutagen stats`: CSV parsing and the summary (through plugin/src/stats_csv.h), and the built CLI
// end to end when its binary exists (mutagen_cli links all of libmutagen).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "mutagen/error.h"
#include "mutagen/io.h"
#include "stats_csv.h"
#include "test_support.h"

namespace mutagen {
namespace {

// The reference case A (no zeros, no ties): exact two-sided p = 0.017181396484375, statistic 42.
const char* kCaseA =
    "instance,orig,mut,note\n"
    "0,85,82,a\n1,92,93,b\n2,78,71,\n3,88,76,\n4,95,97,\n5,81,76,\n6,90,81,\n7,87,91,\n"
    "8,93,79,\n9,79,73,\n10,84,92,\n11,91,80,\n12,86,71,\n13,89,99,\n14,94,81,\n15,80,64,\n"
    "16,83,100,\n17,96,78,\n18,82,63,\n19,77,57,\n";

std::string error_of(const std::string& text, const std::string& a = "orig",
                     const std::string& b = "mut") {
  try {
    parse_paired_csv(text, "runs.csv", a, b);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(StatsCsv, ParsesColumnsByHeaderName) {
  const PairedColumns p = parse_paired_csv(kCaseA, "runs.csv", "orig", "mut");
  ASSERT_EQ(p.a.size(), 20u);
  EXPECT_EQ(p.a[0], 85);
  EXPECT_EQ(p.b[19], 57);
  // Quotes, CRLF, spaces, blank lines, a BOM and column order do not matter.
  const PairedColumns q = parse_paired_csv(
      "\xEF\xBB\xBF\"mut\", \"orig\" ,x\r\n\r\n 0.5 ,\"0.75\",\"a,b\"\r\n1e-1,2,\"say "
      "\"\"hi\"\"\"\r\n\n",
      "q.csv", "orig", "mut");
  EXPECT_EQ(q.a, (std::vector<double>{0.75, 2}));
  EXPECT_EQ(q.b, (std::vector<double>{0.5, 0.1}));
}

TEST(StatsCsv, ErrorsNameFileLineAndColumn) {
  std::string e = error_of("orig,mut\n1,2\n3\n");
  EXPECT_NE(e.find("runs.csv:3"), std::string::npos) << e;
  EXPECT_NE(e.find("malformed row"), std::string::npos) << e;
  e = error_of("orig,mut\n1,2\n3,abc\n");
  EXPECT_NE(e.find("runs.csv:3"), std::string::npos) << e;
  EXPECT_NE(e.find("'mut'"), std::string::npos) << e;
  EXPECT_NE(e.find("'abc'"), std::string::npos) << e;
  e = error_of("orig,mut\n1,\n");
  EXPECT_NE(e.find("runs.csv:2"), std::string::npos) << e;
  e = error_of("orig,mut\n0x10,2\n");  // strtod would read 16
  EXPECT_NE(e.find("value '0x10' is not a number"), std::string::npos) << e;
  e = error_of("orig,mut\n1,nan\n");
  EXPECT_NE(e.find("not a finite number"), std::string::npos) << e;
  e = error_of("orig,mutant\n1,2\n");
  EXPECT_NE(e.find("no column 'mut'"), std::string::npos) << e;
  EXPECT_NE(e.find("'mutant'"), std::string::npos) << e;  // lists what is there
  e = error_of("orig,mut,orig\n1,2,3\n");
  EXPECT_NE(e.find("more than once"), std::string::npos) << e;
  e = error_of("orig,mut\n\"1,2\n");
  EXPECT_NE(e.find("runs.csv:2: unterminated"), std::string::npos) << e;
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("orig,mut\n").find("no data rows"), std::string::npos);
  EXPECT_THROW(read_paired_csv("/nonexistent/runs.csv", "a", "b"), Error);
}

TEST(StatsCsv, SummaryMatchesTheLibrary) {
  const PairedColumns p = parse_paired_csv(kCaseA, "runs.csv", "orig", "mut");
  // The kill contract's default is one-sided (mutant worse): R+ = 210 - 42, half the two-sided p.
  const nlohmann::json one = stats_summary(p, KillOptions());
  EXPECT_EQ(one["alternative"], "greater");
  EXPECT_EQ(one["statistic"], 168.0);
  EXPECT_NEAR(one["pvalue"].get<double>(), 0.017181396484375 / 2, 1e-15);
  const nlohmann::json s = stats_summary(
      p, KillOptions().wilcoxon(WilcoxonOptions().alternative(Alternative::kTwoSided)));
  EXPECT_EQ(s["n"], 20);
  EXPECT_EQ(s["n_used"], 20);
  EXPECT_EQ(s["statistic"], 42.0);
  EXPECT_NEAR(s["pvalue"].get<double>(), 0.017181396484375, 1e-15);
  EXPECT_EQ(s["method"], "exact");
  EXPECT_TRUE(s["z"].is_null());
  EXPECT_NEAR(s["cohens_d"].get<double>(), 0.6586883315829357, 1e-12);
  EXPECT_EQ(s["killed"], true);
  // The power of the whole rule (p and d) for d = 1 at the pairs' observed correlation.
  EXPECT_DOUBLE_EQ(s["power"].get<double>(),
                   kill_rule_power(20, 1.0, s["correlation"].get<double>(),
                                   KillOptions().wilcoxon(
                                       WilcoxonOptions().alternative(Alternative::kTwoSided))));
  EXPECT_EQ(s["underpowered"], s["power"].get<double>() < 0.8);
  EXPECT_EQ(s["alpha"], 0.05);
  EXPECT_EQ(s["effect"], 0.5);
  const std::string text = stats_summary_text(s);  // the two-sided summary
  EXPECT_NE(text.find("KILLED"), std::string::npos) << text;
  EXPECT_NE(text.find("statistic 42"), std::string::npos) << text;

  const nlohmann::json approx =
      stats_summary(p, KillOptions().effect_size(0.7).wilcoxon(
                           WilcoxonOptions().mode(WilcoxonMode::kApprox).correction(true)));
  EXPECT_NEAR(approx["pvalue"].get<double>(), 0.01963283275017219, 1e-9 * 0.0196);
  EXPECT_EQ(approx["method"], "approx");
  EXPECT_EQ(approx["killed"], false);  // d = 0.66 < 0.7
  EXPECT_EQ(parse_zero_method("zsplit"), ZeroMethod::kZsplit);
  EXPECT_THROW(parse_alternative("both"), Error);
}

struct CliRun {
  int code;
  std::string out, err;
};

CliRun run_cli(const std::string& args, const std::string& dir) {
  const std::string out = dir + "/stdout.txt", err = dir + "/stderr.txt";
  const std::string cmd =
      std::string("'") + MUTAGEN_CLI + "' " + args + " >'" + out + "' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

TEST(StatsCli, EndToEnd) {
  if (!std::filesystem::exists(MUTAGEN_CLI))
    GTEST_SKIP() << "the CLI binary " << MUTAGEN_CLI << " is not built (target mutagen_cli)";
  const std::string dir = testing_support::temp_dir("cli");
  const std::string csv = dir + "/runs.csv";
  write_file_atomic(csv, kCaseA);

  CliRun r = run_cli("stats '" + csv + "' --a orig --b mut --json --alternative two-sided", dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["n"], 20);
  EXPECT_EQ(j["statistic"], 42.0);
  EXPECT_NEAR(j["pvalue"].get<double>(), 0.017181396484375, 1e-15);
  // Without --alternative: the engine's one-sided contract.
  r = run_cli("stats '" + csv + "' --a orig --b mut --json", dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["alternative"], "greater");
  EXPECT_NEAR(nlohmann::json::parse(r.out)["pvalue"].get<double>(), 0.017181396484375 / 2, 1e-15);
  EXPECT_EQ(j["method"], "exact");
  EXPECT_NEAR(j["cohens_d"].get<double>(), 0.6586883315829357, 1e-12);
  EXPECT_EQ(j["killed"], true);
  EXPECT_TRUE(j.contains("power"));
  EXPECT_TRUE(j.contains("underpowered"));

  r = run_cli("stats '" + csv +
                  "' --a orig --b mut --mode approx --correction --alternative greater "
                  "--zero-method pratt --alpha 0.01 --effect 0.6 --json",
              dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json g = nlohmann::json::parse(r.out);
  EXPECT_NEAR(g["pvalue"].get<double>(), 0.009816416375086096, 1e-9 * 0.0098);
  EXPECT_EQ(g["statistic"], 168.0);
  EXPECT_EQ(g["alpha"], 0.01);
  EXPECT_EQ(g["killed"], true);

  r = run_cli("stats '" + csv + "' --a orig --b mut", dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("KILLED"), std::string::npos) << r.out;

  r = run_cli("stats '" + csv + "' --a orig --b missing --json", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no column 'missing'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("runs.csv"), std::string::npos) << r.err;

  write_file_atomic(dir + "/bad.csv", "orig,mut\n1,2\n3,4,5\n");
  r = run_cli("stats '" + dir + "/bad.csv' --a orig --b mut --json", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.csv:3"), std::string::npos) << r.err;

  r = run_cli("stats '" + dir + "/absent.csv' --a orig --b mut", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("absent.csv"), std::string::npos) << r.err;

  // Options are named by their flag, not by the library function that would reject them.
  for (const auto& [option, named] : std::vector<std::pair<std::string, std::string>>{
           {"--effect nan", "--effect nan: expected a Cohen's d threshold >= 0"},
           {"--effect -1", "--effect -1.000000: expected a Cohen's d threshold >= 0"},
           {"--power-effect nan", "--power-effect nan: expected a finite effect size"}}) {
    r = run_cli("stats '" + csv + "' --a orig --b mut " + option, dir);
    EXPECT_EQ(r.code, 2) << option;
    EXPECT_NE(r.err.find(named), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace mutagen
