// Hand-in fixture (F4 layer-norm backward, student "naive_wrong"): the naive
// twin forgets to divide sum(dxhat * xhat) by M (the path through the
// variance is M times too strong); the fast kernel (core/kernels/norm.cpp,
// beside it) is right. Only the naive twin's checks may lose points, and the
// report must say which kernel is wrong.

// Normalization, one formula per loop (see norm_naive.h and norm.h).
//
// Both norms are "normalize a group of M values, then scale and shift";
// batch norm's group is one channel across the batch and the image, layer
// norm's is one row. So each is written here once over a group given by a
// list of element offsets, and the two norms only differ in how they build it.
#include "core/reference/norm_naive.h"

#include <vector>

namespace ag {

namespace {

// The offsets of channel c's values in an (N, C, S) tensor.
std::vector<int64_t> channel_offsets(const BatchNormShape& s, int64_t c) {
  std::vector<int64_t> offsets;
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t i = 0; i < s.S; ++i) offsets.push_back((n * s.C + c) * s.S + i);
  return offsets;
}

// mean = sum(x) / M;  var = sum((x - mean)^2) / M   (biased: divide by M, not M - 1)
void group_stats(const float* x, const std::vector<int64_t>& group, float* mean, float* var) {
  const double M = double(group.size());
  double sum = 0.0;
  for (int64_t e : group) sum += x[e];
  const double group_mean = sum / M;
  double sum_sq = 0.0;
  for (int64_t e : group) sum_sq += (x[e] - group_mean) * (x[e] - group_mean);
  *mean = float(group_mean);
  *var = float(sum_sq / M);
}

// out = (x - mean) * invstd * w + b
void group_normalize(const float* x, const std::vector<int64_t>& group, float mean, float invstd,
                     float w, float b, float* out) {
  for (int64_t e : group) out[e] = (x[e] - mean) * invstd * w + b;
}

// ASSIGNMENT layer_norm_backward,batchnorm_backward/group_backward: begin
// The closed-form backward of group_normalize, with w a per-element weight
// function (batch norm: one weight per group; layer norm: one per feature).
//   xhat  = (x - mean) * invstd,  dxhat = dout * w
//   dx    = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))   if the stats are the
//   group's own dx    = invstd * dxhat                                               if they are
//   fixed (eval)
template <class WeightOf>
void group_backward(const float* x, const float* dout, const std::vector<int64_t>& group,
                    float mean, float invstd, const WeightOf& weight_of, bool own_stats,
                    float* dx) {
  const double M = double(group.size());
  double sum_dxhat = 0.0, sum_dxhat_xhat = 0.0;
  for (size_t k = 0; k < group.size(); ++k) {
    const int64_t e = group[k];
    const double xhat = (x[e] - mean) * invstd;
    const double dxhat = double(dout[e]) * weight_of(k);
    sum_dxhat += dxhat;
    sum_dxhat_xhat += dxhat * xhat;
  }
  const double mean_dxhat = sum_dxhat / M, mean_dxhat_xhat = sum_dxhat_xhat;  // (not / M)
  for (size_t k = 0; k < group.size(); ++k) {
    const int64_t e = group[k];
    const double xhat = (x[e] - mean) * invstd;
    const double dxhat = double(dout[e]) * weight_of(k);
    dx[e] = own_stats ? float(invstd * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat))
                      : float(invstd * dxhat);
  }
}
// ASSIGNMENT layer_norm_backward,batchnorm_backward/group_backward: end

}  // namespace

void batch_norm_forward_train_naive(const BatchNormShape& s, const float* x, const float* weight,
                                    const float* bias, float eps, float* out, float* mean,
                                    float* var) {
  for (int64_t c = 0; c < s.C; ++c) {
    const std::vector<int64_t> group = channel_offsets(s, c);
    if (group.empty()) continue;
    group_stats(x, group, &mean[c], &var[c]);
    group_normalize(x, group, mean[c], inverse_std(var[c], eps), weight ? weight[c] : 1.0f,
                    bias ? bias[c] : 0.0f, out);
  }
}

void batch_norm_forward_eval_naive(const BatchNormShape& s, const float* x, const float* mean,
                                   const float* invstd, const float* weight, const float* bias,
                                   float* out) {
  for (int64_t c = 0; c < s.C; ++c)
    group_normalize(x, channel_offsets(s, c), mean[c], invstd[c], weight ? weight[c] : 1.0f,
                    bias ? bias[c] : 0.0f, out);
}

void batch_norm_backward_naive(const BatchNormShape& s, const float* x, const float* dout,
                               const float* mean, const float* invstd, const float* weight,
                               bool training, float* dx, float* dweight, float* dbias) {
  for (int64_t c = 0; c < s.C; ++c) {
    const std::vector<int64_t> group = channel_offsets(s, c);
    double sum_dout_xhat = 0.0, sum_dout = 0.0;  // dweight = sum(dout * xhat), dbias = sum(dout)
    for (int64_t e : group) {
      sum_dout_xhat += double(dout[e]) * ((x[e] - mean[c]) * invstd[c]);
      sum_dout += dout[e];
    }
    if (dweight) dweight[c] = float(sum_dout_xhat);
    if (dbias) dbias[c] = float(sum_dout);
    const float w = weight ? weight[c] : 1.0f;
    if (dx && !group.empty())
      group_backward(
          x, dout, group, mean[c], invstd[c], [w](size_t) { return w; }, training, dx);
  }
}

void layer_norm_forward_naive(int64_t R, int64_t D, const float* x, const float* weight,
                              const float* bias, float eps, float* out, float* mean,
                              float* invstd) {
  for (int64_t r = 0; r < R; ++r) {
    std::vector<int64_t> row;
    for (int64_t d = 0; d < D; ++d) row.push_back(r * D + d);
    float var = 0.0f;
    group_stats(x, row, &mean[r], &var);
    invstd[r] = inverse_std(var, eps);
    // The weight is per feature here, so normalize without it, then apply it.
    group_normalize(x, row, mean[r], invstd[r], 1.0f, 0.0f, out);
    for (int64_t d = 0; d < D; ++d)
      out[r * D + d] = out[r * D + d] * (weight ? weight[d] : 1.0f) + (bias ? bias[d] : 0.0f);
  }
}

void layer_norm_backward_naive(int64_t R, int64_t D, const float* x, const float* dout,
                               const float* mean, const float* invstd, const float* weight,
                               float* dx, float* dweight, float* dbias) {
  for (int64_t d = 0; d < D; ++d) {  // dweight[d] = sum over rows of dout * xhat
    double sum_dout_xhat = 0.0, sum_dout = 0.0;
    for (int64_t r = 0; r < R; ++r) {
      sum_dout_xhat += double(dout[r * D + d]) * ((x[r * D + d] - mean[r]) * invstd[r]);
      sum_dout += dout[r * D + d];
    }
    if (dweight) dweight[d] = float(sum_dout_xhat);
    if (dbias) dbias[d] = float(sum_dout);
  }
  if (!dx) return;
  for (int64_t r = 0; r < R; ++r) {
    std::vector<int64_t> row;
    for (int64_t d = 0; d < D; ++d) row.push_back(r * D + d);
    group_backward(
        x, dout, row, mean[r], invstd[r], [weight](size_t d) { return weight ? weight[d] : 1.0f; },
        true, dx);
  }
}

// Group norm's groups: sample n's channels g*Cg .. (g+1)*Cg - 1, all S positions each.
static std::vector<int64_t> group_offsets(const GroupNormShape& s, int64_t n, int64_t g) {
  const int64_t Cg = s.C / s.G;
  std::vector<int64_t> offsets;
  for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c)
    for (int64_t i = 0; i < s.S; ++i) offsets.push_back((n * s.C + c) * s.S + i);
  return offsets;
}

void group_norm_forward_naive(const GroupNormShape& s, const float* x, const float* weight,
                              const float* bias, float eps, float* out, float* mean,
                              float* invstd) {
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t g = 0; g < s.G; ++g) {
      const int64_t ng = n * s.G + g;
      const std::vector<int64_t> group = group_offsets(s, n, g);
      float var = 0.0f;
      mean[ng] = 0.0f;
      if (!group.empty()) group_stats(x, group, &mean[ng], &var);
      invstd[ng] = inverse_std(var, eps);
      // The weight is per channel here, so normalize without it, then apply it.
      group_normalize(x, group, mean[ng], invstd[ng], 1.0f, 0.0f, out);
    }
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t c = 0; c < s.C; ++c)
      for (int64_t i = 0; i < s.S; ++i) {
        const int64_t e = (n * s.C + c) * s.S + i;
        out[e] = out[e] * (weight ? weight[c] : 1.0f) + (bias ? bias[c] : 0.0f);
      }
}

void group_norm_backward_naive(const GroupNormShape& s, const float* x, const float* dout,
                               const float* mean, const float* invstd, const float* weight,
                               float* dx, float* dweight, float* dbias) {
  const int64_t Cg = s.C / s.G;
  for (int64_t c = 0; c < s.C; ++c) {  // dweight[c] = sum over n, s of dout * xhat
    double sum_dout_xhat = 0.0, sum_dout = 0.0;
    for (int64_t n = 0; n < s.N; ++n) {
      const int64_t ng = n * s.G + c / Cg;
      for (int64_t i = 0; i < s.S; ++i) {
        const int64_t e = (n * s.C + c) * s.S + i;
        sum_dout_xhat += double(dout[e]) * ((x[e] - mean[ng]) * invstd[ng]);
        sum_dout += dout[e];
      }
    }
    if (dweight) dweight[c] = float(sum_dout_xhat);
    if (dbias) dbias[c] = float(sum_dout);
  }
  if (!dx) return;
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t g = 0; g < s.G; ++g) {
      const std::vector<int64_t> group = group_offsets(s, n, g);
      if (group.empty()) continue;
      // the k-th value of the group is in channel g*Cg + k/S
      group_backward(
          x, dout, group, mean[n * s.G + g], invstd[n * s.G + g],
          [&](size_t k) { return weight ? weight[g * Cg + int64_t(k) / s.S] : 1.0f; }, true, dx);
    }
}

}  // namespace ag
