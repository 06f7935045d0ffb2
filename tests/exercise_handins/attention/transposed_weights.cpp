// A common bug: dV sums over the wrong index of the weights (weights[j][i]
// where weights[i][j] belongs: dV = weights * dout instead of weightsᵀ * dout).
// The report must say that dV is the untransposed product.
#include "buggy_attention.h"

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
