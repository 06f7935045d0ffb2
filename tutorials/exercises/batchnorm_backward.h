// tutorials/exercises/batchnorm_backward.h: assignment A4's interface (do not edit).
//
// Shape legend: N batch, C channels, S = H*W positions per channel (S = 1 for
// an (N, C) input), M = N*S the values behind one channel's statistics.
// Row-major, contiguous: element (n, c, p) of x is at x[(n * C + c) * S + p].
#pragma once

#include <cstdint>

namespace ex {

struct BatchNormShape {
  int64_t N = 1, C = 1, S = 1;
};

// Training-mode batch norm, out = gamma * x_hat + beta, saved from the forward:
//   x_hat (N, C, S)   the normalized input, (x - mean_c) * inv_std_c
//   inv_std (C)       1 / sqrt(var_c + eps), var_c the biased variance
//   gamma (C)         the scale
// dout (N, C, S) -> dx (N, C, S), dgamma (C), dbeta (C). Overwrite all three.
void batch_norm_backward(const BatchNormShape& s, const float* x_hat, const float* inv_std,
                         const float* gamma, const float* dout, float* dx, float* dgamma,
                         float* dbeta);

}  // namespace ex
