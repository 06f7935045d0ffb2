// core/kernels/norm.h: batch norm and layer norm, forward and backward
// (no autograd: plain float pointers).
//
// Shape legend: N batch, C channels, S = H*W spatial positions per channel
// (S = 1 for an (N, C) input); R rows and D features for layer norm.
//
//   batch norm: x (N, C, S), statistics per channel c over its M = N*S values
//   layer norm: x (R, D),    statistics per row r over its D values
//
// Both normalize the same way, with the biased variance var = mean((x - mean)^2):
//   xhat = (x - mean) * invstd,  invstd = 1 / sqrt(var + eps)
//   out  = xhat * weight + bias          (weight/bias may be null: 1 and 0)
// and share one closed-form dx (with dxhat = dout * weight), for a group of M
// values with its own mean and invstd and for batch norm's eval mode, whose
// fixed (running) statistics do not depend on x (formula: see
// core/reference/norm_naive.cpp, group_backward). The affine parameters get
//   dweight = sum(dout * xhat),  dbias = sum(dout)
//
// The textbook versions are in core/reference/norm_naive.h. All functions
// overwrite their outputs; weight, bias, dweight and dbias may be null.
#pragma once

#include <cmath>
#include <cstdint>

namespace ag {

// 1 / sqrt(var + eps): one spelling, so the op, the fast and the naive kernels
// compute bit-identical invstd from the same var.
inline float inverse_std(float var, float eps) { return 1.0f / std::sqrt(var + eps); }

struct BatchNormShape {
  int64_t N = 1, C = 1, S = 1;
  int64_t count() const { return N * S; }  // M, the values behind one channel's statistics
};

// Training forward: batch statistics. Writes out and, per channel, mean and
// the biased variance var (the op turns var into invstd and the running stats).
void batch_norm_forward_train(const BatchNormShape& s, const float* x, const float* weight,
                              const float* bias, float eps, float* out, float* mean, float* var);
// Eval forward: out = (x - mean) * invstd * weight + bias with given per-channel mean, invstd.
void batch_norm_forward_eval(const BatchNormShape& s, const float* x, const float* mean,
                             const float* invstd, const float* weight, const float* bias,
                             float* out);
// Backward of either forward. mean/invstd are the statistics the forward used;
// training = true when they were the batch's own (adds the two mean terms).
void batch_norm_backward(const BatchNormShape& s, const float* x, const float* dout,
                         const float* mean, const float* invstd, const float* weight, bool training,
                         float* dx, float* dweight, float* dbias);

// Layer norm over the last D values of each of R rows. Writes out and, per
// row, mean and invstd (saved for backward).
void layer_norm_forward(int64_t R, int64_t D, const float* x, const float* weight,
                        const float* bias, float eps, float* out, float* mean, float* invstd);
void layer_norm_backward(int64_t R, int64_t D, const float* x, const float* dout, const float* mean,
                         const float* invstd, const float* weight, float* dx, float* dweight,
                         float* dbias);

// Group norm: x (N, C, S) with the C channels split into G groups of C/G;
// statistics per (n, g) over its M = (C/G)*S values (contiguous in memory),
// weight and bias per channel. The same closed-form backward with
// dxhat = dout * weight[c]; dweight[c] = sum over n, s of dout * xhat.
struct GroupNormShape {
  int64_t N = 1, C = 1, S = 1, G = 1;
  int64_t group_size() const { return C / G * S; }  // M
};
// Writes out and, per (n, g), mean and invstd (N*G each, saved for backward).
void group_norm_forward(const GroupNormShape& s, const float* x, const float* weight,
                        const float* bias, float eps, float* out, float* mean, float* invstd);
void group_norm_backward(const GroupNormShape& s, const float* x, const float* dout,
                         const float* mean, const float* invstd, const float* weight, float* dx,
                         float* dweight, float* dbias);

}  // namespace ag
