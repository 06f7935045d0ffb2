// nn/layers/sequential.h: Sequential, a chain of one-input modules.
//
// The children are named "0", "1", ... as in PyTorch, so a shortcut built as
// Sequential(Conv2d, BatchNorm2d) saves as "shortcut.0.weight", "shortcut.1.running_mean".
#pragma once

#include <initializer_list>

#include "nn/module.h"

namespace ag::nn {

class Sequential : public UnaryModule {
 public:
  Sequential() : UnaryModule("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<UnaryModule>> modules);

  void push_back(std::shared_ptr<UnaryModule> module);
  Tensor forward(const Tensor& x) override;  // each module in order, hooks included
  size_t size() const { return layers_.size(); }
  // The i-th module (callable: seq[0](x)), or ag::Error for an index past the end.
  ModuleHolder<UnaryModule> operator[](size_t i) const;

 private:
  std::vector<ModuleHolder<UnaryModule>> layers_;
};

}  // namespace ag::nn
