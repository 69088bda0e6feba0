// The architecture registry: names -> Sequential factories. The builtins are registered on first
// use (a function-local static, initialised thread-safely), so no static-initialisation order is
// relied on.
#include <map>
#include <mutex>

#include "model_internal.h"
#include "mutagen/error.h"
#include "mutagen/model.h"

namespace mutagen {
namespace {

namespace nn = torch::nn;

// conv(1->16,3)-ReLU-conv(16->32,3)-ReLU-maxpool2-flatten-fc(4608->64)-ReLU-fc(64->10)
nn::Sequential mnist_small() {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 16, 3)), nn::ReLU(),
                        nn::Conv2d(nn::Conv2dOptions(16, 32, 3)), nn::ReLU(),
                        nn::MaxPool2d(nn::MaxPool2dOptions(2)), nn::Flatten(), nn::Linear(4608, 64),
                        nn::ReLU(), nn::Linear(64, 10));
}

// Thesis Table 5.2: conv(1->32,3)-ReLU-conv(32->64,3)-ReLU-maxpool2-dropout(.25)-flatten-
// fc(9216->128)-ReLU-dropout(.5)-fc(128->10)
nn::Sequential thesis_cnn() {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 32, 3)), nn::ReLU(),
                        nn::Conv2d(nn::Conv2dOptions(32, 64, 3)), nn::ReLU(),
                        nn::MaxPool2d(nn::MaxPool2dOptions(2)), nn::Dropout(0.25), nn::Flatten(),
                        nn::Linear(9216, 128), nn::ReLU(), nn::Dropout(0.5), nn::Linear(128, 10));
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, ArchitectureFactory> factories;
  Registry() {
    factories["mnist_small"] = mnist_small;
    factories["thesis_cnn"] = thesis_cnn;
  }
};

Registry& registry() {
  static Registry r;  // thread-safe initialisation (C++11)
  return r;
}

}  // namespace

void register_architecture(const std::string& name, ArchitectureFactory factory) {
  if (name.empty()) throw Error("register_architecture: the architecture name must not be empty");
  if (!factory) throw Error("register_architecture('" + name + "'): the factory is empty");
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.factories[name] = std::move(factory);
}

std::vector<std::string> architectures() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : r.factories) names.push_back(name);
  return names;
}

namespace internal {

bool architecture_registered(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.factories.count(name) != 0;
}

torch::nn::Sequential build_architecture(const std::string& name) {
  ArchitectureFactory factory;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.factories.find(name);
    if (it == r.factories.end()) {
      std::string known;
      for (const auto& [n, f] : r.factories) known += (known.empty() ? "" : ", ") + n;
      throw Error("architecture '" + name + "' not registered (known: " + known + ")");
    }
    factory = it->second;
  }
  torch::nn::Sequential net{nullptr};
  try {
    net = factory();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("architecture '" + name + "': its factory failed: " + e.what());
  }
  if (!net) throw Error("architecture '" + name + "': its factory returned an empty Sequential");
  return net;
}

}  // namespace internal
}  // namespace mutagen
