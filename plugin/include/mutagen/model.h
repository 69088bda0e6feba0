#pragma once
// A handle on one trained classifier instance: a C++ torch::nn::Sequential built by a registered
// architecture, or a TorchScript module saved from Python with torch.jit.save. Cheap to copy
// (shared); clone() makes an independent deep copy to mutate.
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mutagen {

namespace internal {
class ModelImpl;
}

// How a Conv2d layer slides its kernel (what unfolding its input windows needs).
struct ConvGeometry {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
};

class Model {
 public:
  Model() = default;

  // A freshly initialised model of a registered architecture (see register_architecture), seeded.
  static Model create(const std::string& architecture, uint64_t seed);
  // Wraps an existing Sequential; `architecture` must be registered for save/load to round-trip.
  static Model from_sequential(torch::nn::Sequential net, const std::string& architecture);
  // A TorchScript file (torch.jit.save). Throws mutagen::Error naming the file if missing/corrupt.
  static Model load_torchscript(const std::string& path);
  // Loads what save() wrote, or a TorchScript file; the format is detected.
  static Model load(const std::string& path);
  // Atomic write (temp file + rename).
  void save(const std::string& path) const;

  bool valid() const { return impl_ != nullptr; }
  const std::string& architecture() const;

  // Inference: eval mode, no grad, batched. x: float32 [N, C, H, W] on any device. Returns
  // [N, classes] on x's device (batches run on device()): the input of a trailing
  // Softmax/LogSoftmax when the model has one (see logits_end()).
  // Batches of 256 keep activations under glibc's mmap threshold: larger ones are mapped and
  // unmapped per batch, and the page faults cost more than the convolutions.
  torch::Tensor logits(const torch::Tensor& x, int64_t batch_size = 256) const;
  torch::Tensor predict(const torch::Tensor& x, int64_t batch_size = 256) const;
  // Forward with autograd in the current mode (for training and gradient-based localisation), up
  // to the logits like logits(). The input is moved to device(); the result stays there.
  torch::Tensor forward(const torch::Tensor& x) const;
  void train(bool on = true) const;

  // Moves the parameters and buffers to `device`, in place: every handle on this instance sees
  // it (as torch's Module::to). Models load and are created on the CPU; Subject::device and
  // TrainOptions::device move them once. clone() keeps the device.
  void to(const torch::Device& device) const;
  // Where the parameters live (the CPU for a model without any). logits(), forward() and
  // forward_layers() move each input batch here.
  torch::Device device() const;

  Model clone() const;
  std::vector<torch::Tensor> parameters() const;
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;
  // Content hash of architecture, parameters and buffers: the identity of an instance in caches.
  std::string fingerprint() const;

  // Layered access (sequential models, and TorchScript modules whose children run in sequence):
  // forward_layers(x, k, num_layers()) runs the model from layer k on, e.g. on cached activations
  // (moved to device(); the result stays there).
  int64_t num_layers() const;
  std::string layer_kind(int64_t k) const;  // "Conv2d", "Linear", "ReLU", "Flatten", ...
  torch::Tensor forward_layers(const torch::Tensor& x, int64_t begin, int64_t end) const;
  // Weight and bias of layer k (Linear/Conv2d), undefined tensors otherwise. They are the model's
  // own tensors: clone() the model before changing them.
  torch::Tensor layer_weight(int64_t k) const;
  torch::Tensor layer_bias(int64_t k) const;
  // The prefix of layer k's parameters in named_parameters() ("3" in "3.weight"), and back: the
  // layer whose parameters start with `name`, or -1.
  std::string layer_name(int64_t k) const;
  int64_t layer_index(const std::string& name) const;
  // One past the last layer that produces logits: num_layers() minus a trailing Softmax or
  // LogSoftmax, whose input is what localisation, fitness and losses must use. logits() stops here.
  int64_t logits_end() const;
  // A TorchScript forward that is a chain only from some step on (after a residual sum, say): its
  // layer 0 runs everything before that chain, whose layers cannot be reached one by one. Then
  // this says so, naming the model and the graph node that breaks the chain; empty otherwise.
  std::string unreachable_layers() const;
  // Geometry of Conv2d layer k; throws mutagen::Error naming the layer for any other kind or for
  // string padding ("same"/"valid").
  ConvGeometry layer_conv_geometry(int64_t k) const;

  // Structural edits (DeepMutation++'s layer operators) of C++ sequential models and TorchScript
  // chains. Each returns an edited deep copy and records the edit, so that save() and load()
  // rebuild the edited structure instead of the registered architecture or the compiled graph (an
  // edited TorchScript model runs its chain of layers, not its compiled forward). Throws
  // mutagen::Error for layers out of range and TorchScript modules that are no chain.
  Model without_layer(int64_t k) const;        // layer k removed
  Model with_identity_at(int64_t k) const;     // layer k replaced by torch::nn::Identity
  Model with_layer_repeated(int64_t k) const;  // a copy of layer k (own weights) inserted after it
  // The edits applied to the registered architecture, in order ("remove:3,identity:1"); "" if none.
  const std::string& layer_edits() const;

 private:
  explicit Model(std::shared_ptr<internal::ModelImpl> impl) : impl_(std::move(impl)) {}
  Model edited_copy(const std::string& edit, const char* what) const;
  std::shared_ptr<internal::ModelImpl> impl_;
};

// Architectures by name, so that save/load and caches can rebuild a model. Built in:
//   "mnist_small":
//   conv(1->16,3)-ReLU-conv(16->32,3)-ReLU-maxpool2-flatten-fc(4608->64)-ReLU-fc(64->10)
//   "thesis_cnn":  thesis Table 5.2: conv(1->32,3)-ReLU-conv(32->64,3)-ReLU-maxpool2-dropout(.25)-
//                  flatten-fc(9216->128)-ReLU-dropout(.5)-fc(128->10)
using ArchitectureFactory = std::function<torch::nn::Sequential()>;
void register_architecture(const std::string& name, ArchitectureFactory factory);
std::vector<std::string> architectures();

// Fraction of correct predictions of `model` on (images, labels).
double accuracy(const Model& model, const torch::Tensor& images, const torch::Tensor& labels);

}  // namespace mutagen
