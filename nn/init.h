// nn/init.h: the initial values of parameters, as torch.nn.init computes them.
//
// Every function fills a tensor in place from ag's seeded generator
// (ag::manual_seed), with grad mode off, and bumps its version. The defaults
// of each layer are PyTorch's, so a freshly built network starts from the
// same distributions as its PyTorch twin (not the same numbers: the
// generators differ).
//
// Fans, for a weight of shape (out, in, k...):  receptive = prod(k...)
//   fan_in  = in * receptive        fan_out = out * receptive
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace ag::nn::init {

struct Fans {
  int64_t fan_in, fan_out;
};
// Needs at least 2 dimensions, as torch.nn.init._calculate_fan_in_and_fan_out.
Fans fans(const Tensor& weight);

void uniform_(Tensor& t, float low, float high);
void normal_(Tensor& t, float mean = 0.0f, float std = 1.0f);
void constant_(Tensor& t, float value);
void zeros_(Tensor& t);
void ones_(Tensor& t);

// Kaiming (He) uniform for a leaky-ReLU gain with slope a, over fan_in:
//   gain = sqrt(2 / (1 + a²)),  bound = gain * sqrt(3 / fan_in) = sqrt(6 / ((1 + a²) * fan_in))
// Conv2d and Linear use a = sqrt(5), which makes bound = 1/sqrt(fan_in).
void kaiming_uniform_(Tensor& weight, double a = 0.0);
// Glorot (Xavier) uniform: bound = gain * sqrt(6 / (fan_in + fan_out)).
void xavier_uniform_(Tensor& weight, double gain = 1.0);

// The default of Conv2d and Linear: kaiming_uniform_(weight, a = sqrt(5)),
// then bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) when bias is defined.
void reset_linear_like(Tensor& weight, Tensor bias);

}  // namespace ag::nn::init
