// Reads a TorchScript forward as a chain of layers (jit_chain.h). The forward graph is walked in
// order, following one tensor, the "current" value: a child module call on it is a layer, a
// functional step on it (a node whose only tensor input is the current value and whose output is a
// tensor) is a layer too, built as a small module whose forward is a copy of that node and of the
// constants, sizes and lists it reads. Anything else that touches a tensor (a second branch, a
// residual sum, a value kept from an earlier step) means the forward is no chain from its input;
// then the walk is tried again from values nearer the output, the part before becoming one layer.
#include "jit_chain.h"

#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "jit_graph.h"

namespace mutagen::internal {
namespace {

using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;
using namespace jit_graph;

constexpr const char* kFunctionalPrefix = "__torch__.mutagen.functional.";

struct NotChain : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ChainReader {
 public:
  explicit ChainReader(const torch::jit::Module& module) : module_(module) {}

  // Appends the chain of module_ to `out`, names prefixed with `prefix`. Throws NotChain.
  void read(const std::string& prefix, JitChain& out) {
    load_graph();
    walk(graph_->inputs()[1], nullptr, prefix, out);
  }

  // For a forward that is no chain from its input but ends in one (a residual network's pooling,
  // flatten and classifier): everything up to where that chain starts becomes one layer, a small
  // module running that part of the graph, and the chain's steps follow as layers. Throws
  // NotChain when not even the last step is a chain step.
  void read_tail(JitChain& out) {
    load_graph();
    // The values a chain could start from, walking back from the output along each step's data
    // input; the earliest one the rest of the forward reads as a chain from wins.
    std::vector<Value*> starts;
    for (Value* v = graph_->outputs()[0]; v != graph_->inputs()[1];) {
      Node* n = v->node();
      Value* next = nullptr;
      if (n->kind() == c10::prim::CallMethod && n->inputs().size() == 2 &&
          module_path(n->input(0), self_))
        next = n->input(1);
      else if (n->outputs().size() == 1 && n->inputs().size() > data_input(n) &&
               is_tensor(n->input(data_input(n))))
        next = n->input(data_input(n));
      if (!next || next->node()->kind() == c10::prim::Param) break;
      starts.push_back(next);
      v = next;
    }
    std::string why = "its forward ends in no chain of steps";
    for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
      JitChain tail;
      try {
        add_start(*it, tail);
        walk(*it, (*it)->node(), "", tail);
      } catch (const NotChain& e) {
        why = e.what();
        step_count_.clear();
        continue;
      }
      out = std::move(tail);
      return;
    }
    throw NotChain(why);
  }

 private:
  void load_graph() {
    const auto method = module_.find_method("forward");
    if (!method) throw NotChain("it has no forward method");
    graph_ = method->graph()->copy();
    torch::jit::ConstantPropagation(graph_);
    torch::jit::EliminateDeadCode(graph_);
    if (graph_->inputs().size() != 2)
      throw NotChain("its forward takes " + std::to_string(graph_->inputs().size() - 1) +
                     " inputs, expected one tensor");
    if (graph_->outputs().size() != 1) throw NotChain("its forward returns several values");
    self_ = graph_->inputs()[0];
  }

  // Reads the steps from `current` on to the output; the nodes up to and including `after` (the
  // node that made `current`, nullptr: from the graph's start) are the caller's.
  void walk(Value* current, const Node* after, const std::string& prefix, JitChain& out) {
    bool started = after == nullptr;
    for (Node* node : graph_->nodes()) {
      if (!started) {
        started = node == after;
        continue;
      }
      const auto kind = node->kind();
      if (kind == c10::prim::Constant) continue;
      // Attributes are read where they are used; submodules where they are called.
      if (kind == c10::prim::GetAttr &&
          (node->input(0) == self_ || module_path(node->input(0), self_)))
        continue;
      const auto child =
          kind == c10::prim::CallMethod ? module_path(node->input(0), self_) : std::nullopt;
      if (child && node->s(c10::attr::name) == "forward" && node->inputs().size() == 2 &&
          node->input(1) == current) {
        add_child(*child, prefix, out);
        current = node->output();
        continue;
      }
      const bool tensor_out = node->outputs().size() == 1 && is_tensor(node->output());
      const size_t x = data_input(node);
      if (tensor_out && node->inputs().size() > x && node->input(x) == current) {
        add_step(node, current, prefix, out);
        current = node->output();
        continue;
      }
      // A traced size goes through a tensor (prim::NumToTensor): a number, not a step.
      if (kind == c10::prim::NumToTensor) continue;
      bool makes_tensor = false;
      for (const Value* o : node->outputs()) makes_tensor |= is_tensor(o) || is_module_value(o);
      if (makes_tensor || !node->blocks().empty())
        throw NotChain("its forward does more than pass one tensor from step to step: " +
                       describe(node));
      // A size, list or number a later step reads: add_step copies it (and checks what it reads).
    }
    if (graph_->outputs()[0] != current)
      throw NotChain("its forward does not return the result of its last step");
  }

  // The part of the forward that computes `start` from the input, as one layer: a module whose
  // children are the model's children it calls (the same modules, so the same weights) and whose
  // forward is a copy of those nodes. Named after the step that makes `start` ("F.add").
  void add_start(Value* start, JitChain& out) {
    auto cu = std::make_shared<torch::jit::CompilationUnit>();
    torch::jit::Module layer = new_layer("Functional", cu);
    auto g = std::make_shared<Graph>();
    Value* layer_self = g->addInput("self")->setType(layer.type());
    Value* x = g->addInput("x")->setType(c10::TensorType::get());
    std::unordered_map<Value*, Value*> env{{graph_->inputs()[1], x}};
    std::function<Value*(Value*)> copy = [&](Value* v) -> Value* {
      if (const auto it = env.find(v); it != env.end()) return it->second;
      Node* n = v->node();
      if (v == self_ || n->kind() == c10::prim::Param)
        throw NotChain("its forward passes the module itself on: " + describe(n));
      Node* clone = nullptr;
      if (n->kind() == c10::prim::GetAttr && n->input(0) == self_) {
        clone = g->createGetAttr(layer_self, share_attribute(v, layer));  // children too
      } else {
        clone = g->createClone(n, copy);
      }
      g->insertNode(clone);
      for (size_t i = 0; i < n->outputs().size(); ++i) env[n->output(i)] = clone->output(i);
      return env.at(v);
    };
    g->registerOutput(copy(start));
    set_forward(g, *cu, layer);
    const std::string op = op_name(start->node());
    out.layers.push_back(layer);
    out.names.push_back("F." + (op == "forward" ? std::string("start") : op));
    ++step_count_[out.names.back()];
  }

  void add_child(const std::vector<std::string>& attrs, const std::string& prefix, JitChain& out) {
    std::string path = prefix;
    torch::jit::Module child = module_;
    for (const std::string& attr : attrs) {
      path += (path.empty() ? "" : ".") + attr;
      child = child.attr(attr).toModule();
    }
    if (calls_children(child)) {
      JitChain inner;
      try {
        ChainReader(child).read(path, inner);
        out.layers.insert(out.layers.end(), inner.layers.begin(), inner.layers.end());
        out.names.insert(out.names.end(), inner.names.begin(), inner.names.end());
        return;
      } catch (const NotChain&) {
        // A block that is no chain (a residual block, say) stays one layer of the outer chain.
      }
    }
    out.layers.push_back(child);
    out.names.push_back(path);
  }

  // A functional step as a layer: a module of its own, forward(self, x) = the step on x.
  void add_step(Node* step, Value* current, const std::string& prefix, JitChain& out) {
    const std::string op = op_name(step);
    const std::string kind = kind_of(op, step);
    auto cu = std::make_shared<torch::jit::CompilationUnit>();
    torch::jit::Module layer = new_layer(kind, cu);
    auto g = std::make_shared<Graph>();
    Value* layer_self = g->addInput("self")->setType(layer.type());
    Value* x = g->addInput("x")->setType(c10::TensorType::get());
    std::unordered_map<Value*, Value*> env{{current, x}};
    std::function<Value*(Value*)> copy = [&](Value* v) -> Value* {
      if (const auto it = env.find(v); it != env.end()) return it->second;
      Node* n = v->node();
      Node* clone = nullptr;
      if (n->kind() == c10::prim::GetAttr && n->input(0) == self_) {
        if (is_module_value(v))
          throw NotChain("step " + describe(step) + " reads the child module '" +
                         n->s(c10::attr::name) + "'");
        clone = g->createGetAttr(layer_self, share_attribute(v, layer));
      } else if (n == step || n->kind() == c10::prim::Constant ||
                 (n->blocks().empty() && (!is_tensor(v) || n->kind() == c10::prim::NumToTensor))) {
        // The step itself, and the constants, sizes and lists it reads.
        clone = g->createClone(n, copy);
      } else {
        throw NotChain("step " + describe(step) + " reads a tensor of an earlier step");
      }
      g->insertNode(clone);
      for (size_t i = 0; i < n->outputs().size(); ++i) env[n->output(i)] = clone->output(i);
      return env.at(v);
    };
    g->registerOutput(copy(step->output()));
    torch::jit::Inline(*g);
    torch::jit::ConstantPropagation(g);
    torch::jit::EliminateDeadCode(g);
    set_forward(g, *cu, layer);
    if (kind == "MaxPool2d") describe_pooling(step, layer);

    const std::string base = (prefix.empty() ? "" : prefix + ".") + "F." + op;
    const int count = ++step_count_[base];
    out.layers.push_back(layer);
    out.names.push_back(count == 1 ? base : base + "#" + std::to_string(count));
  }

  // A layer jit_chain makes (functional step or start), reporting `kind`, with its own
  // train/eval flag (set_functional_training).
  torch::jit::Module new_layer(const std::string& kind,
                               const std::shared_ptr<torch::jit::CompilationUnit>& cu) const {
    torch::jit::Module layer(c10::QualifiedName(kFunctionalPrefix + kind), cu,
                             /*shouldMangle=*/true);
    if (!layer.hasattr("training"))
      layer.register_attribute("training", c10::BoolType::get(), module_.is_training());
    return layer;
  }

  // What `v` = self.<name> of the model reads, given to `layer` under the same name: the same
  // child module or parameter tensor (so the model's weights are the layer's), a copy of another
  // attribute; the train/eval flag is the layer's own. Returns the name.
  std::string share_attribute(const Value* v, torch::jit::Module& layer) const {
    const std::string name = v->node()->s(c10::attr::name);
    if (name == "training" || layer.hasattr(name)) return name;
    const c10::IValue value = module_.attr(name);
    const auto slot = module_.type()->findAttributeSlot(name);
    if (is_module_value(v))
      layer.register_module(name, value.toModule());
    else if (value.isTensor() && slot && module_.type()->is_parameter(*slot))
      layer.register_parameter(name, value.toTensor(), false);
    else
      layer.register_attribute(name, v->type(), value);
    return name;
  }

  // `g` (self, x) as the layer's forward. An in-place step (F.relu(x, inplace=True) inlines to
  // aten::relu_) marks the layer like an nn.ReLU(inplace=True): Model runs it on a copy of its
  // caller's tensor.
  static void set_forward(const std::shared_ptr<Graph>& g, torch::jit::CompilationUnit& cu,
                          torch::jit::Module& layer) {
    const auto nodes = g->nodes();
    if (std::any_of(nodes.begin(), nodes.end(), [](const Node* n) {
          const std::string name = n->kind().toUnqualString();
          return n->kind().is_aten() && !name.empty() && name.back() == '_';
        }))
      layer.register_attribute("inplace", c10::BoolType::get(), true);
    layer.type()->addMethod(
        cu.create_function(c10::QualifiedName(*layer.type()->name(), "forward"), g));
  }

  // F.max_pool2d's constant arguments as the attributes nn.MaxPool2d has, so that the fast
  // pooling (max_pool.h) recognises a plain one.
  static void describe_pooling(const Node* step, torch::jit::Module& layer) {
    const size_t x = data_input(step);
    if (step->inputs().size() < x + 6) return;
    const auto kernel = constant_ints(step->input(x + 1));
    auto stride = constant_ints(step->input(x + 2));
    const auto padding = constant_ints(step->input(x + 3));
    const auto dilation = constant_ints(step->input(x + 4));
    const auto ceil = torch::jit::toIValue(step->input(x + 5));
    // F.max_pool2d's stride=None (an empty list once traced) means the kernel size.
    const auto stride_value = torch::jit::toIValue(step->input(x + 2));
    if ((stride && stride->empty()) || (stride_value && stride_value->isNone())) stride = kernel;
    if (!kernel || !stride || !padding || !dilation || !ceil || !ceil->isBool()) return;
    const auto ints = c10::ListType::ofInts();
    layer.register_attribute("kernel_size", ints, c10::List<int64_t>(*kernel));
    layer.register_attribute("stride", ints, c10::List<int64_t>(*stride));
    layer.register_attribute("padding", ints, c10::List<int64_t>(*padding));
    layer.register_attribute("dilation", ints, c10::List<int64_t>(*dilation));
    layer.register_attribute("ceil_mode", c10::BoolType::get(), ceil->toBool());
  }

  const torch::jit::Module& module_;
  std::shared_ptr<Graph> graph_;
  Value* self_ = nullptr;
  std::map<std::string, int> step_count_;
};

}  // namespace

JitChain jit_chain(const torch::jit::Module& module) {
  JitChain chain;
  try {
    if (!calls_children(module)) throw NotChain("its forward calls no child module");
    ChainReader(module).read("", chain);
  } catch (const NotChain& e) {
    chain.layers.clear();
    chain.names.clear();
    chain.why_not = e.what();
    // It may still end in a chain, after one layer for everything before it.
    try {
      JitChain tail;
      ChainReader(module).read_tail(tail);
      tail.why_not = chain.why_not;
      tail.opaque_start = true;
      chain = std::move(tail);
    } catch (const NotChain&) {
    }
  }
  return chain;
}

bool is_functional_layer(const torch::jit::Module& layer) {
  const auto name = layer.type()->name();
  return name && name->qualifiedName().rfind(kFunctionalPrefix, 0) == 0;
}

void set_functional_training(torch::jit::Module& layer, bool on) {
  if (is_functional_layer(layer)) layer.setattr("training", on);
}

}  // namespace mutagen::internal
