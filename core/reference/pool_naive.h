// core/reference/pool_naive.h: pooling as the textbook writes it.
//
// Shape legend: P = N*C planes of H×W, OH×OW output, kh×kw window. Same
// signatures and meaning as core/kernels/pool.h (read its top comment
// for the rules), which these loops are the yardstick for: every window cell
// is visited, and a cell in the padding is tested for and skipped (it adds 0
// to an average and is -inf for a max).
#pragma once

#include "core/kernels/pool.h"

namespace ag {

void avg_pool2d_forward_naive(const PoolGeometry& g, const float* x, float* out);
void avg_pool2d_backward_naive(const PoolGeometry& g, const float* dout, float* dx);
void max_pool2d_forward_naive(const PoolGeometry& g, const float* x, float* out, int64_t* argmax);
void max_pool2d_backward_naive(const PoolGeometry& g, const float* dout, const int64_t* argmax,
                               float* dx);
void adaptive_avg_pool2d_forward_naive(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                       const float* x, float* out);
void adaptive_avg_pool2d_backward_naive(int64_t planes, int64_t H, int64_t W, int64_t OH,
                                        int64_t OW, const float* dout, float* dx);
void adaptive_max_pool2d_forward_naive(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                       const float* x, float* out, int64_t* argmax);

}  // namespace ag
