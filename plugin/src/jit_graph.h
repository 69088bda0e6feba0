#pragma once
// Internal to mutagen_core: reading a TorchScript graph's nodes for jit_chain (names, constants,
// the layer kind a functional step stands for, submodule paths).
#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

#include <optional>
#include <string>
#include <vector>

namespace mutagen::internal::jit_graph {

using torch::jit::Node;
using torch::jit::Value;

// "aten::add(%h, %12) # model.py:14:15", for error messages.
std::string describe(const Node* node);

// The kind of value a node makes: a module (a child reached by attributes), a tensor.
bool is_module_value(const Value* v);
bool is_tensor(const Value* v);

// The name of the function or operator a step calls: "relu", "_max_pool2d", "view".
std::string op_name(const Node* node);

// Index of a step's tensor argument (a CallFunction's first input is the function).
size_t data_input(const Node* node);

// A constant int, or list of ints (a constant list, or a list built of constants); nothing else.
std::optional<int64_t> constant_int(const Value* v);
std::optional<std::vector<int64_t>> constant_ints(const Value* v);

// The layer kind a functional step stands for, as a module of that kind would report it, so that
// the code that reasons about layer kinds (fast pooling, Arachne's channel-wise shortcuts,
// recognising a trailing softmax) treats F.relu like nn.ReLU; "Functional" for anything else.
std::string kind_of(const std::string& op, const Node* node);

// The attribute path from `self` to the module value `v` ({"layers", "0"} for self.layers[0] of an
// nn.ModuleList), or nothing when v is no submodule reached by attributes.
std::optional<std::vector<std::string>> module_path(const Value* v, const Value* self);

// What a module's forward passes to its convolution (aten::conv2d or aten::_convolution, with
// constant arguments). A traced Conv2d keeps only this: tracing drops the module's stride, padding,
// dilation and groups attributes.
struct ConvArguments {
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups = 1;
};
std::optional<ConvArguments> conv_arguments(const torch::jit::Module& m);

// True when m's forward calls a child module: a container to read as a chain, not a leaf layer.
bool calls_children(const torch::jit::Module& m);

}  // namespace mutagen::internal::jit_graph
