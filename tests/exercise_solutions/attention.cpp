// Reference solution of assignment A2 (tutorials/exercises/attention.cpp).
// tests/exercises/test_exercises.cpp grades it (100/100).
//
// Per batch element, with scale = 1/sqrt(D):
//   dV = Pᵀ dO,   dP = dO Vᵀ,   dS[i][j] = P[i][j] (dP[i][j] - sum_k dP[i][k] P[i][k]),
//   dQ = dS K * scale,   dK = dSᵀ Q * scale.
// Masked entries have P = 0, so the softmax formula already gives them dS = 0.
#include "tutorials/exercises/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ex {

void attention_forward(const AttentionShape& s, const float* Q, const float* K, const float* V,
                       float* out, float* weights) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.D));
  for (int64_t b = 0; b < s.B; ++b) {
    const float* q = Q + b * s.Tq * s.D;
    const float* k = K + b * s.Tk * s.D;
    const float* v = V + b * s.Tk * s.Dv;
    float* p = weights + b * s.Tq * s.Tk;
    float* o = out + b * s.Tq * s.Dv;
    for (int64_t i = 0; i < s.Tq; ++i) {
      float* p_row = p + i * s.Tk;
      float row_max = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < s.Tk; ++j) {
        float score = -std::numeric_limits<float>::infinity();
        if (!(s.causal && j > i)) {
          score = 0.0f;
          for (int64_t c = 0; c < s.D; ++c) score += q[i * s.D + c] * k[j * s.D + c];
          score *= scale;
        }
        p_row[j] = score;
        row_max = std::max(row_max, score);
      }
      float sum = 0.0f;
      for (int64_t j = 0; j < s.Tk; ++j) {
        p_row[j] = std::exp(p_row[j] - row_max);  // exp(-inf) = 0 for masked keys
        sum += p_row[j];
      }
      for (int64_t j = 0; j < s.Tk; ++j) p_row[j] /= sum;
      for (int64_t c = 0; c < s.Dv; ++c) {
        float acc = 0.0f;
        for (int64_t j = 0; j < s.Tk; ++j) acc += p_row[j] * v[j * s.Dv + c];
        o[i * s.Dv + c] = acc;
      }
    }
  }
}

void attention_backward(const AttentionShape& s, const float* Q, const float* K, const float* V,
                        const float* weights, const float* dout, float* dQ, float* dK, float* dV) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.D));
  std::vector<float> dscores(static_cast<size_t>(s.Tq * s.Tk));
  for (int64_t b = 0; b < s.B; ++b) {
    const float* q = Q + b * s.Tq * s.D;
    const float* k = K + b * s.Tk * s.D;
    const float* v = V + b * s.Tk * s.Dv;
    const float* p = weights + b * s.Tq * s.Tk;
    const float* dout_b = dout + b * s.Tq * s.Dv;
    float* dq = dQ + b * s.Tq * s.D;
    float* dk = dK + b * s.Tk * s.D;
    float* dv = dV + b * s.Tk * s.Dv;
    // dV = Pᵀ dO
    for (int64_t j = 0; j < s.Tk; ++j)
      for (int64_t c = 0; c < s.Dv; ++c) {
        float acc = 0.0f;
        for (int64_t i = 0; i < s.Tq; ++i) acc += p[i * s.Tk + j] * dout_b[i * s.Dv + c];
        dv[j * s.Dv + c] = acc;
      }
    // dP = dO Vᵀ, then the softmax backward row by row gives dS.
    for (int64_t i = 0; i < s.Tq; ++i) {
      float* ds_row = dscores.data() + i * s.Tk;
      float dot = 0.0f;
      for (int64_t j = 0; j < s.Tk; ++j) {
        float dp = 0.0f;
        for (int64_t c = 0; c < s.Dv; ++c) dp += dout_b[i * s.Dv + c] * v[j * s.Dv + c];
        ds_row[j] = dp;
        dot += dp * p[i * s.Tk + j];
      }
      for (int64_t j = 0; j < s.Tk; ++j) ds_row[j] = p[i * s.Tk + j] * (ds_row[j] - dot);
    }
    // dQ = dS K * scale,  dK = dSᵀ Q * scale
    for (int64_t i = 0; i < s.Tq; ++i)
      for (int64_t c = 0; c < s.D; ++c) {
        float acc = 0.0f;
        for (int64_t j = 0; j < s.Tk; ++j) acc += dscores[i * s.Tk + j] * k[j * s.D + c];
        dq[i * s.D + c] = acc * scale;
      }
    for (int64_t j = 0; j < s.Tk; ++j)
      for (int64_t c = 0; c < s.D; ++c) {
        float acc = 0.0f;
        for (int64_t i = 0; i < s.Tq; ++i) acc += dscores[i * s.Tk + j] * q[i * s.D + c];
        dk[j * s.D + c] = acc * scale;
      }
  }
}

}  // namespace ex
