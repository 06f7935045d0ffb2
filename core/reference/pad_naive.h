// core/reference/pad_naive.h: padding as the textbook writes it.
//
// Shape legend: P planes, k padded dims, n_d in, m_d out. Same signatures and
// meaning as core/kernels/pad.h (read its top comment for the four modes),
// which these loops are the yardstick for: every output cell is visited on
// its own, its coordinates taken apart, and each coordinate sent back to the
// input cell it copies by the mode's rule (source_cell in pad_naive.cpp).
#pragma once

#include "core/kernels/pad.h"

namespace ag {

void pad_forward_naive(const PadGeometry& g, const float* x, float* out);
void pad_backward_naive(const PadGeometry& g, const float* dout, float* dx);

}  // namespace ag
