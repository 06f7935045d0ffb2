// nn/layers/conv.h: Conv2d, the module around ag::conv2d.
//
// Shape legend: N batch, C in_channels, O out_channels, H×W image, k×k kernel.
//   x: (N, C, H, W) -> (N, O, H', W'),  H' = (H + 2·pad - dil·(k-1) - 1) / stride + 1
#pragma once

#include "core/ops/conv.h"
#include "nn/module.h"

namespace ag::nn {

// weight (O, C/groups, k, k), bias (O); both uniform in ±1/sqrt(C/groups·k·k)
// (kaiming_uniform with a=√5, PyTorch's default).
// Conv2d(3, 64, 3, Conv2dOptions().padding(1)) is nn.Conv2d(3, 64, kernel_size=3, padding=1).
class Conv2d : public UnaryModule {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
         const Conv2dOptions& options = Conv2dOptions(), bool bias = true);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_channels, out_channels, kernel_size;
  Conv2dOptions options;
  Tensor weight, bias;  // bias undefined when built with bias = false
};

}  // namespace ag::nn
