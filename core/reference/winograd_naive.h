// core/reference/winograd_naive.h: Winograd F(2×2, 3×3) as the textbook writes it.
//
// Shape legend (as core/kernels/winograd.h): N batch, C/O input/output
// channels, H×W input, OH×OW output, cut into 2×2 output tiles.
//
// For each image n, output channel o and output tile: sum over the input
// channels c of (G g Gᵀ) ⊙ (Bᵀ d B), with d the 4×4 input tile and g the
// 3×3 filter of (o, c), each transform an explicit product of small
// matrices; then Y = Aᵀ (sum) A is the 2×2 output tile. The matrices and
// where they come from are written out in core/kernels/winograd.cpp.
//
// The yardstick of the fast Winograd kernel, for the agreement tests only:
// AG_KERNELS=naive runs the direct seven loops (conv_naive.h), not these.
// Same signatures and contract as the fast ones (overwrite the outputs; g
// satisfies winograd_applies).
#pragma once

#include "core/kernels/conv.h"

namespace ag {

void winograd_conv2d_forward_naive(const ConvGeometry& g, const float* x, const float* weight,
                                   const float* bias, float* out);
void winograd_conv2d_backward_input_naive(const ConvGeometry& g, const float* dout,
                                          const float* weight, float* dx);

}  // namespace ag
