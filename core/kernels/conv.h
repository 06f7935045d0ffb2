// core/kernels/conv.h: the fast 2-D convolution kernels (no autograd).
//
// Shape legend: N batch, C input channels, O output channels, G groups,
// H×W input image, OH×OW output image, kh×kw kernel; Cg = C/G and Og = O/G are
// the channels of one group, K = Cg*kh*kw the length of one receptive field.
//
//   x      (N, C, H, W)
//   weight (O, Cg, kh, kw)
//   bias   (O)
//   out    (N, O, OH, OW)
//
// The idea (im2col): copy every receptive field of an image into a column of a
// matrix col (K, OH*OW). Then the convolution of one group is one matrix
// product, out_g (Og, OH*OW) = weight_g (Og, K) · col_g (K, OH*OW), and the
// shared sgemm does the heavy lifting. The backward passes are the two other
// products: dcol = weight_gᵀ · dout_g (then col2im scatters dcol back onto the
// image), and dweight_g += dout_g · col_gᵀ.
//
// Two fenced alternatives share this header's geometry: Winograd for 3×3
// layers with many channels (winograd.h) and register tiles for short
// receptive fields, K <= 32 (conv_small_k.h); conv2d_forward_for(g) picks.
// The textbook loops these are tested against live in core/reference/conv_naive.h.
// Every function overwrites its outputs (it never accumulates into them), and
// assumes a valid geometry: the op (core/ops/conv.cpp) checks shapes first.
#pragma once

#include <cstdint>

namespace ag {

// Everything a convolution kernel needs to know about the shapes.
struct ConvGeometry {
  int64_t N = 1, C = 1, H = 1, W = 1;  // input
  int64_t O = 1, kh = 1, kw = 1;       // weight is (O, C/groups, kh, kw)
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  int64_t OH = 1, OW = 1;  // output size: fill with conv_output_size

  int64_t in_channels_per_group() const { return C / groups; }   // Cg
  int64_t out_channels_per_group() const { return O / groups; }  // Og
  int64_t field_size() const { return C / groups * kh * kw; }    // K
};

// PyTorch's output size for one spatial dim:
//   out = floor((in + 2*pad - dilation*(k-1) - 1) / stride) + 1
// It is < 1 when the (dilated) kernel is larger than the padded input.
inline int64_t conv_output_size(int64_t in, int64_t k, int64_t stride, int64_t pad,
                                int64_t dilation) {
  int64_t span = in + 2 * pad - dilation * (k - 1) - 1;  // may be negative
  if (span < 0) return 0;
  return span / stride + 1;
}

// Fill g.OH and g.OW from the other fields.
void conv_fill_output_size(ConvGeometry& g);

// img (Cg, H, W) -> col (K, OH*OW): row (c, i, j) of col holds, for every
// output position, the input pixel the kernel tap (i, j) of channel c sees
// there (0 where it falls in the padding).
void im2col(const ConvGeometry& g, const float* img, float* col);
// img (Cg, H, W) -> padded (Cg, H + 2·pad_h, W + 2·pad_w), zeros around it:
// every receptive field lies inside, so im2col_row needs no bounds checks.
int64_t padded_image_size(const ConvGeometry& g);
void pad_image(const ConvGeometry& g, const float* img, float* padded);
// One row of im2col's matrix from the padded image, tap = (c, i, j), columns
// p0 .. p0+n-1 only, into out[0 : n]: what the fast conv packs straight into
// the gemm's panel (and what im2col writes row by row).
void im2col_row(const ConvGeometry& g, const float* padded, int64_t tap, int64_t p0, int64_t n,
                float* out);
// The adjoint of im2col: img (Cg, H, W) = sum of every col entry onto the
// pixel it was copied from. Overwrites img.
void col2im(const ConvGeometry& g, const float* col, float* img);

// out = conv(x, weight) + bias. bias may be null. The fast path: the
// weight packed once, col's rows computed into the gemm's panel as needed.
void conv2d_forward(const ConvGeometry& g, const float* x, const float* weight, const float* bias,
                    float* out);
// What the eval fused conv (nn/fold_batch_norm.cpp) does to its output after
// the bias, in the same pass (the gemm's Epilogue, gemm.h): + residual (N, O,
// OH, OW) when not null, then max(., 0) when relu.
struct ConvEpilogue {
  const float* residual = nullptr;
  bool relu = false;
};
// out = act(conv(x, weight) + bias + residual), each tile finished in registers.
void conv2d_forward_fused(const ConvGeometry& g, const float* x, const float* weight,
                          const float* bias, const ConvEpilogue& then, float* out);
// dx (N, C, H, W) from dout (N, O, OH, OW).
void conv2d_backward_input(const ConvGeometry& g, const float* dout, const float* weight,
                           float* dx);
// dbias[o] = dout (N, O, plane) summed over the batch and the plane, in a
// fixed order per o (shared by conv2d and conv_transpose2d).
void conv_bias_backward(const float* dout, int64_t N, int64_t O, int64_t plane, float* dbias);
// dweight (O, Cg, kh, kw) and dbias (O) from dout and x. Either may be null
// (not wanted).
void conv2d_backward_weight(const ConvGeometry& g, const float* dout, const float* x,
                            float* dweight, float* dbias);

}  // namespace ag
