// core/kernels/norm_relu.h: batch norm, an optional residual add and a ReLU
// as one kernel each way (no autograd: plain float pointers).
//
// Shape legend (as norm.h): N batch, C channels, S = H*W spatial positions,
// M = N*S values per channel.
//
//   x, residual, out: (N, C, S);  weight, bias, mean, var, invstd: (C)
//   out = relu(xhat * weight + bias + residual),  xhat = (x - mean) * invstd
//
// Why fuse: run one after another, batch norm, add and relu each stream the
// whole activation through memory, forward and again backward, and the ReLU
// keeps its float output for its backward. Here the forward normalizes,
// adds and clamps while a channel's values are in cache, and keeps of the
// ReLU only what its backward needs: one bit per value, "did it pass?"
// (32 times less than the float it replaces). The backward applies those bits
// to dout on the fly inside batch norm's own two passes:
//   g = dout * bit                       (the ReLU's backward; also dresidual)
//   dx, dweight, dbias = batch norm's backward of g   (formula: norm.h)
//
// The textbook twin is core/reference/norm_relu_naive.h: batch norm's naive
// kernels, then the add and the ReLU as separate loops.
#pragma once

#include <cstdint>

#include "core/kernels/norm.h"

namespace ag {

// The ReLU's bits, one per value of an (N, C, S) tensor: bit 1 where the
// ReLU passed its input through (its derivative), as ReluBackward decides it,
// !(out <= 0), so a NaN passes. Channel c's M bits, in (n, s) order, start at
// word c * words_per_channel: threads that own different channels never
// write the same word.
struct ReluMaskLayout {
  int64_t words_per_channel = 0;
  explicit ReluMaskLayout(const BatchNormShape& s) : words_per_channel((s.count() + 63) / 64) {}
  int64_t words(const BatchNormShape& s) const { return s.C * words_per_channel; }
  // Where the bit of value (n, c, i) lives: word and position in it.
  int64_t bit_index(const BatchNormShape& s, int64_t n, int64_t c, int64_t i) const {
    return c * words_per_channel * 64 + n * s.S + i;
  }
};

// Training: batch statistics. Writes out, mask (ReluMaskLayout(s).words(s)
// words) and, per channel, mean and the biased variance var, exactly as
// batch_norm_forward_train computes them (the op updates the running stats
// from them). residual may be null (then out = relu(bn(x))).
void batch_norm_relu_forward_train(const BatchNormShape& s, const float* x, const float* weight,
                                   const float* bias, const float* residual, float eps, float* out,
                                   uint64_t* mask, float* mean, float* var);
// Eval: the given per-channel mean and invstd (the running statistics).
void batch_norm_relu_forward_eval(const BatchNormShape& s, const float* x, const float* mean,
                                  const float* invstd, const float* weight, const float* bias,
                                  const float* residual, float* out, uint64_t* mask);
// Backward of either forward: mean/invstd as the forward used them, training
// as batch_norm_backward's. Any of dx, dweight, dbias, dresidual may be null.
void batch_norm_relu_backward(const BatchNormShape& s, const float* x, const float* dout,
                              const uint64_t* mask, const float* mean, const float* invstd,
                              const float* weight, bool training, float* dx, float* dweight,
                              float* dbias, float* dresidual);

}  // namespace ag
