// core/reference/conv_naive.h: convolution as the textbook writes it.
//
// Shape legend: N batch, C/O input/output channels, G groups (Cg = C/G input
// and Og = O/G output channels per group), H×W input, OH×OW output, kh×kw
// kernel. Shapes are described by ag::ConvGeometry (core/kernels/conv.h).
//
//   out[n, o, oh, ow] = bias[o] + sum over c < Cg, i < kh, j < kw of
//       weight[o, c, i, j] * x[n, g*Cg + c, oh*stride_h - pad_h + i*dilation_h,
//                                              ow*stride_w - pad_w + j*dilation_w]
//   where g = o / Og is the group of output channel o, and pixels outside the
//   image (the padding) read as 0.
//
// Seven nested loops, one multiply-add at the bottom: slow, obviously right,
// and the yardstick the fast im2col kernels are tested against. Each backward
// loop walks the same seven indices and sends the gradient of that one
// multiply-add where it came from. All functions overwrite their outputs.
#pragma once

#include "core/kernels/conv.h"

namespace ag {

void conv2d_forward_naive(const ConvGeometry& g, const float* x, const float* weight,
                          const float* bias, float* out);
void conv2d_backward_input_naive(const ConvGeometry& g, const float* dout, const float* weight,
                                 float* dx);
void conv2d_backward_weight_naive(const ConvGeometry& g, const float* dout, const float* x,
                                  float* dweight, float* dbias);

}  // namespace ag
