// core/kernels/winograd.h: 3×3 convolutions by Winograd's minimal filtering,
// F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016). A fenced fast path: conv2d reads the same with or
// without it (core/ops/conv.cpp calls conv2d_forward_for(g), which picks).
//
// Shape legend (as conv.h): N batch, C input / O output channels, H×W input,
// OH×OW output; the output is cut into 2×2 tiles, tiles_h × tiles_w of them
// per image, T tiles in all; each reads a 4×4 input tile (overlapping its
// neighbours by 2). ξ (xi) is one of the 16 positions of a 4×4 tile.
//
//   x      (N, C, H, W)        V (16, C, T)  the transformed input tiles
//   weight (O, C, 3, 3)        U (16, O, C)  the transformed filters
//   out    (N, O, OH, OW)      M (16, O, T)  M[ξ] = U[ξ] · V[ξ], 16 GEMMs over C
//
// The idea: a direct 2×2 output tile of a 3×3 filter costs 4·9 = 36
// multiplies per channel pair; Winograd moves the tile and the filter into
// a basis where the convolution is an element-wise product of 16 numbers
// (2.25× fewer), and the sum over input channels of those products is 16
// ordinary matrix products that the blocked sgemm does. The transforms cost
// additions only, once per tile or filter, not per channel pair.
//
// For stride 1, dilation 1, groups 1 and a 3×3 kernel, with any padding
// (winograd_applies). Its textbook twin is core/reference/winograd_naive.h;
// with AG_KERNELS=naive the op runs the direct seven loops instead.
#pragma once

#include "core/kernels/conv.h"

namespace ag {

using Conv2dForwardFn = void(const ConvGeometry& g, const float* x, const float* weight,
                             const float* bias, float* out);
using Conv2dBackwardInputFn = void(const ConvGeometry& g, const float* dout, const float* weight,
                                   float* dx);

// Winograd computes this geometry (3×3, stride 1, dilation 1, groups 1).
bool winograd_applies(const ConvGeometry& g);
// ... and is faster than im2col + sgemm on it (the measurements are in winograd.cpp).
bool winograd_wins(const ConvGeometry& g);

// The fastest fast kernel for g: Winograd where it wins, im2col + sgemm elsewhere.
Conv2dForwardFn* conv2d_forward_for(const ConvGeometry& g);
Conv2dBackwardInputFn* conv2d_backward_input_for(const ConvGeometry& g);

// Same contract as conv2d_forward / conv2d_backward_input (conv.h); g must
// satisfy winograd_applies. backward_input is the forward on the gradient:
// dx = conv(dout padded by 2 - pad, the weight flipped with C and O swapped).
void winograd_conv2d_forward(const ConvGeometry& g, const float* x, const float* weight,
                             const float* bias, float* out);
void winograd_conv2d_backward_input(const ConvGeometry& g, const float* dout, const float* weight,
                                    float* dx);

// The eval fused conv (conv.h's ConvEpilogue): out = act(conv + bias + residual),
// the bias in the output transform, the rest right after it, on each chunk of
// images while it is still in cache (winograd.cpp's finish_chunk says why).
void winograd_conv2d_forward_fused(const ConvGeometry& g, const float* x, const float* weight,
                                   const float* bias, const ConvEpilogue& then, float* out);
// The fused conv by the fastest kernel for g, as conv2d_forward_for(g) picks.
void conv2d_forward_fused_fastest(const ConvGeometry& g, const float* x, const float* weight,
                                  const float* bias, const ConvEpilogue& then, float* out);

// The geometry of dx as a convolution of dout: C and O swapped, H×W = OH×OW,
// padding 2 - pad (negative for pad > 2: a crop), output H×W. Shared with the twin.
ConvGeometry winograd_backward_input_geometry(const ConvGeometry& g);

}  // namespace ag
