// core/ops/norm_common.h: what batch_norm (core/ops/norm.cpp) and
// batch_norm_relu (core/ops/norm_relu.cpp) share, so the two check the same
// things and move the running statistics by the same arithmetic. Internal to
// core/ops/.
//
// Shape legend: N batch, C channels, S = product of the dims after C.
#pragma once

#include <vector>

#include "core/kernels/norm.h"
#include "core/tensor.h"

namespace ag {

// The checks of batch norm's arguments (`op` leads each message); x's (N, C, S).
BatchNormShape check_batch_norm_inputs(const char* op, const Tensor& x, const Tensor& running_mean,
                                       const Tensor& running_var, const Tensor& weight,
                                       const Tensor& bias, bool training, float eps);

// After a training forward, when running stats are kept (else nothing):
//   running_mean = (1 - momentum) * running_mean + momentum * mean
//   running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)
// in place (their versions bumped); var is the biased batch variance.
void update_running_stats(const BatchNormShape& s, const std::vector<float>& mean,
                          const std::vector<float>& var, Tensor& running_mean, Tensor& running_var,
                          float momentum);

// Eval mode: the running statistics as the kernels take them, the mean and
// 1/sqrt(var + eps) per channel.
void running_stats_for_eval(const Tensor& running_mean, const Tensor& running_var, float eps,
                            std::vector<float>& mean, std::vector<float>& invstd);

}  // namespace ag
