// A common bug: the backward forgets the 1/sqrt(D) of the scores, so dQ and dK
// come out sqrt(D) times too large (the forward is right). The report must
// name the factor: sqrt(D).
#include "buggy_attention.h"

namespace ex {

void attention_forward(const AttentionShape& s, const float* Q, const float* K, const float* V,
                       float* out, float* weights) {
  attention_forward_right(s, Q, K, V, out, weights);
}

void attention_backward(const AttentionShape& s, const float* Q, const float* K, const float* V,
                        const float* weights, const float* dout, float* dQ, float* dK, float* dV) {
  attention_backward_with(s, Q, K, V, weights, dout, dQ, dK, dV, /*scale=*/1.0f,
                          /*transpose_weights=*/false);
}

}  // namespace ex
