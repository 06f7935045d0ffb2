// core/reference/norm_naive.h: batch, layer and group norm as the textbook writes them.
//
// Shape legend: N batch, C channels, S = H*W spatial positions (S = 1 for an
// (N, C) input); R rows of D features for layer norm. Same signatures and
// meaning as core/kernels/norm.h, which these are tested against:
// one loop per formula, every intermediate spelled out, no threads.
#pragma once

#include "core/kernels/norm.h"

namespace ag {

void batch_norm_forward_train_naive(const BatchNormShape& s, const float* x, const float* weight,
                                    const float* bias, float eps, float* out, float* mean,
                                    float* var);
void batch_norm_forward_eval_naive(const BatchNormShape& s, const float* x, const float* mean,
                                   const float* invstd, const float* weight, const float* bias,
                                   float* out);
void batch_norm_backward_naive(const BatchNormShape& s, const float* x, const float* dout,
                               const float* mean, const float* invstd, const float* weight,
                               bool training, float* dx, float* dweight, float* dbias);

void layer_norm_forward_naive(int64_t R, int64_t D, const float* x, const float* weight,
                              const float* bias, float eps, float* out, float* mean, float* invstd);
void layer_norm_backward_naive(int64_t R, int64_t D, const float* x, const float* dout,
                               const float* mean, const float* invstd, const float* weight,
                               float* dx, float* dweight, float* dbias);

void group_norm_forward_naive(const GroupNormShape& s, const float* x, const float* weight,
                              const float* bias, float eps, float* out, float* mean, float* invstd);
void group_norm_backward_naive(const GroupNormShape& s, const float* x, const float* dout,
                               const float* mean, const float* invstd, const float* weight,
                               float* dx, float* dweight, float* dbias);

}  // namespace ag
