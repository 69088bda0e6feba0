// Model::layer_conv_geometry: a Conv2d layer's stride, padding, dilation and groups, from a C++
// module's options, a scripted module's attributes or, for a traced module (tracing drops those
// attributes), the convolution call in its forward graph.
#include <string>

#include "jit_graph.h"
#include "model_impl.h"
#include "mutagen/error.h"
#include "mutagen/model.h"

namespace mutagen {

using internal::checked;

namespace {

std::array<int64_t, 2> pair_of(const c10::IValue& v, const std::string& what) {
  if (v.isInt()) return {v.toInt(), v.toInt()};
  if (v.isTuple()) {
    const auto& e = v.toTupleRef().elements();
    if (e.size() == 2 && e[0].isInt() && e[1].isInt()) return {e[0].toInt(), e[1].toInt()};
  }
  if (v.isIntList()) {
    const auto l = v.toIntVector();
    if (l.size() == 2) return {l[0], l[1]};
  }
  throw Error(what + ": expected an int or a pair of ints");
}

}  // namespace

ConvGeometry Model::layer_conv_geometry(int64_t k) const {
  auto& m = checked(impl_);
  m.check_layer(k, "Model::layer_conv_geometry");
  const std::string where =
      "layer " + std::to_string(k) + " ('" + m.layer_name(k) + "') of " + m.describe();
  if (m.layer_kind(k) != "Conv2d")
    throw Error(where + " is a " + m.layer_kind(k) + ", expected a Conv2d");
  ConvGeometry g;
  if (m.is_jit) {
    const auto& layer = m.jit_layers[static_cast<size_t>(k)];
    const auto type = layer.type();
    // A traced Conv2d has no such attributes: its forward graph's convolution call has them.
    const auto traced = internal::jit_graph::conv_arguments(layer);
    auto read = [&](const std::string& name) -> c10::IValue {
      if (type->hasConstant(name)) return type->getConstant(name);
      if (layer.hasattr(name)) return layer.attr(name);
      if (traced && name == "groups") return traced->groups;
      if (traced)
        return name == "stride"    ? traced->stride
               : name == "padding" ? traced->padding
                                   : traced->dilation;
      throw Error(where + ": the TorchScript Conv2d has no '" + name +
                  "' and its forward calls no convolution with constant arguments; expected an "
                  "nn.Conv2d (scripted or traced)");
    };
    g.stride = pair_of(read("stride"), where + " stride");
    const c10::IValue padding = read("padding");
    if (padding.isString())
      throw Error(where + ": padding '" + padding.toStringRef() +
                  "' is not supported, expected explicit integer padding");
    g.padding = pair_of(padding, where + " padding");
    g.dilation = pair_of(read("dilation"), where + " dilation");
    const c10::IValue groups = read("groups");
    g.groups = groups.isInt() ? groups.toInt() : 1;
    return g;
  }
  const auto conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(
      m.seq_layers()[static_cast<size_t>(k)].module);
  if (!conv) throw Error(where + " is not a torch::nn::Conv2d");
  const auto& o = conv->options;
  g.stride = {(*o.stride())[0], (*o.stride())[1]};
  g.dilation = {(*o.dilation())[0], (*o.dilation())[1]};
  g.groups = o.groups();
  const auto* padding = c10::get_if<torch::ExpandingArray<2>>(&o.padding());
  if (!padding) throw Error(where + ": string padding is not supported, expected explicit padding");
  g.padding = {(**padding)[0], (**padding)[1]};
  return g;
}

}  // namespace mutagen
