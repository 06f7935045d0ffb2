// Batch norm, add, ReLU: the three steps one after another (see norm_relu_naive.h).
#include "core/reference/norm_relu_naive.h"

#include <algorithm>
#include <vector>

#include "core/reference/norm_naive.h"

namespace ag {

namespace {

// out = relu(out + residual) in place, and the ReLU's bit of every value:
// 1 where it passed (not <= 0, so a NaN passes, as ReluBackward has it).
void add_residual_then_relu(const BatchNormShape& s, const float* residual, float* out,
                            uint64_t* mask) {
  const ReluMaskLayout layout(s);
  std::fill(mask, mask + layout.words(s), uint64_t(0));
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t c = 0; c < s.C; ++c)
      for (int64_t i = 0; i < s.S; ++i) {
        const int64_t e = (n * s.C + c) * s.S + i;
        if (residual) out[e] = out[e] + residual[e];  // the add
        const bool passed = !(out[e] <= 0.0f);        // the ReLU
        out[e] = passed ? out[e] : 0.0f;
        const int64_t bit = layout.bit_index(s, n, c, i);
        if (passed) mask[bit / 64] |= uint64_t(1) << (bit % 64);
      }
}

}  // namespace

void batch_norm_relu_forward_train_naive(const BatchNormShape& s, const float* x,
                                         const float* weight, const float* bias,
                                         const float* residual, float eps, float* out,
                                         uint64_t* mask, float* mean, float* var) {
  batch_norm_forward_train_naive(s, x, weight, bias, eps, out, mean, var);
  add_residual_then_relu(s, residual, out, mask);
}

void batch_norm_relu_forward_eval_naive(const BatchNormShape& s, const float* x, const float* mean,
                                        const float* invstd, const float* weight, const float* bias,
                                        const float* residual, float* out, uint64_t* mask) {
  batch_norm_forward_eval_naive(s, x, mean, invstd, weight, bias, out);
  add_residual_then_relu(s, residual, out, mask);
}

void batch_norm_relu_backward_naive(const BatchNormShape& s, const float* x, const float* dout,
                                    const uint64_t* mask, const float* mean, const float* invstd,
                                    const float* weight, bool training, float* dx, float* dweight,
                                    float* dbias, float* dresidual) {
  // The ReLU's backward: g = dout * (1 where it passed, else 0).
  const ReluMaskLayout layout(s);
  std::vector<float> g(static_cast<size_t>(s.N * s.C * s.S));
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t c = 0; c < s.C; ++c)
      for (int64_t i = 0; i < s.S; ++i) {
        const int64_t e = (n * s.C + c) * s.S + i, bit = layout.bit_index(s, n, c, i);
        const float passed = float((mask[bit / 64] >> (bit % 64)) & 1u);
        g[e] = dout[e] * passed;
      }
  // The add's backward: the residual gets g as it is.
  if (dresidual) std::copy(g.begin(), g.end(), dresidual);
  // Batch norm's backward of g.
  batch_norm_backward_naive(s, x, g.data(), mean, invstd, weight, training, dx, dweight, dbias);
}

}  // namespace ag
