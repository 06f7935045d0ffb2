// core/ops/conv.h: 2-D convolution (cross-correlation, as PyTorch's conv2d).
//
// Shape legend: N batch, C input channels, O output channels, H×W image,
// kh×kw kernel. Output size per spatial dim, as PyTorch:
//   out = floor((in + 2*padding - dilation*(k-1) - 1) / stride) + 1
#pragma once

#include "core/tensor.h"

namespace ag {

struct Conv2dOptions {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  Conv2dOptions& stride(int64_t s) { stride_h = stride_w = s; return *this; }
  Conv2dOptions& padding(int64_t p) { pad_h = pad_w = p; return *this; }
  Conv2dOptions& dilation(int64_t d) { dilation_h = dilation_w = d; return *this; }
  Conv2dOptions& group_count(int64_t g) { groups = g; return *this; }
};

// x: (N, C, H, W), weight: (O, C/groups, kh, kw), bias: (O) or undefined.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv2dOptions& options = Conv2dOptions());

}  // namespace ag
