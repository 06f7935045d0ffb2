// core/reference/softmax_naive.h: the textbook softmax and log_softmax loops,
// the yardsticks for core/kernels/softmax.h (same signatures, same meaning:
// read its top comment for the shape legend and the formulas).
#pragma once

#include "core/kernels/softmax.h"

namespace ag {

void softmax_forward_naive(const SoftmaxGeometry& g, const float* x, float* y);
void log_softmax_forward_naive(const SoftmaxGeometry& g, const float* x, float* y);
void softmax_backward_naive(const SoftmaxGeometry& g, const float* y, const float* dy, float* dx);
void log_softmax_backward_naive(const SoftmaxGeometry& g, const float* y, const float* dy,
                                float* dx);

}  // namespace ag
