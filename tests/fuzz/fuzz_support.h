#pragma once
// Shared by the fuzz targets: a per-process scratch file for readers that take a path, and the one
// property every reader must keep on hostile input: it returns, or throws mutagen::Error whose
// message names the file. Anything else (another exception type, an unnamed error) aborts, so
// libFuzzer keeps the input as a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

#include "mutagen/error.h"

namespace mutagen::fuzz {

// $TMPDIR/mutagen-fuzz-<pid><suffix> holding `data`.
inline std::string write_scratch(const uint8_t* data, size_t size, const std::string& suffix) {
  const char* dir = std::getenv("TMPDIR");
  const std::string path = std::string(dir && *dir ? dir : "/tmp") + "/mutagen-fuzz-" +
                           std::to_string(::getpid()) + suffix;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write the scratch file %s\n", path.c_str());
    std::abort();
  }
  return path;
}

[[noreturn]] inline void finding(const char* reader, const std::string& what) {
  std::fprintf(stderr, "fuzz finding in %s: %s\n", reader, what.c_str());
  std::abort();
}

// Runs `f`; any mutagen::Error is a correct answer (for queries on what loaded), anything else a
// finding.
template <typename F>
void expect_error_only(const char* reader, F&& f) {
  try {
    f();
  } catch (const mutagen::Error&) {
  } catch (const std::exception& e) {
    finding(reader, "exception other than mutagen::Error: " + std::string(e.what()));
  } catch (...) {
    finding(reader, "exception of unknown type");
  }
}

// Runs `read`; a mutagen::Error naming `source` is a correct answer, anything else a finding.
template <typename F>
void expect_named_error(const char* reader, const std::string& source, F&& read) {
  try {
    read();
  } catch (const mutagen::Error& e) {
    if (std::string(e.what()).find(source) == std::string::npos)
      finding(reader, "mutagen::Error without the file name: " + std::string(e.what()));
  } catch (const std::exception& e) {
    finding(reader, "exception other than mutagen::Error: " + std::string(e.what()));
  } catch (...) {
    finding(reader, "exception of unknown type");
  }
}

}  // namespace mutagen::fuzz
