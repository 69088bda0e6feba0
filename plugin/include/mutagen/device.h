#pragma once
// The device a run trains, mutates and evaluates on: "cpu" (default), "cuda" or "cuda:N" when
// libtorch was built with CUDA. Data sets stay on the CPU; models live on the device and every
// batch is moved there, so results that are compared with labels come back to the CPU.
#include <torch/torch.h>

#include <string>

namespace mutagen {

// Parses and validates a device name. Throws mutagen::Error naming `option` and `name` for an
// unknown name, for cuda when torch::cuda::is_available() is false, and for a CUDA index beyond
// torch::cuda::device_count(). Checked up front so that a bad option fails before any training.
torch::Device parse_device(const std::string& name, const std::string& option = "--device");

// "cpu", "cuda:0": what parse_device reads back.
std::string device_name(const torch::Device& device);

}  // namespace mutagen
