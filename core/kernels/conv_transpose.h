// core/kernels/conv_transpose.h: the transposed 2-D convolution (no autograd).
//
// Shape legend: N batch, C input channels, O output channels, G groups
// (Cg = C/G and Og = O/G per group), H×W input, OH×OW output, kh×kw kernel.
//
//   x      (N, C, H, W)
//   weight (C, Og, kh, kw)        PyTorch's layout: input channels first
//   bias   (O)
//   out    (N, O, OH, OW),  OH = (H-1)*stride_h - 2*pad_h + dilation_h*(kh-1) + output_pad_h + 1
//
// Each input pixel scatters a weighted copy of the kernel onto the output:
//   out[n, o, ih*stride_h - pad_h + i*dilation_h, iw*stride_w - pad_w + j*dilation_w]
//       += x[n, c, ih, iw] * weight[c, o - g*Og, i, j]    (c, o in the same group g)
// which is exactly what conv2d's input gradient does with dout. So the fast
// kernels here are conv2d's kernels (core/kernels/conv.h) on the geometry of
// "the conv2d whose input gradient this is" (as_conv_geometry), with roles swapped:
//   forward          = conv2d_backward_input  (then + bias)
//   backward input   = conv2d_forward         (dx is the conv2d of dout)
//   backward weight  = conv2d_backward_weight (with x as that conv's dout)
// The textbook loops are in core/reference/conv_transpose_naive.h.
// Every function overwrites its outputs and trusts the geometry
// (core/ops/conv_transpose.cpp checks the shapes first).
#pragma once

#include <cstdint>

#include "core/kernels/conv.h"

namespace ag {

struct ConvTransposeGeometry {
  int64_t N = 1, C = 1, H = 1, W = 1;  // input
  int64_t O = 1, kh = 1, kw = 1;       // weight is (C, O/groups, kh, kw)
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t output_pad_h = 0, output_pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  int64_t OH = 1, OW = 1;  // output size: fill with conv_transpose_fill_output_size

  int64_t in_channels_per_group() const { return C / groups; }   // Cg
  int64_t out_channels_per_group() const { return O / groups; }  // Og
};

// PyTorch's output size for one spatial dim (may be < 1 for a bad geometry):
//   out = (in - 1)*stride - 2*pad + dilation*(k-1) + output_pad + 1
inline int64_t conv_transpose_output_size(int64_t in, int64_t k, int64_t stride, int64_t pad,
                                          int64_t dilation, int64_t output_pad) {
  return (in - 1) * stride - 2 * pad + dilation * (k - 1) + output_pad + 1;
}
void conv_transpose_fill_output_size(ConvTransposeGeometry& g);

// The conv2d that maps (N, O, OH, OW) to (N, C, H, W) with weight (C, Og, kh, kw):
// its input is our output, its output our input. Its OH×OW is set to our H×W:
// when output_pad >= stride (allowed if < dilation) the conv2d formula gives
// more, windows with no input pixel behind them, which are left out.
ConvGeometry as_conv_geometry(const ConvTransposeGeometry& g);

// out = conv_transpose(x, weight) + bias. bias may be null.
void conv_transpose2d_forward(const ConvTransposeGeometry& g, const float* x, const float* weight,
                              const float* bias, float* out);
// dx (N, C, H, W) from dout (N, O, OH, OW).
void conv_transpose2d_backward_input(const ConvTransposeGeometry& g, const float* dout,
                                     const float* weight, float* dx);
// dweight (C, Og, kh, kw) and dbias (O) from dout and x; either may be null.
void conv_transpose2d_backward_weight(const ConvTransposeGeometry& g, const float* dout,
                                      const float* x, float* dweight, float* dbias);

}  // namespace ag
