// Device names to torch::Device, validated before anything runs (issue 17, "Bad input").
#include "mutagen/device.h"

#include <cctype>

#include "mutagen/error.h"

namespace mutagen {

torch::Device parse_device(const std::string& name, const std::string& option) {
  const std::string given = option + " " + name;
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name.rfind("cuda", 0) != 0)
    throw Error(given + ": unknown device '" + name + "'; expected cpu, cuda or cuda:N");
  int64_t index = -1;
  if (name.size() > 4) {
    // "cuda:N" with N a plain decimal: torch::Device's own parser accepts more than we document.
    const std::string digits = name.substr(5);
    bool ok = name[4] == ':' && !digits.empty() && digits.size() <= 4;
    for (const char c : digits) ok = ok && std::isdigit(static_cast<unsigned char>(c));
    if (!ok) throw Error(given + ": unknown device '" + name + "'; expected cpu, cuda or cuda:N");
    index = std::stoll(digits);
  }
  if (!torch::cuda::is_available())
    throw Error(given +
                ": this libtorch has no CUDA (torch::cuda::is_available() is false); use cpu");
  const auto count = static_cast<int64_t>(torch::cuda::device_count());
  if (index >= count)
    throw Error(given + ": there are " + std::to_string(count) + " CUDA devices (cuda:0.." +
                "cuda:" + std::to_string(count - 1) + ")");
  return index < 0 ? torch::Device(torch::kCUDA, 0)
                   : torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

std::string device_name(const torch::Device& device) { return device.str(); }

}  // namespace mutagen
