// Reference solution of assignment A5 (tutorials/exercises/self_attention.cpp).
// tests/exercises/test_exercises.cpp grades it (100/100).
#include "tutorials/exercises/self_attention.h"
#include "core/ag.h"

namespace ex {

SelfAttentionResult self_attention_forward(const ag::Tensor& x, const SelfAttentionParams& p) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), P = H * W;
  ag::Tensor query = ag::conv2d(x, p.query_weight, p.query_bias).reshape({N, -1, P});  // (N, C8, P)
  ag::Tensor key = ag::conv2d(x, p.key_weight, p.key_bias).reshape({N, -1, P});        // (N, C8, P)
  ag::Tensor value = ag::conv2d(x, p.value_weight, p.value_bias).reshape({N, C, P});   // (N, C, P)
  ag::Tensor energy = ag::bmm(ag::transpose(query, 1, 2), key);                        // (N, P, P)
  ag::Tensor attention = ag::softmax(energy, -1);
  ag::Tensor attended = ag::bmm(value, ag::transpose(attention, 1, 2)).reshape({N, C, H, W});
  return {p.gamma * attended + x, attention};
}

}  // namespace ex
