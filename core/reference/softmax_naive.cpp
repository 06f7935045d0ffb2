// core/reference/softmax_naive.cpp: softmax and log_softmax, one loop per
// formula. For every column (o, j) walk the n numbers x[o, :, j]: max and sum
// of exponentials (exp_sum), then the output. No threads, no vector lanes.
#include "core/reference/softmax_naive.h"

#include <cmath>

namespace ag {

// y_i = e^(x_i - m) / Σ_j e^(x_j - m)
void softmax_forward_naive(const SoftmaxGeometry& g, const float* x, float* y) {
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t j = 0; j < g.inner; ++j) {
      const float* xs = x + o * g.n * g.inner + j;  // xs[k * inner] = x[o, k, j]
      float* ys = y + o * g.n * g.inner + j;
      const ExpSum e = exp_sum(xs, g.n, g.inner);
      for (int64_t k = 0; k < g.n; ++k) ys[k * g.inner] = std::exp(xs[k * g.inner] - e.max) / e.sum;
    }
}

// y_i = x_i - m - log Σ_j e^(x_j - m)
void log_softmax_forward_naive(const SoftmaxGeometry& g, const float* x, float* y) {
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t j = 0; j < g.inner; ++j) {
      const float* xs = x + o * g.n * g.inner + j;
      float* ys = y + o * g.n * g.inner + j;
      const ExpSum e = exp_sum(xs, g.n, g.inner);
      const float log_sum = std::log(e.sum);
      for (int64_t k = 0; k < g.n; ++k) ys[k * g.inner] = (xs[k * g.inner] - e.max) - log_sum;
    }
}

// ASSIGNMENT softmax_backward_runner,softmax_backward/softmax_backward_naive: begin
// dx = y·(dy − Σ dy·y): the Jacobian ∂y_i/∂x_j = y_i (δ_ij − y_j) applied to dy.
void softmax_backward_naive(const SoftmaxGeometry& g, const float* y, const float* dy, float* dx) {
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t j = 0; j < g.inner; ++j) {
      const int64_t base = o * g.n * g.inner + j, step = g.inner;
      float dot = 0.0f;  // Σ dy·y
      for (int64_t k = 0; k < g.n; ++k) dot += dy[base + k * step] * y[base + k * step];
      for (int64_t k = 0; k < g.n; ++k) {
        const int64_t i = base + k * step;
        dx[i] = y[i] * (dy[i] - dot);
      }
    }
}
// ASSIGNMENT softmax_backward_runner,softmax_backward/softmax_backward_naive: end

// ASSIGNMENT log_softmax_cross_entropy,softmax_backward_runner/log_softmax_backward_naive: begin
// dx = dy − exp(y)·Σ dy: ∂y_i/∂x_j = δ_ij − softmax_j, and softmax = exp(y).
void log_softmax_backward_naive(const SoftmaxGeometry& g, const float* y, const float* dy,
                                float* dx) {
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t j = 0; j < g.inner; ++j) {
      const int64_t base = o * g.n * g.inner + j, step = g.inner;
      float dy_sum = 0.0f;  // Σ dy
      for (int64_t k = 0; k < g.n; ++k) dy_sum += dy[base + k * step];
      for (int64_t k = 0; k < g.n; ++k) {
        const int64_t i = base + k * step;
        dx[i] = dy[i] - std::exp(y[i]) * dy_sum;
      }
    }
}
// ASSIGNMENT log_softmax_cross_entropy,softmax_backward_runner/log_softmax_backward_naive: end

}  // namespace ag
