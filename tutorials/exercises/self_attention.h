// tutorials/exercises/self_attention.h: assignment A5's interface (do not edit).
//
// Shape legend: N batch, C channels (a multiple of 8), H×W feature map,
// P = H*W positions, C8 = C/8 the query/key width.
#pragma once

#include "core/tensor.h"

namespace ex {

// The parameters of a SAGAN self-attention block (three 1×1 convolutions and
// a scalar), named as in attograd's nn::SelfAttention and the PyTorch code.
struct SelfAttentionParams {
  ag::Tensor query_weight, query_bias;  // (C8, C, 1, 1), (C8)
  ag::Tensor key_weight, key_bias;      // (C8, C, 1, 1), (C8)
  ag::Tensor value_weight, value_bias;  // (C, C, 1, 1),  (C)
  ag::Tensor gamma;                     // (1)
};

struct SelfAttentionResult {
  ag::Tensor out;        // (N, C, H, W): gamma * attended + x
  ag::Tensor attention;  // (N, P, P): row i = the weights position i gives to every position j
};

// x (N, C, H, W) -> out and attention, built from attograd ops so that
// backward() differentiates it.
SelfAttentionResult self_attention_forward(const ag::Tensor& x, const SelfAttentionParams& p);

}  // namespace ex
