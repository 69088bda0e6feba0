// ProgressLog: its lines (counts, ETA) and its throttle, read from spdlog's output.
#include "mutagen/progress.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <thread>

namespace mutagen {
namespace {

// Captures what spdlog's default logger writes while alive (message text only).
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%v");
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(FormatDuration, KnownAnswers) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(42.4), "42s");
  EXPECT_EQ(format_duration(187), "3m07s");
  EXPECT_EQ(format_duration(3900), "1h05m");
  EXPECT_EQ(format_duration(-3), "0s");
}

TEST(ProgressLog, EveryStepWithoutAnInterval) {
  CapturedLog log;
  ProgressLog p("search", 3);
  for (int i = 0; i < 3; ++i) p.step("best " + std::to_string(i));
  EXPECT_EQ(p.done(), 3);
  const std::string t = log.text();
  for (const char* line : {"search [1/3] best 0 | elapsed 0s | ETA 0s\n",
                           "search [2/3] best 1 | elapsed 0s | ETA 0s\n",
                           "search [3/3] best 2 | elapsed 0s | ETA 0s\n"})
    EXPECT_NE(t.find(line), std::string::npos) << line << " in: " << t;
}

TEST(ProgressLog, AQuickTaskStaysQuietAndASlowOneReports) {
  {
    CapturedLog log;
    ProgressLog p("quick", 5, 60.0);
    for (int i = 0; i < 5; ++i) p.step();
    EXPECT_EQ(log.text(), "");
  }
  CapturedLog log;
  ProgressLog p("slow", 4, 0.2);
  p.step();  // within the interval: quiet
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  p.step("half");  // past it: one line, with an ETA for the two steps left
  const std::string t = log.text();
  EXPECT_EQ(t.find("slow [1/4]"), std::string::npos) << t;
  EXPECT_NE(t.find("slow [2/4] half | elapsed 0s | ETA 0s"), std::string::npos) << t;
}

}  // namespace
}  // namespace mutagen
