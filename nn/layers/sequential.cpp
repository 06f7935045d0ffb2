// nn/layers/sequential.cpp
#include "nn/layers/sequential.h"

#include <string>

namespace ag::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<UnaryModule>> modules) : Sequential() {
  for (const auto& m : modules) push_back(m);
}

void Sequential::push_back(std::shared_ptr<UnaryModule> module) {
  layers_.push_back(register_module(std::to_string(layers_.size()), std::move(module)));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor out = x;
  for (auto& layer : layers_) out = layer(out);
  return out;
}

ModuleHolder<UnaryModule> Sequential::operator[](size_t i) const {
  if (i >= layers_.size())
    fail("Sequential: index ", i, " is out of range for ", layers_.size(), " modules");
  return layers_[i];
}

}  // namespace ag::nn
