// The fast batch norm + (residual add) + ReLU: threaded over channels, each
// channel done while its values are in cache, the ReLU kept as bits.
//
// Shape legend (as norm.h): N batch, C channels, S spatial positions,
// M = N*S values per channel.
//
// Passes over memory, per direction (x, out, dout, dx: one float each per value):
//                 forward                          backward
//   unfused       bn: read x twice, write out      relu: read dout and out, write g
//                 add: read 2, write 1             bn: read g and x twice, write dx
//                 relu: read out, write out
//   fused         read x twice, write out + bits   read dout and x twice (+ bits), write dx
// (the add's rows only with a residual). The statistics and the backward's
// three numbers per channel are batch norm's own (core/kernels/norm.cpp), so
// the values are the same as the unfused ops give.
#include "core/kernels/norm_relu.h"

#include <algorithm>
#include <utility>

#include "core/kernels/norm_sums.h"
#include "core/kernels/parallel.h"

namespace ag {

namespace {

// The ReLU's own test (core/ops/unary.cpp): a value passes unless it is <= 0.
inline bool passes(float v) { return !(v <= 0.0f); }

// 32 values' bits, value b in bit b: a compare and a shift per value, OR-ed
// together, which g++ vectorizes (it does not with one 64-bit word: the float
// lanes and the 64-bit lanes do not pair up).
uint32_t passed_bits_of_32(const float* out) {
  uint32_t word = 0;
  for (int b = 0; b < 32; ++b) word |= uint32_t(passes(out[b])) << b;
  return word;
}

// Sets bit first + k of `bits` for each out[k] that passed (the bits start at 0).
// Whole 64-bit words in the middle, two vectorized halves each; the ends
// (when a run does not start on a word) bit by bit.
void set_passed_bits(const float* out, int64_t count, uint64_t* bits, int64_t first) {
  int64_t k = 0;
  for (; k < count && ((first + k) & 63) != 0; ++k)
    bits[(first + k) >> 6] |= uint64_t(passes(out[k])) << ((first + k) & 63);
  for (; k + 64 <= count; k += 64)
    bits[(first + k) >> 6] =
        uint64_t(passed_bits_of_32(out + k)) | uint64_t(passed_bits_of_32(out + k + 32)) << 32;
  for (; k < count; ++k) bits[(first + k) >> 6] |= uint64_t(passes(out[k])) << ((first + k) & 63);
}

// keep[k] = 1.0f where bit first + k is set, else 0.0f, for k < count <= 64.
// dout * keep is then the ReLU's backward exactly (as ReluBackward: dout * 0
// or dout * 1, so a NaN in dout stays NaN either way).
void unpack_bits(const uint64_t* bits, int64_t first, int64_t count, float* keep) {
  if ((first & 63) == 0) {
    const uint64_t word = bits[first >> 6];
    for (int64_t k = 0; k < count; ++k) keep[k] = float((word >> k) & 1u);
    return;
  }
  for (int64_t k = 0; k < count; ++k)
    keep[k] = float((bits[(first + k) >> 6] >> ((first + k) & 63)) & 1u);
}

// One channel: out = relu(x * scale + shift [+ residual]) and its bits.
void normalize_relu_channel(const BatchNormShape& s, const float* x, const float* residual,
                            int64_t c, float scale, float shift, float* out, uint64_t* mask) {
  const ReluMaskLayout layout(s);
  uint64_t* bits = mask + c * layout.words_per_channel;
  std::fill(bits, bits + layout.words_per_channel, uint64_t(0));
  for (int64_t n = 0; n < s.N; ++n) {
    const int64_t base = (n * s.C + c) * s.S;
    const float* x_run = x + base;
    float* out_run = out + base;
    if (residual) {
      const float* residual_run = residual + base;
      for (int64_t i = 0; i < s.S; ++i) {
        const float v = (x_run[i] * scale + shift) + residual_run[i];
        out_run[i] = v <= 0.0f ? 0.0f : v;
      }
    } else {
      for (int64_t i = 0; i < s.S; ++i) {
        const float v = x_run[i] * scale + shift;
        out_run[i] = v <= 0.0f ? 0.0f : v;
      }
    }
    set_passed_bits(out_run, s.S, bits, n * s.S);  // while the run is in L1
  }
}

// Calls visit(base, i0, count, keep) for each piece of at most 64 values of
// channel c, keep holding the piece's ReLU bits as 0.0f / 1.0f.
template <class Visit>
void for_each_masked_piece(const BatchNormShape& s, const uint64_t* mask, int64_t c,
                           const Visit& visit) {
  const uint64_t* bits = mask + c * ReluMaskLayout(s).words_per_channel;
  float keep[64];
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t i0 = 0; i0 < s.S; i0 += 64) {
      const int64_t count = std::min<int64_t>(64, s.S - i0);
      unpack_bits(bits, n * s.S + i0, count, keep);
      visit((n * s.C + c) * s.S + i0, count, keep);
    }
}

}  // namespace

void batch_norm_relu_forward_train(const BatchNormShape& s, const float* x, const float* weight,
                                   const float* bias, const float* residual, float eps, float* out,
                                   uint64_t* mask, float* mean, float* var) {
  if (s.count() == 0) return;  // nothing to normalize (the op rejects this)
  parallel_for(0, s.C, channel_grain(s), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      channel_stats(s, x, c, &mean[c], &var[c]);  // pass 1: read x
      const float scale = inverse_std(var[c], eps) * (weight ? weight[c] : 1.0f);
      const float shift = (bias ? bias[c] : 0.0f) - mean[c] * scale;
      normalize_relu_channel(s, x, residual, c, scale, shift, out, mask);  // pass 2
    }
  });
}

void batch_norm_relu_forward_eval(const BatchNormShape& s, const float* x, const float* mean,
                                  const float* invstd, const float* weight, const float* bias,
                                  const float* residual, float* out, uint64_t* mask) {
  parallel_for(0, s.C, channel_grain(s), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      const float scale = invstd[c] * (weight ? weight[c] : 1.0f);
      const float shift = (bias ? bias[c] : 0.0f) - mean[c] * scale;
      normalize_relu_channel(s, x, residual, c, scale, shift, out, mask);
    }
  });
}

void batch_norm_relu_backward(const BatchNormShape& s, const float* x, const float* dout,
                              const uint64_t* mask, const float* mean, const float* invstd,
                              const float* weight, bool training, float* dx, float* dweight,
                              float* dbias, float* dresidual) {
  const double M = double(s.count());
  parallel_for(0, s.C, channel_grain(s), [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      // Pass 1: sum(g) and sum(g * (x - mean)) with g = dout * bit; g is
      // also the residual's gradient (the add passes it on unchanged).
      double sum_g = 0.0, sum_g_centered = 0.0;
      const float mean_c = mean[c];
      for_each_masked_piece(s, mask, c, [&](int64_t base, int64_t count, const float* keep) {
        const float* d = dout + base;
        const float* x_piece = x + base;
        add_sums(
            count,
            [&](int64_t k) {
              const float g = d[k] * keep[k];
              return std::pair<double, double>{g, double(g) * (x_piece[k] - mean_c)};
            },
            sum_g, sum_g_centered);
        if (dresidual)
          for (int64_t k = 0; k < count; ++k) dresidual[base + k] = d[k] * keep[k];
      });
      const double sum_g_xhat = sum_g_centered * invstd[c];
      if (dweight) dweight[c] = float(sum_g_xhat);
      if (dbias) dbias[c] = float(sum_g);
      if (!dx) continue;

      // Pass 2: dx = k * g + slope * x + offset, the three numbers of
      // batch_norm_backward (core/kernels/norm.cpp derives them).
      const double k = double(invstd[c]) * (weight ? weight[c] : 1.0f);
      double slope = 0.0, offset = 0.0;
      if (training && M > 0) {
        slope = -k * invstd[c] * sum_g_xhat / M;
        offset = -k * sum_g / M - slope * mean[c];
      }
      const float k_f = float(k), slope_f = float(slope), offset_f = float(offset);
      for_each_masked_piece(s, mask, c, [&](int64_t base, int64_t count, const float* keep) {
        for (int64_t j = 0; j < count; ++j)
          dx[base + j] = k_f * (dout[base + j] * keep[j]) + slope_f * x[base + j] + offset_f;
      });
    }
  });
}

}  // namespace ag
