// The fast transposed convolution: conv2d's own kernels with the roles of
// input and output swapped (see conv_transpose.h), plus the bias loops.
//
// Shape legend (as conv_transpose.h): N batch, C/O input/output channels,
// H×W input, OH×OW output, kh×kw kernel.
#include "core/kernels/conv_transpose.h"

#include "core/kernels/parallel.h"

namespace ag {

void conv_transpose_fill_output_size(ConvTransposeGeometry& g) {
  g.OH = conv_transpose_output_size(g.H, g.kh, g.stride_h, g.pad_h, g.dilation_h, g.output_pad_h);
  g.OW = conv_transpose_output_size(g.W, g.kw, g.stride_w, g.pad_w, g.dilation_w, g.output_pad_w);
}

ConvGeometry as_conv_geometry(const ConvTransposeGeometry& t) {
  ConvGeometry g;
  g.N = t.N, g.C = t.O, g.H = t.OH, g.W = t.OW;  // that conv's input is our output
  g.O = t.C, g.kh = t.kh, g.kw = t.kw;  // its weight (O, Cg, kh, kw) is ours (C, Og, kh, kw)
  g.stride_h = t.stride_h, g.stride_w = t.stride_w;
  g.pad_h = t.pad_h, g.pad_w = t.pad_w;
  g.dilation_h = t.dilation_h, g.dilation_w = t.dilation_w;
  g.groups = t.groups;
  g.OH = t.H, g.OW = t.W;  // and its output our input
  return g;
}

void conv_transpose2d_forward(const ConvTransposeGeometry& g, const float* x, const float* weight,
                              const float* bias, float* out) {
  conv2d_backward_input(as_conv_geometry(g), x, weight, out);
  if (bias == nullptr) return;
  const int64_t plane = g.OH * g.OW;
  // One (n, o) output plane per index: each thread adds bias[o] to its own planes.
  parallel_for(0, g.N * g.O, 16, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const float b = bias[p % g.O];
      float* row = out + p * plane;
      for (int64_t k = 0; k < plane; ++k) row[k] += b;
    }
  });
}

void conv_transpose2d_backward_input(const ConvTransposeGeometry& g, const float* dout,
                                     const float* weight, float* dx) {
  conv2d_forward(as_conv_geometry(g), dout, weight, nullptr, dx);
}

void conv_transpose2d_backward_weight(const ConvTransposeGeometry& g, const float* dout,
                                      const float* x, float* dweight, float* dbias) {
  if (dweight != nullptr) conv2d_backward_weight(as_conv_geometry(g), x, dout, dweight, nullptr);
  if (dbias == nullptr) return;
  conv_bias_backward(dout, g.N, g.O, g.OH * g.OW, dbias);
}

}  // namespace ag
