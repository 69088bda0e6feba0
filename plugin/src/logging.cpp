#include "mutagen/logging.h"

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace mutagen {

void init_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto logger = spdlog::stderr_color_mt("mutagen");
    spdlog::set_default_logger(logger);
    spdlog::cfg::load_env_levels();
  });
}

}  // namespace mutagen
