// tutorials/exercises/softmax_backward.h: assignment A1's interface (do not edit).
//
// Shape legend: R rows, D entries per row. The softmax runs over each row.
#pragma once

#include <cstdint>

namespace ex {

// y (R, D) = softmax of each row of some x; dy (R, D) = dL/dy.
// Write dx (R, D) = dL/dx. Every element of dx must be written (overwrite, do not add).
void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols);

}  // namespace ex
