#include "shard.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "mutagen/error.h"

namespace mutagen::internal {

namespace {

// A whole decimal integer (optional leading '-'), or an Error naming `what`.
int64_t parse_integer(const std::string& text, const std::string& what,
                      const std::string& expected) {
  const char* s = text.c_str();
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s, &end, 10);
  if (text.empty() || end == s || *end != '\0' || errno == ERANGE)
    throw Error(what + ": expected " + expected + ", got '" + text + "'");
  return static_cast<int64_t>(v);
}

ShardSpec checked(int64_t index, int64_t count, const std::string& source) {
  if (count < 1)
    throw Error(source + ": the shard count must be at least 1, got " + std::to_string(count));
  if (index < 1 || index > count)
    throw Error(source + ": shard index " + std::to_string(index) + " is outside 1.." +
                std::to_string(count));
  return {index, count, source};
}

}  // namespace

ShardSpec parse_shard(const std::string& text, const std::string& source) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos)
    throw Error(source + ": expected k/n (shard k of n, 1 <= k <= n), got '" + text + "'");
  const std::string expected = "k/n with whole numbers (shard k of n, 1 <= k <= n)";
  const int64_t k = parse_integer(text.substr(0, slash), source, expected);
  const int64_t n = parse_integer(text.substr(slash + 1), source, expected);
  return checked(k, n, source);
}

EnvLookup process_environment() {
  return [](const char* name) -> const char* { return std::getenv(name); };
}

ShardSpec resolve_shard(const std::string& flag, const EnvLookup& env) {
  if (!flag.empty()) return parse_shard(flag, "--mutagen_shard");
  auto get = [&](const char* name) -> const char* {
    const char* v = env(name);
    return v && *v ? v : nullptr;
  };
  auto number = [&](const char* name) { return parse_integer(get(name), name, "a whole number"); };
  if (get("SLURM_ARRAY_TASK_ID")) {
    const int64_t id = number("SLURM_ARRAY_TASK_ID");
    const int64_t min = get("SLURM_ARRAY_TASK_MIN") ? number("SLURM_ARRAY_TASK_MIN") : 0;
    const int64_t step = get("SLURM_ARRAY_TASK_STEP") ? number("SLURM_ARRAY_TASK_STEP") : 1;
    if (step < 1)
      throw Error("SLURM_ARRAY_TASK_STEP: expected a whole number >= 1, got " +
                  std::to_string(step));
    int64_t count = 0;
    if (get("SLURM_ARRAY_TASK_COUNT"))
      count = number("SLURM_ARRAY_TASK_COUNT");
    else if (get("SLURM_ARRAY_TASK_MAX"))
      count = (number("SLURM_ARRAY_TASK_MAX") - min) / step + 1;
    else
      throw Error(
          "SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor "
          "SLURM_ARRAY_TASK_MAX is: cannot tell the number of shards (pass --mutagen_shard=k/n)");
    if ((id - min) % step != 0)
      throw Error("SLURM_ARRAY_TASK_ID " + std::to_string(id) +
                  " is not min + a multiple of step (" + std::to_string(min) + ", " +
                  std::to_string(step) + ")");
    return checked((id - min) / step + 1, count,
                   "SLURM_ARRAY_TASK_ID/" + std::string(get("SLURM_ARRAY_TASK_COUNT")
                                                            ? "SLURM_ARRAY_TASK_COUNT"
                                                            : "SLURM_ARRAY_TASK_MAX"));
  }
  if (get("JOB_COMPLETION_INDEX")) {
    if (!get("MUTAGEN_SHARD_COUNT"))
      throw Error(
          "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but MUTAGEN_SHARD_COUNT is not: "
          "set it to the Job's completions (or pass --mutagen_shard=k/n)");
    return checked(number("JOB_COMPLETION_INDEX") + 1, number("MUTAGEN_SHARD_COUNT"),
                   "JOB_COMPLETION_INDEX/MUTAGEN_SHARD_COUNT");
  }
  if (get("CI_NODE_INDEX")) {
    if (!get("CI_NODE_TOTAL"))
      throw Error(
          "CI_NODE_INDEX is set but CI_NODE_TOTAL is not: cannot tell the number of shards");
    return checked(number("CI_NODE_INDEX"), number("CI_NODE_TOTAL"), "CI_NODE_INDEX/CI_NODE_TOTAL");
  }
  return {};
}

std::vector<int64_t> assign_shards(const std::vector<WorkItem>& items, int64_t count) {
  if (count < 1)
    throw Error("assign_shards: the shard count must be at least 1, got " + std::to_string(count));
  double total = 0;
  for (const auto& w : items) total += w.cost;
  std::vector<int64_t> shard(items.size(), 1);
  if (total <= 0) return shard;
  double before = 0;  // summed in one order: every shard computes the same cuts
  for (size_t i = 0; i < items.size(); ++i) {
    const double mid = before + items[i].cost / 2;
    before += items[i].cost;
    const auto k = static_cast<int64_t>(mid * static_cast<double>(count) / total);
    shard[i] = std::min(std::max<int64_t>(k, 0), count - 1) + 1;
  }
  return shard;
}

}  // namespace mutagen::internal
