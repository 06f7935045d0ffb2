// core/ops/conv_transpose.h: 2-D transposed convolution (core/ops/conv_transpose.cpp),
// PyTorch's conv_transpose2d. Shape legend as core/ops/conv.h's: N batch,
// C input channels, O output channels, H×W image, kh×kw kernel. Takes an
// unbatched (C, H, W) input too, as PyTorch.
#pragma once

#include "core/tensor.h"

namespace ag {

// conv_transpose2d: the adjoint of conv2d (its input gradient), PyTorch's
// "deconvolution". Output size per spatial dim:
//   out = (in - 1)*stride - 2*padding + dilation*(k-1) + output_padding + 1
// output_padding (0 <= it < stride or < dilation) picks among the input
// sizes a strided conv2d maps to the same output size.
struct ConvTranspose2dOptions {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t output_pad_h = 0, output_pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  ConvTranspose2dOptions& stride(int64_t s) {
    stride_h = stride_w = s;
    return *this;
  }
  ConvTranspose2dOptions& padding(int64_t p) {
    pad_h = pad_w = p;
    return *this;
  }
  ConvTranspose2dOptions& output_padding(int64_t p) {
    output_pad_h = output_pad_w = p;
    return *this;
  }
  ConvTranspose2dOptions& dilation(int64_t d) {
    dilation_h = dilation_w = d;
    return *this;
  }
  ConvTranspose2dOptions& group_count(int64_t g) {
    groups = g;
    return *this;
  }
};

// x: (N, C, H, W) or (C, H, W), weight: (C, O/groups, kh, kw) (PyTorch's
// layout: input channels first), bias: (O) or undefined -> (N, O, OH, OW).
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
                        const ConvTranspose2dOptions& options = ConvTranspose2dOptions());

}  // namespace ag
