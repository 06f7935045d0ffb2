// A common bug: dV sums over the wrong index of the weights (weights[j][i]
// where weights[i][j] belongs: dV = weights * dout instead of weightsᵀ * dout).
// The report must say that dV is the untransposed product.
// (A right forward, and a backward with a switch for each bug of this
// folder: the two hand-ins share this code, each a file of its own, since a
// hand-in may include only the hand-out's public headers.)
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tutorials/exercises/attention.h"

namespace ex {

inline void attention_forward_right(const AttentionShape& s, const float* Q, const float* K,
                                    const float* V, float* out, float* weights) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.D));
  for (int64_t b = 0; b < s.B; ++b)
    for (int64_t i = 0; i < s.Tq; ++i) {
      float* p = weights + (b * s.Tq + i) * s.Tk;
      float top = -std::numeric_limits<float>::infinity(), sum = 0.0f;
      for (int64_t j = 0; j < s.Tk; ++j) {
        float score = -std::numeric_limits<float>::infinity();
        if (!(s.causal && j > i)) {
          score = 0.0f;
          for (int64_t c = 0; c < s.D; ++c)
            score += Q[(b * s.Tq + i) * s.D + c] * K[(b * s.Tk + j) * s.D + c];
          score *= scale;
        }
        p[j] = score;
        top = std::max(top, score);
      }
      for (int64_t j = 0; j < s.Tk; ++j) sum += (p[j] = std::exp(p[j] - top));
      for (int64_t j = 0; j < s.Tk; ++j) p[j] /= sum;
      for (int64_t c = 0; c < s.Dv; ++c) {
        float acc = 0.0f;
        for (int64_t j = 0; j < s.Tk; ++j) acc += p[j] * V[(b * s.Tk + j) * s.Dv + c];
        out[(b * s.Tq + i) * s.Dv + c] = acc;
      }
    }
}

// The backward with a switch for the two bugs of this folder's hand-ins.
inline void attention_backward_with(const AttentionShape& s, const float* Q, const float* K,
                                    const float* V, const float* weights, const float* dout,
                                    float* dQ, float* dK, float* dV, float scale,
                                    bool transpose_weights) {
  std::vector<float> dscores(static_cast<size_t>(s.Tq * s.Tk));
  for (int64_t b = 0; b < s.B; ++b) {
    const float* p = weights + b * s.Tq * s.Tk;
    const float* dO = dout + b * s.Tq * s.Dv;
    for (int64_t j = 0; j < s.Tk; ++j)
      for (int64_t c = 0; c < s.Dv; ++c) {
        float acc = 0.0f;
        for (int64_t i = 0; i < s.Tq; ++i)
          acc += (transpose_weights ? p[j * s.Tk + i] : p[i * s.Tk + j]) * dO[i * s.Dv + c];
        dV[(b * s.Tk + j) * s.Dv + c] = acc;
      }
    for (int64_t i = 0; i < s.Tq; ++i) {
      float dot = 0.0f;
      for (int64_t j = 0; j < s.Tk; ++j) {
        float dp = 0.0f;
        for (int64_t c = 0; c < s.Dv; ++c) dp += dO[i * s.Dv + c] * V[(b * s.Tk + j) * s.Dv + c];
        dscores[i * s.Tk + j] = dp;
        dot += dp * p[i * s.Tk + j];
      }
      for (int64_t j = 0; j < s.Tk; ++j)
        dscores[i * s.Tk + j] = p[i * s.Tk + j] * (dscores[i * s.Tk + j] - dot);
    }
    for (int64_t i = 0; i < s.Tq; ++i)
      for (int64_t c = 0; c < s.D; ++c) {
        float acc = 0.0f;
        for (int64_t j = 0; j < s.Tk; ++j)
          acc += dscores[i * s.Tk + j] * K[(b * s.Tk + j) * s.D + c];
        dQ[(b * s.Tq + i) * s.D + c] = acc * scale;
      }
    for (int64_t j = 0; j < s.Tk; ++j)
      for (int64_t c = 0; c < s.D; ++c) {
        float acc = 0.0f;
        for (int64_t i = 0; i < s.Tq; ++i)
          acc += dscores[i * s.Tk + j] * Q[(b * s.Tq + i) * s.D + c];
        dK[(b * s.Tk + j) * s.D + c] = acc * scale;
      }
  }
}

}  // namespace ex

namespace ex {

void attention_forward(const AttentionShape& s, const float* Q, const float* K, const float* V,
                       float* out, float* weights) {
  attention_forward_right(s, Q, K, V, out, weights);
}

void attention_backward(const AttentionShape& s, const float* Q, const float* K, const float* V,
                        const float* weights, const float* dout, float* dQ, float* dK, float* dV) {
  attention_backward_with(s, Q, K, V, weights, dout, dQ, dK, dV,
                          /*scale=*/1.0f / std::sqrt(static_cast<float>(s.D)),
                          /*transpose_weights=*/true);
}

}  // namespace ex
