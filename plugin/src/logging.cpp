#include "mutagen/logging.h"

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>

namespace mutagen {
namespace {

// Log lines go to stderr, tables and reports to stdout. When both are one pipe (CI logs, `2>&1`),
// stdout's buffer would otherwise be written after the log lines that followed it and split its
// tables: each log line first flushes what stdout holds.
class FlushStdoutSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  FlushStdoutSink() : stderr_(std::make_shared<spdlog::sinks::stderr_color_sink_mt>()) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::cout.flush();
    std::fflush(stdout);
    stderr_->log(msg);
  }
  void flush_() override { stderr_->flush(); }
  void set_pattern_(const std::string& pattern) override { stderr_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    stderr_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> stderr_;
};

}  // namespace

void init_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto logger = std::make_shared<spdlog::logger>("mutagen", std::make_shared<FlushStdoutSink>());
    spdlog::register_logger(logger);
    spdlog::set_default_logger(logger);
    spdlog::cfg::load_env_levels();
  });
}

}  // namespace mutagen
