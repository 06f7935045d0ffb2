// The fast batch norm, layer norm and group norm: threaded over channels (rows, groups), two
// passes over memory each way, with the per-element work folded into one
// fused multiply-add per value.
//
// Shape legend (as norm.h): N batch, C channels, S spatial positions,
// M = N*S values per channel; R rows of D features for layer norm.
//
// The folding: once a channel's statistics are known,
//   out = (x - mean) * invstd * w + b = x * scale + shift
// with scale = invstd * w and shift = b - mean * scale. The backward's closed
// form (formula: see core/reference/norm_naive.cpp, group_backward) folds the
// same way, into three numbers per channel:
//   dx = k * dout + slope * x + offset,  k = invstd * w
// Sums are accumulated in double: a channel may hold a million values.
#include "core/kernels/norm.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/kernels/norm_sums.h"  // add_sums, channel_stats, channel_grain
#include "core/kernels/parallel.h"

namespace ag {

namespace {

// out = x * scale + shift over one channel.
void channel_affine(const BatchNormShape& s, const float* x, int64_t c, float scale, float shift,
                    float* out) {
  for (int64_t n = 0; n < s.N; ++n) {
    const int64_t base = (n * s.C + c) * s.S;
    for (int64_t i = 0; i < s.S; ++i) out[base + i] = x[base + i] * scale + shift;
  }
}

}  // namespace

void batch_norm_forward_train(const BatchNormShape& s, const float* x, const float* weight,
                              const float* bias, float eps, float* out, float* mean, float* var) {
  if (s.count() == 0) return;  // nothing to normalize (the op rejects this)
  parallel_for(0, s.C, channel_grain(s), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      channel_stats(s, x, c, &mean[c], &var[c]);  // pass 1: read x
      const float scale = inverse_std(var[c], eps) * (weight ? weight[c] : 1.0f);
      const float shift = (bias ? bias[c] : 0.0f) - mean[c] * scale;
      channel_affine(s, x, c, scale, shift, out);  // pass 2: read x, write out
    }
  });
}

void batch_norm_forward_eval(const BatchNormShape& s, const float* x, const float* mean,
                             const float* invstd, const float* weight, const float* bias,
                             float* out) {
  parallel_for(0, s.C, channel_grain(s), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      const float scale = invstd[c] * (weight ? weight[c] : 1.0f);
      const float shift = (bias ? bias[c] : 0.0f) - mean[c] * scale;
      channel_affine(s, x, c, scale, shift, out);
    }
  });
}

void batch_norm_backward(const BatchNormShape& s, const float* x, const float* dout,
                         const float* mean, const float* invstd, const float* weight, bool training,
                         float* dx, float* dweight, float* dbias) {
  const double M = double(s.count());
  parallel_for(0, s.C, channel_grain(s), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      // Pass 1: sum(dout) and sum(dout * (x - mean)).
      double sum_dout = 0.0, sum_dout_centered = 0.0;
      const float mean_c = mean[c];
      for (int64_t n = 0; n < s.N; ++n) {
        const float* dout_run = dout + (n * s.C + c) * s.S;
        const float* x_run = x + (n * s.C + c) * s.S;
        add_sums(
            s.S,
            [&](int64_t i) {
              return std::pair<double, double>{dout_run[i],
                                               double(dout_run[i]) * (x_run[i] - mean_c)};
            },
            sum_dout, sum_dout_centered);
      }
      const double sum_dout_xhat = sum_dout_centered * invstd[c];
      if (dweight) dweight[c] = float(sum_dout_xhat);
      if (dbias) dbias[c] = float(sum_dout);
      if (!dx) continue;

      // Pass 2: dx = k * dout + slope * x + offset (see the top comment).
      const double k = double(invstd[c]) * (weight ? weight[c] : 1.0f);
      double slope = 0.0, offset = 0.0;
      // ASSIGNMENT batchnorm_backward/batch_norm_mean_terms: begin
      if (training && M > 0) {  // batch statistics depend on x: the two mean terms
        slope = -k * invstd[c] * sum_dout_xhat / M;  // from -xhat * mean(dout * xhat)
        offset = -k * sum_dout / M - slope * mean[c];
      }
      // ASSIGNMENT batchnorm_backward/batch_norm_mean_terms: end
      const float k_f = float(k), slope_f = float(slope), offset_f = float(offset);
      for (int64_t n = 0; n < s.N; ++n) {
        const int64_t base = (n * s.C + c) * s.S;
        for (int64_t i = 0; i < s.S; ++i)
          dx[base + i] = k_f * dout[base + i] + slope_f * x[base + i] + offset_f;
      }
    }
  });
}

void layer_norm_forward(int64_t R, int64_t D, const float* x, const float* weight,
                        const float* bias, float eps, float* out, float* mean, float* invstd) {
  parallel_for(0, R, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, D)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t r = lo; r < hi; ++r) {
                   const float* row = x + r * D;
                   float* out_row = out + r * D;
                   // A row is small and sits in cache: the exact two-pass mean and variance.
                   double sum = 0.0;
                   for (int64_t d = 0; d < D; ++d) sum += row[d];
                   const double row_mean = sum / double(D);
                   double sum_sq = 0.0;
                   for (int64_t d = 0; d < D; ++d)
                     sum_sq += (row[d] - row_mean) * (row[d] - row_mean);
                   mean[r] = float(row_mean);
                   invstd[r] = inverse_std(float(sum_sq / double(D)), eps);
                   for (int64_t d = 0; d < D; ++d) {
                     const float xhat = (row[d] - mean[r]) * invstd[r];
                     out_row[d] = xhat * (weight ? weight[d] : 1.0f) + (bias ? bias[d] : 0.0f);
                   }
                 }
               });
}

void layer_norm_backward(int64_t R, int64_t D, const float* x, const float* dout, const float* mean,
                         const float* invstd, const float* weight, float* dx, float* dweight,
                         float* dbias) {
  // ASSIGNMENT layer_norm_backward,batchnorm_backward/layer_norm_dx: begin
  if (dx) {  // each row is its own normalization group: rows in parallel
    parallel_for(0, R, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, D)),
                 [&](int64_t lo, int64_t hi) {
                   for (int64_t r = lo; r < hi; ++r) {
                     const float* row = x + r * D;
                     const float* drow = dout + r * D;
                     double sum_dxhat = 0.0, sum_dxhat_xhat = 0.0;
                     for (int64_t d = 0; d < D; ++d) {
                       const float dxhat = drow[d] * (weight ? weight[d] : 1.0f);
                       sum_dxhat += dxhat;
                       sum_dxhat_xhat += double(dxhat) * ((row[d] - mean[r]) * invstd[r]);
                     }
                     const float mean_dxhat = float(sum_dxhat / double(D));
                     const float mean_dxhat_xhat = float(sum_dxhat_xhat / double(D));
                     for (int64_t d = 0; d < D; ++d) {
                       const float xhat = (row[d] - mean[r]) * invstd[r];
                       const float dxhat = drow[d] * (weight ? weight[d] : 1.0f);
                       dx[r * D + d] = invstd[r] * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat);
                     }
                   }
                 });
  }
  // ASSIGNMENT layer_norm_backward,batchnorm_backward/layer_norm_dx: end
  if (dweight || dbias) {
    // Sums down the rows, one feature column per d: split the columns over
    // threads (each column summed in row order, whatever the thread count).
    parallel_for(0, D, 256, [&](int64_t lo, int64_t hi) {
      if (dweight) std::fill(dweight + lo, dweight + hi, 0.0f);
      if (dbias) std::fill(dbias + lo, dbias + hi, 0.0f);
      for (int64_t r = 0; r < R; ++r) {
        for (int64_t d = lo; d < hi; ++d) {
          const float g = dout[r * D + d];
          if (dweight) dweight[d] += g * ((x[r * D + d] - mean[r]) * invstd[r]);
          if (dbias) dbias[d] += g;
        }
      }
    });
  }
}

// ---------------------------------------------------------------- group norm
// Threaded over the N*G groups (each a contiguous run of M values), with the
// same folding as batch norm: out = x * scale_c + shift_c per channel, and
//   dx = k_c * dout + slope * x + offset,  k_c = invstd * w_c,
// with slope and offset from the group's closed form (formula: see
// core/reference/norm_naive.cpp, group_backward), which needs two sums over
// the group. They come from per-(n, c) sums A = sum(dout), B = sum(dout * x):
// sum(dxhat) = Σc w_c A_c, sum(dxhat * xhat) = Σc w_c (B_c - mean A_c) invstd.
void group_norm_forward(const GroupNormShape& s, const float* x, const float* weight,
                        const float* bias, float eps, float* out, float* mean, float* invstd) {
  const int64_t Cg = s.C / s.G, M = s.group_size();
  parallel_for(0, s.N * s.G, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, M)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t ng = lo; ng < hi; ++ng) {
                   const float* group = x + ng * M;
                   // A group is a contiguous run: the exact two-pass mean and variance.
                   double sum = 0.0;
                   for (int64_t i = 0; i < M; ++i) sum += group[i];
                   const double group_mean = M > 0 ? sum / double(M) : 0.0;
                   double sum_sq = 0.0;
                   for (int64_t i = 0; i < M; ++i)
                     sum_sq += (group[i] - group_mean) * (group[i] - group_mean);
                   mean[ng] = float(group_mean);
                   invstd[ng] = inverse_std(M > 0 ? float(sum_sq / double(M)) : 0.0f, eps);
                   const int64_t g = ng % s.G;
                   for (int64_t j = 0; j < Cg; ++j) {
                     const int64_t c = g * Cg + j;
                     const float scale = invstd[ng] * (weight ? weight[c] : 1.0f);
                     const float shift = (bias ? bias[c] : 0.0f) - mean[ng] * scale;
                     const int64_t base = ng * M + j * s.S;
                     for (int64_t i = 0; i < s.S; ++i) out[base + i] = x[base + i] * scale + shift;
                   }
                 }
               });
}

void group_norm_backward(const GroupNormShape& s, const float* x, const float* dout,
                         const float* mean, const float* invstd, const float* weight, float* dx,
                         float* dweight, float* dbias) {
  const int64_t Cg = s.C / s.G;
  const double M = double(s.group_size());
  // Pass 1: per (n, c), A = sum(dout) and B = sum(dout * x) over the S positions.
  std::vector<double> A(static_cast<size_t>(s.N * s.C)), B(A.size());
  parallel_for(0, s.N * s.C, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.S)),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t nc = lo; nc < hi; ++nc) {
                   double a = 0.0, b = 0.0;
                   for (int64_t i = 0; i < s.S; ++i) {
                     a += dout[nc * s.S + i];
                     b += double(dout[nc * s.S + i]) * x[nc * s.S + i];
                   }
                   A[nc] = a, B[nc] = b;
                 }
               });
  if (dweight || dbias) {  // per channel, summed over the batch in order
    parallel_for(0, s.C, 256, [&](int64_t lo, int64_t hi) {
      for (int64_t c = lo; c < hi; ++c) {
        double dw = 0.0, db = 0.0;
        for (int64_t n = 0; n < s.N; ++n) {
          const int64_t nc = n * s.C + c, ng = n * s.G + c / Cg;
          dw += (B[nc] - double(mean[ng]) * A[nc]) * invstd[ng];  // sum(dout * xhat)
          db += A[nc];
        }
        if (dweight) dweight[c] = float(dw);
        if (dbias) dbias[c] = float(db);
      }
    });
  }
  if (!dx || M == 0) return;
  // Pass 2: dx = k_c * dout + slope * x + offset, per group.
  parallel_for(0, s.N * s.G, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.group_size())),
               [&](int64_t lo, int64_t hi) {
                 for (int64_t ng = lo; ng < hi; ++ng) {
                   const int64_t n = ng / s.G, g = ng % s.G;
                   double sum_dxhat = 0.0, sum_dxhat_xhat = 0.0;
                   for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c) {
                     const double w = weight ? weight[c] : 1.0f, a = A[n * s.C + c],
                                  b = B[n * s.C + c];
                     sum_dxhat += w * a;
                     sum_dxhat_xhat += w * (b - double(mean[ng]) * a) * invstd[ng];
                   }
                   // ASSIGNMENT layer_norm_backward,batchnorm_backward/group_slope: begin
                   const double slope = -double(invstd[ng]) * invstd[ng] * sum_dxhat_xhat / M;
                   const double offset = -double(invstd[ng]) * sum_dxhat / M - slope * mean[ng];
                   // ASSIGNMENT layer_norm_backward,batchnorm_backward/group_slope: end
                   const float slope_f = float(slope), offset_f = float(offset);
                   for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c) {
                     const float k = invstd[ng] * (weight ? weight[c] : 1.0f);
                     const int64_t base = (n * s.C + c) * s.S;
                     for (int64_t i = 0; i < s.S; ++i)
                       dx[base + i] = k * dout[base + i] + slope_f * x[base + i] + offset_f;
                   }
                 }
               });
}

}  // namespace ag
