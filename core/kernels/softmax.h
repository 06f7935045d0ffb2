// core/kernels/softmax.h: softmax and log_softmax along one dimension,
// forward and backward, on plain floats (no autograd).
//
// Shape legend: x is seen as (outer, n, inner) where n is the size of the
// softmax dimension, outer the product of the sizes before it and inner the
// product of the sizes after it. Softmax over the last dimension has inner = 1:
// each row of n numbers is contiguous, which is the fast path (attention's scores).
//
//   softmax:      y_i = e^(x_i - m) / Σ_j e^(x_j - m)          m = max_j x_j
//   log_softmax:  y_i = x_i - m - log Σ_j e^(x_j - m)
// The two backwards take the output y and dy; their formulas are beside their
// textbook loops, in core/reference/softmax_naive.cpp (softmax_backward_naive,
// log_softmax_backward_naive). Each textbook twin is in core/reference/softmax_naive.h.
#pragma once

#include <cstdint>

namespace ag {

struct SoftmaxGeometry {
  int64_t outer = 1, n = 1, inner = 1;
};

// The two numbers every softmax of one column needs, for the n numbers
// x[0], x[stride], ..., x[(n-1)·stride]: max = m and sum = Σ_k e^(x_k - m).
// Then log Σ_k e^(x_k) = m + log(sum), with no exponent above 0 (no overflow).
// Shared by the reference loops and by cross_entropy (core/ops/loss.cpp).
struct ExpSum {
  float max, sum;
  float log_sum_exp() const;
};
ExpSum exp_sum(const float* x, int64_t n, int64_t stride);

// x, y: (outer, n, inner). Rows of the last dimension run 16 lanes at a time.
void softmax_forward(const SoftmaxGeometry& g, const float* x, float* y);
void log_softmax_forward(const SoftmaxGeometry& g, const float* x, float* y);

// y: the forward's output; dy, dx: (outer, n, inner). Threaded over outer.
void softmax_backward(const SoftmaxGeometry& g, const float* y, const float* dy, float* dx);
void log_softmax_backward(const SoftmaxGeometry& g, const float* y, const float* dy, float* dx);

}  // namespace ag
