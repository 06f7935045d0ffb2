// core/kernels/conv_small_k.h: convolutions with a short receptive field
// (K = Cg·kh·kw small, such as a network's first layer on RGB images: C = 3,
// 3×3, K = 27). A fenced fast path: conv2d reads the same with or without it
// (conv2d_forward_for / conv2d_backward_weight_for pick it).
//
// Shape legend (as conv.h): N batch, C input / O output channels, G groups
// with Cg = C/G and Og = O/G, H×W input, OH×OW output, kh×kw kernel,
// K = Cg·kh·kw, P = OH·OW output positions; L = the lanes of one vector
// register (16 floats with AVX-512).
//
//   x      (N, C, H, W)       col    (K, P)  one image's receptive fields (im2col)
//   weight (O, Cg, kh, kw)    out_g  (Og, P) = weight_g (Og, K) · col (K, P)
//
// Why a path of its own: with K = 27 the blocked sgemm has almost nothing
// to sum over. It packs its panels, loads its accumulator tile, runs 27
// multiply-adds per accumulator and writes the tile back: the packing and
// the tile's trips through memory cost as much as the arithmetic. Here the
// whole sum over K runs inside one register tile (a few output channels ×
// a few vectors of L output pixels), each weight broadcast from where it
// lies, each column vector of col read once per tile, and the bias is the
// tile's starting value. col is built a block of pixels at a time (K × a few
// vectors, a few KB) by conv.h's im2col_row, so it never leaves the L1 cache.
//
// The weight gradient has the same short side: dweight_g (Og, K) =
// Σ over images dout_g (Og, P) · colᵀ (P, K), a long sum over P for each of
// only Og·K numbers. Each (o, k) keeps a vector of L partial sums, updated
// image after image, and the L lanes are added once at the end.
//
// The textbook twin is the direct seven loops, core/reference/conv_naive.h
// (AG_KERNELS=naive runs it); tests/kernels/test_conv_small_k.cpp holds them
// equal over random shapes, 1 and 2 threads.
#pragma once

#include "core/kernels/conv.h"

namespace ag {

// The longest receptive field this path takes (the tiles keep K offsets in a
// fixed array of this size). Up to it the path beats the blocked sgemm
// (measured in conv_small_k.cpp); above it, the longer the sum over K, the
// better the sgemm amortises its packing.
constexpr int64_t kSmallFieldMax = 32;

// True when g's receptive field is short enough (K <= kSmallFieldMax) and
// there is an output to write.
bool small_k_applies(const ConvGeometry& g);

// Same contract as conv2d_forward (conv.h): out = conv(x, weight) + bias, bias
// may be null, out overwritten. Both kernels need small_k_applies(g).
void small_k_conv2d_forward(const ConvGeometry& g, const float* x, const float* weight,
                            const float* bias, float* out);

// Same contract as conv2d_backward_weight (conv.h): dweight (O, Cg, kh, kw)
// and dbias (O) from dout and x, either may be null, both overwritten.
void small_k_conv2d_backward_weight(const ConvGeometry& g, const float* dout, const float* x,
                                    float* dweight, float* dbias);

// The weight-gradient kernel for g: the small-K path where it applies,
// im2col + sgemm (conv2d_backward_weight) elsewhere.
using Conv2dBackwardWeightFn = void(const ConvGeometry& g, const float* dout, const float* x,
                                    float* dweight, float* dbias);
Conv2dBackwardWeightFn* conv2d_backward_weight_for(const ConvGeometry& g);

}  // namespace ag
