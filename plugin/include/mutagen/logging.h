#pragma once
// Logging set-up for programs built on mutagen: spdlog's default logger writes to stderr (stdout belongs
// to GoogleTest's output and to reports), at the levels SPDLOG_LEVEL asks for (e.g. SPDLOG_LEVEL=debug).

namespace mutagen {

void init_logging();

}  // namespace mutagen
