// Reading a TorchScript graph's nodes (jit_graph.h).
#include "jit_graph.h"

#include <torch/csrc/jit/ir/constants.h>

#include <map>
#include <sstream>

namespace mutagen::internal::jit_graph {

// "aten::add(%h, %12) # model.py:14:15", for error messages.
std::string describe(const Node* node) {
  std::ostringstream out;
  out << *node;
  std::string s = out.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  const auto eq = s.find(" = ");
  return eq == std::string::npos ? s : s.substr(eq + 3);
}

bool is_module_value(const Value* v) {
  const auto cls = v->type()->cast<c10::ClassType>();
  return cls && cls->is_module();
}

bool is_tensor(const Value* v) { return v->type()->isSubtypeOf(*c10::TensorType::get()); }

// The name of the function or operator a step calls: "relu", "_max_pool2d", "view".
std::string op_name(const Node* node) {
  if (node->kind() == c10::prim::CallFunction) {
    const Node* fn = node->input(0)->node();
    if (fn->kind() == c10::prim::Constant && fn->hasAttribute(c10::attr::name))
      return fn->s(c10::attr::name);
    return "function";
  }
  return node->kind().toUnqualString();
}

// Index of a step's tensor argument (a CallFunction's first input is the function).
size_t data_input(const Node* node) { return node->kind() == c10::prim::CallFunction ? 1 : 0; }

std::optional<int64_t> constant_int(const Value* v) {
  const auto iv = torch::jit::toIValue(v);
  if (iv && iv->isInt()) return iv->toInt();
  return std::nullopt;
}

std::optional<std::vector<int64_t>> constant_ints(const Value* v) {
  if (const auto iv = torch::jit::toIValue(v); iv && iv->isIntList()) return iv->toIntVector();
  if (v->node()->kind() != c10::prim::ListConstruct) return std::nullopt;
  std::vector<int64_t> out;
  for (const Value* e : v->node()->inputs()) {
    const auto i = constant_int(e);
    if (!i) return std::nullopt;
    out.push_back(*i);
  }
  return out;
}

// The layer kind a functional step stands for, as a module of that kind would report it, so that
// the code that reasons about layer kinds (fast pooling, Arachne's channel-wise shortcuts,
// recognising a trailing softmax) treats F.relu like nn.ReLU; "Functional" for anything else.
std::string kind_of(const std::string& op, const Node* node) {
  static const std::map<std::string, std::string> kKinds = {
      {"relu", "ReLU"},
      {"relu_", "ReLU"},
      {"leaky_relu", "LeakyReLU"},
      {"elu", "ELU"},
      {"gelu", "GELU"},
      {"tanh", "Tanh"},
      {"sigmoid", "Sigmoid"},
      {"silu", "SiLU"},
      {"mish", "Mish"},
      {"relu6", "ReLU6"},
      {"hardtanh", "Hardtanh"},
      {"hardswish", "Hardswish"},
      {"hardsigmoid", "Hardsigmoid"},
      {"softplus", "Softplus"},
      {"selu", "SELU"},
      {"celu", "CELU"},
      {"adaptive_avg_pool2d", "AdaptiveAvgPool2d"},
      {"max_pool2d", "MaxPool2d"},
      {"_max_pool2d", "MaxPool2d"},
      {"avg_pool2d", "AvgPool2d"},
      {"dropout", "Dropout"},
      {"dropout_", "Dropout"},
      {"dropout2d", "Dropout2d"},
      {"feature_dropout", "Dropout2d"},
      {"softmax", "Softmax"},
      {"log_softmax", "LogSoftmax"}};
  const size_t x = data_input(node);
  // A softmax over the classes of [N, classes] ends a classifier; over another dim it is a step.
  if ((op == "softmax" || op == "log_softmax") &&
      (node->inputs().size() <= x + 1 || (constant_int(node->input(x + 1)) != int64_t{1} &&
                                          constant_int(node->input(x + 1)) != int64_t{-1})))
    return "Functional";
  if (const auto it = kKinds.find(op); it != kKinds.end()) return it->second;
  // torch.flatten(x, 1) and x.view(x.size(0), -1) / x.reshape(x.size(0), -1): nn.Flatten().
  if (op == "flatten" && node->inputs().size() == x + 3 &&
      constant_int(node->input(x + 1)) == int64_t{1} &&
      constant_int(node->input(x + 2)) == int64_t{-1})
    return "Flatten";
  if ((op == "view" || op == "reshape") && node->inputs().size() == x + 2) {
    const Node* shape = node->input(x + 1)->node();
    if (shape->kind() == c10::prim::ListConstruct && shape->inputs().size() == 2 &&
        constant_int(shape->input(1)) == int64_t{-1}) {
      const Node* size = shape->input(0)->node();
      // A traced x.size(0) comes back through a tensor: aten::Int(prim::NumToTensor(size)).
      if (size->kind() == c10::aten::Int &&
          size->input(0)->node()->kind() == c10::prim::NumToTensor)
        size = size->input(0)->node()->input(0)->node();
      if (size->kind() == c10::aten::size && size->inputs().size() == 2 &&
          size->input(0) == node->input(x) && constant_int(size->input(1)) == int64_t{0})
        return "Flatten";
    }
  }
  return "Functional";
}

// The attribute path from `self` to the module value `v` ({"layers", "0"} for self.layers[0] of an
// nn.ModuleList), or nothing when v is no submodule reached by attributes.
std::optional<std::vector<std::string>> module_path(const Value* v, const Value* self) {
  std::vector<std::string> path;
  for (const Value* at = v; at != self; at = at->node()->input(0)) {
    if (at->node()->kind() != c10::prim::GetAttr || !is_module_value(at)) return std::nullopt;
    path.insert(path.begin(), at->node()->s(c10::attr::name));
  }
  if (path.empty()) return std::nullopt;
  return path;
}

// True when m's forward calls a child module: a container to read as a chain, not a leaf layer.
bool calls_children(const torch::jit::Module& m) {
  const auto method = m.find_method("forward");
  if (!method) return false;
  const Value* self = method->graph()->inputs()[0];
  for (const Node* node : method->graph()->nodes())
    if (node->kind() == c10::prim::CallMethod && module_path(node->input(0), self)) return true;
  return false;
}

std::optional<ConvArguments> conv_arguments(const torch::jit::Module& m) {
  const auto forward = m.find_method("forward");
  if (!forward) return std::nullopt;
  for (const Node* node : forward->graph()->nodes()) {
    // aten::conv2d(input, weight, bias, stride, padding, dilation, groups);
    // aten::_convolution(input, weight, bias, stride, padding, dilation, transposed,
    // output_padding, groups, ...)
    const bool conv2d = node->kind() == c10::Symbol::fromQualString("aten::conv2d");
    if (!conv2d && node->kind() != c10::Symbol::fromQualString("aten::_convolution")) continue;
    if (node->inputs().size() < (conv2d ? 7u : 9u)) return std::nullopt;
    const auto stride = constant_ints(node->input(3));
    const auto padding = constant_ints(node->input(4));
    const auto dilation = constant_ints(node->input(5));
    const auto groups = constant_int(node->input(conv2d ? 6 : 8));
    if (!stride || !padding || !dilation || !groups) return std::nullopt;
    return ConvArguments{*stride, *padding, *dilation, *groups};
  }
  return std::nullopt;
}

}  // namespace mutagen::internal::jit_graph
