// tutorials/exercises/attention.h: assignment A2's interface (do not edit).
//
// Shape legend: B batch, Tq queries, Tk keys (Tq = Tk for self-attention),
// D query/key width, Dv value width. All buffers are row-major and contiguous:
// element (b, i, c) of Q is at Q[(b * Tq + i) * D + c].
#pragma once

#include <cstdint>

namespace ex {

struct AttentionShape {
  int64_t B = 1, Tq = 1, Tk = 1, D = 1, Dv = 1;
  bool causal = false;  // when true, query i sees only keys j <= i
};

// Q (B, Tq, D), K (B, Tk, D), V (B, Tk, Dv) ->
//   out (B, Tq, Dv), and weights (B, Tq, Tk): the softmax, kept for backward.
void attention_forward(const AttentionShape& s, const float* Q, const float* K, const float* V,
                       float* out, float* weights);

// dout (B, Tq, Dv) and the forward's inputs and weights -> dQ, dK, dV (shapes of Q, K, V).
// Overwrite every element of dQ, dK and dV (do not add to them).
void attention_backward(const AttentionShape& s, const float* Q, const float* K, const float* V,
                        const float* weights, const float* dout, float* dQ, float* dK, float* dV);

}  // namespace ex
