// core/reference/norm_relu_naive.h: batch norm, the residual add and the ReLU
// as the textbook writes them: one after another.
//
// Shape legend: N batch, C channels, S = H*W spatial positions, M = N*S.
// Same signatures and meaning as core/kernels/norm_relu.h, which these are
// tested against: batch norm's naive kernels (norm_naive.h), then a loop for
// the add and one for the ReLU and its bits; backward, the ReLU's loop
// (g = dout * bit), then batch norm's naive backward of g.
#pragma once

#include "core/kernels/norm_relu.h"

namespace ag {

void batch_norm_relu_forward_train_naive(const BatchNormShape& s, const float* x,
                                         const float* weight, const float* bias,
                                         const float* residual, float eps, float* out,
                                         uint64_t* mask, float* mean, float* var);
void batch_norm_relu_forward_eval_naive(const BatchNormShape& s, const float* x, const float* mean,
                                        const float* invstd, const float* weight, const float* bias,
                                        const float* residual, float* out, uint64_t* mask);
void batch_norm_relu_backward_naive(const BatchNormShape& s, const float* x, const float* dout,
                                    const uint64_t* mask, const float* mean, const float* invstd,
                                    const float* weight, bool training, float* dx, float* dweight,
                                    float* dbias, float* dresidual);

}  // namespace ag
