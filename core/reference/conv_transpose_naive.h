// core/reference/conv_transpose_naive.h: the transposed convolution as the
// textbook writes it, by scattering.
//
// Shape legend: N batch, C/O input/output channels, G groups (Cg = C/G and
// Og = O/G per group), H×W input, OH×OW output, kh×kw kernel. Shapes are
// described by ag::ConvTransposeGeometry (core/kernels/conv_transpose.h).
//
//   out[n, o, oh, ow] = bias[o] + sum over every (c, ih, iw, i, j) with
//       oh = ih*stride_h - pad_h + i*dilation_h,  ow = iw*stride_w - pad_w + j*dilation_w
//   of x[n, c, ih, iw] * weight[c, o - g*Og, i, j], where c = g*Cg + (c mod Cg)
//   and o are in the same group g; positions outside the output are dropped.
//
// Seven loops over the input side (batch, input channel, input row and column,
// output channel of its group, kernel row and column), one multiply-add at the
// bottom: written independently of conv2d, so the tests that hold the fast
// kernels (conv2d's, reused) equal to these check the reuse itself.
// All functions overwrite their outputs.
#pragma once

#include "core/kernels/conv_transpose.h"

namespace ag {

void conv_transpose2d_forward_naive(const ConvTransposeGeometry& g, const float* x,
                                    const float* weight, const float* bias, float* out);
void conv_transpose2d_backward_input_naive(const ConvTransposeGeometry& g, const float* dout,
                                           const float* weight, float* dx);
void conv_transpose2d_backward_weight_naive(const ConvTransposeGeometry& g, const float* dout,
                                            const float* x, float* dweight, float* dbias);

}  // namespace ag
